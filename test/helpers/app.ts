/** Builds an app the way `serve` does, minus the socket, for `inject` tests. */
import { Writable } from 'node:stream';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import type { FastifyInstance } from 'fastify';

export interface TestApp {
  app: FastifyInstance;
  logs: () => any[];
  setConfig: (config: Config) => void;
  metrics: ReturnType<typeof createMetrics>;
}

export function testApp(
  config: Config = DEFAULT_CONFIG,
  options: { ready?: boolean; level?: 'info' | 'debug' } = {},
): TestApp {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  let runtime = createRuntime(config);
  const metrics = createMetrics({ defaultMetrics: false });
  const app = buildApp({
    runtime: () => runtime,
    metrics,
    isReady: () => options.ready ?? true,
    logger: createLogger({ level: options.level ?? 'info', destination }),
  });
  return {
    app,
    metrics,
    logs: () => lines.map((line) => JSON.parse(line)),
    setConfig: (next) => {
      runtime = createRuntime(next);
    },
  };
}

/** Decodes a response's base64 JSON Patch ([] when there is none). */
export function decodePatch(response: any): any[] {
  if (response.patch === undefined) return [];
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
}
