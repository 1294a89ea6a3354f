/**
 * Wires `pullthrough sync-secrets` together: watched caches, the controller, leader election on a
 * Lease, and the metrics/health server. Every replica watches (a warm standby plans at once when
 * it takes over); only the lease holder writes. `sync-secrets-command.ts` is a flag parser around
 * {@link startSecretSync}; tests run it in-process too.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ScopedLogger as Logger } from '../platform/logger.js';
import type { ScopeSettings } from '../core/scope.js';
import { SecretSyncController } from './controller.js';
import { kubeSecretWriter, kubeSyncSources, type SecretWriter, type SyncSources } from './kube-adapters.js';
import { kubeLeaseStore } from './kube-lease-store.js';
import { LeaderElector, type ElectionTimings } from './leader-elector.js';
import { LeaderElection, type LeaseStore } from './leader-election.js';
import { createSyncMetrics, type SyncMetrics } from './metrics.js';
import { startSyncHttpServer, type SyncHttpServer } from './http-server.js';

export interface SecretSyncOptions {
  readonly kubeConfig: KubeConfig;
  readonly sourceNamespace: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly scope: ScopeSettings;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly resyncMs: number;
  /** Undefined: no HTTP server (tests). */
  readonly metrics?: { readonly host: string; readonly port: number } | undefined;
  readonly logger: Logger;
  /** Test seams: replace the API adapters. */
  readonly sources?: SyncSources;
  readonly writer?: SecretWriter;
  readonly leaseStore?: LeaseStore;
}

export interface RunningSecretSync {
  /** `http://host:port` of /metrics, /healthz and /readyz, when served. */
  readonly metricsUrl: string | undefined;
  readonly metrics: SyncMetrics;
  readonly controller: SecretSyncController;
  isLeader(): boolean;
  /** Stops writing, hands the lease over (empty holder), stops watching, closes the server. */
  stop(): Promise<void>;
}

export async function startSecretSync(options: SecretSyncOptions): Promise<RunningSecretSync> {
  const logger = options.logger.child({ identity: options.identity });
  const metrics = createSyncMetrics();
  const owner = `${options.leaseNamespace}/${options.leaseName}`;
  // The callbacks below are wired before the controller exists.
  const ref: { controller?: SecretSyncController } = {};
  const sources =
    options.sources ??
    kubeSyncSources({
      kubeConfig: options.kubeConfig,
      sourceNamespace: options.sourceNamespace,
      sourceName: options.sourceName,
      targetName: options.targetName,
      logger,
      onChange: () => ref.controller?.trigger(),
      onRestart: (collection) => metrics.observeRestart(collection),
    });
  const election = new LeaderElection({
    store:
      options.leaseStore ?? kubeLeaseStore(options.kubeConfig, options.leaseNamespace, options.leaseName),
    elector: new LeaderElector(options.identity, options.timings),
    logger,
    onStartedLeading: () => ref.controller?.leadershipChanged(true),
    onStoppedLeading: () => ref.controller?.leadershipChanged(false),
  });
  const controller = new SecretSyncController({
    settings: {
      owner,
      sourceNamespace: options.sourceNamespace,
      sourceName: options.sourceName,
      targetName: options.targetName,
      scope: options.scope,
    },
    sources,
    writer: options.writer ?? kubeSecretWriter(options.kubeConfig),
    isLeader: () => election.isLeader(),
    metrics,
    logger,
    resyncMs: options.resyncMs,
  });
  ref.controller = controller;
  let server: SyncHttpServer | undefined;
  if (options.metrics !== undefined) {
    server = await startSyncHttpServer({
      ...options.metrics,
      registry: metrics.registry,
      ready: () => sources.synced(),
    });
  }
  metrics.setLeader(false);
  sources.start();
  controller.start();
  election.start();
  logger.info(
    {
      source: `${options.sourceNamespace}/${options.sourceName}`,
      target: options.targetName,
      scope: options.scope.scope,
      mode: options.scope.mode,
      excludedNamespaces: options.scope.excludedNamespaces,
      lease: owner,
      metrics: server?.url,
    },
    'secret sync started',
  );

  return {
    metricsUrl: server?.url,
    metrics,
    controller,
    isLeader: () => election.isLeader(),
    async stop() {
      await controller.stop();
      await election.stop({ release: true });
      await sources.stop();
      await server?.close();
      logger.info({}, 'secret sync stopped');
    },
  };
}
