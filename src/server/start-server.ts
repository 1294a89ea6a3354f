/**
 * Wires the webhook process together: configuration (with hot reload), the serving certificate
 * (with hot reload), the fastify app and its listener, and an orderly shutdown. `serve` is a thin
 * flag parser around this; tests start a real HTTPS server through it on port 0.
 */
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createRuntime, type AdmissionRuntime } from '../admission/runtime.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { watchConfig, type ConfigWatcher } from '../config/watch.js';
import { targetsOf } from '../core/rewrite.js';
import { buildApp } from '../http/app.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { createImageVerifier } from '../health/image-verifier.js';
import { createProxyProber } from '../health/proxy-prober.js';
import { createImageVerification } from '../health/verify-images.js';
import { attachTlsReload, secureContextOptions } from '../tls/attach.js';
import { createTlsSource, type TlsFlags, type TlsMode } from './create-tls-source.js';

export interface ServerOptions {
  readonly configPath?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly tls: TlsFlags;
  readonly logger: Logger;
  /** After shutdown starts, how long /readyz fails before the listener closes (endpoint propagation). */
  readonly shutdownDelayMs?: number;
  /** How long in-flight reviews may take to finish before connections are cut. */
  readonly drainTimeoutMs?: number;
  readonly configPollIntervalMs?: number;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly tlsMode: TlsMode;
  /** Where the self-signed CA was written, when that path was taken. */
  readonly caPath: string | undefined;
  readonly metrics: Metrics;
  current(): AdmissionRuntime;
  /** Stops accepting, lets in-flight reviews finish (bounded), releases timers and watchers. */
  close(): Promise<void>;
}

function describeConfig(config: Config): object {
  return {
    mode: config.mode,
    rules: config.rules.map(
      (rule) =>
        `${rule.registry}${rule.match === undefined ? '' : ` (${rule.match.join(' ')})`} -> ${targetsOf(rule).join(' | ')}`,
    ),
    pullSecrets: config.pullSecrets,
    excludedImages: config.exclude.images.length,
    excludedOwners: config.exclude.owners.length,
    health: config.health.enabled,
    verify: config.verify.enabled,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the webhook and resolves once it listens. Throws ConfigError / TlsConfigError before listening. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.logger;
  const { config, text: configText } = await loadConfig(options.configPath);
  let runtime = createRuntime(config);
  const metrics = createMetrics({ rules: config.rules });

  const prober = createProxyProber({ config, metrics, logger: log.child({ component: 'health' }) });
  const verifier = createImageVerifier({ config, logger: log.child({ component: 'verify' }) });
  const verifyImages = createImageVerification({ verifier, logger: log.child({ component: 'verify' }) });

  const tls = await createTlsSource(options.tls, {
    log: log.child({ component: 'tls' }),
    port: options.port,
  });
  let ready = false;
  const app = buildApp({
    runtime: () => runtime,
    rewriteOptions: () => ({ unhealthyProxies: prober.unhealthyProxies() }),
    verifyImages,
    metrics,
    isReady: () => ready,
    logger: log,
    https: secureContextOptions(tls.source.current()),
  });
  // buildApp was given `https`, so its server is an https.Server.
  const httpsServer = app.server as unknown as HttpsServer;
  const detachTls = attachTlsReload(httpsServer, tls.source, { log: log.child({ component: 'tls' }) });

  let watcher: ConfigWatcher | undefined;
  if (options.configPath !== undefined) {
    const path = options.configPath;
    watcher = watchConfig(
      path,
      {
        onChange(next) {
          runtime = createRuntime(next);
          prober.reconfigure(next);
          verifier.reconfigure(next);
          metrics.observeConfigReload('success');
          log.info({ config: describeConfig(next), path }, 'configuration reloaded');
        },
        onInvalid(error) {
          metrics.observeConfigReload('failure');
          log.error(
            { path, issues: error.issues },
            'configuration rejected; the last good one stays in force',
          );
        },
      },
      { initialText: configText, pollIntervalMs: options.configPollIntervalMs },
    );
  }

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    // The port is taken (or not ours to bind): release what started so the process can exit.
    watcher?.close();
    detachTls();
    verifier.close();
    await tls.source.close();
    await app.close().catch(() => undefined);
    throw error;
  }
  prober.start();
  ready = true;
  const address = app.server.address() as AddressInfo;
  const url = `https://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  log.info(
    {
      url,
      tlsMode: tls.mode,
      caPath: tls.caPath,
      config: describeConfig(config),
      configPath: options.configPath ?? '(embedded default)',
    },
    'pullthrough is serving',
  );

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    ready = false;
    watcher?.close();
    prober.stop();
    await sleep(options.shutdownDelayMs ?? 0);
    const drained = app.close();
    const timeout = setTimeout(() => app.server.closeAllConnections(), options.drainTimeoutMs ?? 25_000);
    timeout.unref();
    await drained;
    clearTimeout(timeout);
    detachTls();
    verifier.close();
    await tls.source.close();
    log.info('pullthrough stopped');
  };

  return {
    app,
    url,
    tlsMode: tls.mode,
    caPath: tls.caPath,
    metrics,
    current: () => runtime,
    close: () => (closing ??= close()),
  };
}
