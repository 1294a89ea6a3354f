/** Builds an app the way `serve` does, minus the socket, for `inject` tests. */
import { Writable } from 'node:stream';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import type { RewriteOptions } from '../../src/core/rewrite.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface TestApp {
  app: FastifyInstance;
  logs: () => any[];
  setConfig: (config: Config) => void;
  metrics: ReturnType<typeof createMetrics>;
  /** The app's logger, for components under test (a prober) whose lines belong in `logs()`. */
  logger: Logger;
}

export function testApp(
  config: Config = DEFAULT_CONFIG,
  options: {
    ready?: boolean;
    level?: 'info' | 'debug';
    /** What `serve` passes from the proxy prober; absent means every proxy is healthy. */
    rewriteOptions?: () => RewriteOptions | undefined;
  } = {},
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
  const logger = createLogger({ level: options.level ?? 'info', destination });
  const app = buildApp({
    runtime: () => runtime,
    metrics,
    isReady: () => options.ready ?? true,
    logger,
    ...(options.rewriteOptions === undefined ? {} : { rewriteOptions: options.rewriteOptions }),
  });
  return {
    app,
    metrics,
    logger,
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
