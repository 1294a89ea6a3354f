/**
 * Prometheus metrics of `pullthrough sync-secrets`, in the style of src/http/metrics.ts: one registry
 * per controller, bounded labels (actions, results, collection names; never a namespace).
 *
 * Only the leader plans and writes, so the plan gauges (conflicts, target namespaces, in sync) are
 * those of the leader and 0 on the others: aggregate them with `max` (or `sum`) over the replicas.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { labelCombinations, registerProcessMetrics, zeroCounter } from '../platform/process-metrics.js';
import type { SyncPlan } from './plan.js';

export type WriteAction = 'create' | 'update' | 'replace' | 'delete';
export type WriteResult = 'success' | 'conflict' | 'error';

export interface SyncMetrics {
  readonly registry: Registry;
  setLeader(leader: boolean): void;
  /** The gauges of a plan, or undefined to zero them (no longer the leader). */
  observePlan(plan: SyncPlan | undefined): void;
  observeWrite(action: WriteAction, result: WriteResult): void;
  observeReconcile(result: 'success' | 'error', nowSeconds: number): void;
  observeRestart(collection: string): void;
}

export function createSyncMetrics(options: { defaultMetrics?: boolean } = {}): SyncMetrics {
  const registry = new Registry();
  registerProcessMetrics(registry, options);
  const leader = new Gauge({
    name: 'pullthrough_secret_sync_leader',
    help: '1 while this instance holds the lease and is the one that writes, else 0.',
    registers: [registry],
  });
  const conflicts = new Gauge({
    name: 'pullthrough_secret_sync_conflicts',
    help: 'Namespaces in scope where a Secret of the pull secret’s name exists that secret-sync does not own (left untouched). Leader only.',
    registers: [registry],
  });
  const targets = new Gauge({
    name: 'pullthrough_secret_sync_target_namespaces',
    help: 'Namespaces that should hold a copy of the pull secret (those the /mutate webhook covers). Leader only.',
    registers: [registry],
  });
  const inSync = new Gauge({
    name: 'pullthrough_secret_sync_copies_in_sync',
    help: 'Copies found current at the last reconcile (before its writes). Leader only.',
    registers: [registry],
  });
  const sourceAvailable = new Gauge({
    name: 'pullthrough_secret_sync_source_available',
    help: '1 when the source Secret exists and is a kubernetes.io/dockerconfigjson with data, else 0 (copies are then left as they are). Leader only.',
    registers: [registry],
  });
  const writes = new Counter({
    name: 'pullthrough_secret_sync_writes_total',
    help: 'Writes to copies by action (create, update, replace, delete) and result (success, conflict, error).',
    labelNames: ['action', 'result'] as const,
    registers: [registry],
  });
  const reconciles = new Counter({
    name: 'pullthrough_secret_sync_reconciles_total',
    help: 'Reconciles run as the leader, by result (error: at least one write failed; retried with backoff).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'pullthrough_secret_sync_last_success_timestamp_seconds',
    help: 'Unix time of the last reconcile that completed without errors.',
    registers: [registry],
  });
  const restarts = new Counter({
    name: 'pullthrough_secret_sync_watch_restarts_total',
    help: 'Informer restarts after a list or watch error, by collection (namespaces, source, copies).',
    labelNames: ['collection'] as const,
    registers: [registry],
  });

  zeroCounter(
    writes,
    labelCombinations({
      action: ['create', 'update', 'replace', 'delete'] satisfies WriteAction[],
      result: ['success', 'conflict', 'error'] satisfies WriteResult[],
    }),
  );
  zeroCounter(reconciles, [{ result: 'success' }, { result: 'error' }]);
  zeroCounter(restarts, labelCombinations({ collection: ['namespaces', 'source', 'copies'] }));

  return {
    registry,
    setLeader: (value) => leader.set(value ? 1 : 0),
    observePlan(plan) {
      conflicts.set(plan?.conflicts.length ?? 0);
      targets.set(plan?.targetNamespaces.length ?? 0);
      inSync.set(plan?.inSync ?? 0);
      sourceAvailable.set(plan?.sourceState === 'ok' ? 1 : 0);
    },
    observeWrite: (action, result) => writes.inc({ action, result }),
    observeReconcile(result, nowSeconds) {
      reconciles.inc({ result });
      if (result === 'success') lastSuccess.set(nowSeconds);
    },
    observeRestart: (collection) => restarts.inc({ collection }),
  };
}
