/**
 * The secret sync controller: plans from the watched caches ({@link planSync}) and, while this
 * instance is the leader, writes the plan. Reconciles are serial and coalesced: any change to the
 * caches, a leadership gain and the periodic resync each ask for one, and a burst of events makes
 * one run. A failed write is retried with capped exponential backoff by re-planning (never by
 * replaying the old action); a conflict (the cache was behind) re-plans after a short delay.
 *
 * Leadership is checked before every single write, so an instance that loses the lease stops
 * writing at once, between two writes, not at the end of the plan.
 */
import type { ScopedLogger as Logger } from '../platform/logger.js';
import { ConflictError, describeApiError } from '../kube/api-errors.js';
import { Backoff, type BackoffOptions } from '../platform/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/clock.js';
import type { SecretWriter, SyncSources } from './kube-adapters.js';
import type { SyncMetrics, WriteAction } from './metrics.js';
import {
  MANAGED_BY_LABEL,
  planSync,
  type Conflict,
  type SourceState,
  type SyncAction,
  type SyncPlan,
  type SyncSettings,
} from './plan.js';

export interface SecretSyncControllerOptions {
  readonly settings: SyncSettings;
  readonly sources: SyncSources;
  readonly writer: SecretWriter;
  /** Asked before every write. */
  readonly isLeader: () => boolean;
  readonly metrics: SyncMetrics;
  readonly logger: Logger;
  /** Re-plan from the caches this often even without events. */
  readonly resyncMs: number;
  /** How long a change waits for more changes before the reconcile. Default 100 ms. */
  readonly debounceMs?: number;
  /** After a conflict, how long to let the caches catch up. Default 1 s. */
  readonly conflictRetryMs?: number;
  readonly backoff?: BackoffOptions;
  readonly clock?: Clock;
}

export interface ReconcileResult {
  /** Why nothing was planned, if so. */
  readonly skipped?: 'not-leader' | 'not-synced';
  readonly plan?: SyncPlan;
  readonly written: number;
  readonly conflicts: number;
  readonly errors: number;
  /** The lease was lost midway: the remaining actions were not attempted. */
  readonly interrupted: boolean;
}

const conflictKey = (conflict: Conflict): string => `${conflict.namespace}/${conflict.name}`;

export class SecretSyncController {
  readonly #options: SecretSyncControllerOptions;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #dueAt = Number.POSITIVE_INFINITY;
  #resync: NodeJS.Timeout | undefined;
  #running: Promise<ReconcileResult> | undefined;
  #again = false;
  #stopped = true;
  /** Set by stop(): a running reconcile stops before its next write. */
  #stopping = false;
  #conflicts = new Map<string, Conflict>();
  #sourceState: SourceState | undefined;

  constructor(options: SecretSyncControllerOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#backoff = new Backoff(options.backoff);
    this.#clock = options.clock ?? systemClock();
  }

  /** Starts the resync timer; the sources are started (and stopped) by the caller. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#resync = setInterval(() => this.trigger(0), this.#options.resyncMs);
    this.trigger(0);
  }

  /** Call on every leadership change. */
  leadershipChanged(leader: boolean): void {
    this.#options.metrics.setLeader(leader);
    if (leader) {
      this.#backoff.reset();
      this.trigger(0);
      return;
    }
    // The next leader reports from scratch; this one reports nothing any more.
    this.#options.metrics.observePlan(undefined);
    this.#conflicts = new Map();
    this.#sourceState = undefined;
  }

  /** Asks for a reconcile in `delayMs` (default: the debounce), coalescing with one already asked for. */
  trigger(delayMs = this.#options.debounceMs ?? 100): void {
    if (this.#stopped || !this.#options.isLeader()) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    const dueAt = this.#clock.now() + delayMs;
    if (this.#timer !== undefined && dueAt >= this.#dueAt) return;
    this.#clock.clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#dueAt = Number.POSITIVE_INFINITY;
      void this.#run();
    }, delayMs);
  }

  /**
   * Stops asking for reconciles and waits for the write in flight (at most `timeoutMs`: a request the
   * API server never answers must not hold up the shutdown). The caller stops the sources.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.#stopped = true;
    this.#stopping = true;
    this.#clock.clearTimeout(this.#timer);
    clearInterval(this.#resync);
    this.#timer = undefined;
    let timer: TimerHandle | undefined;
    await Promise.race([
      this.#running,
      new Promise<void>((resolve) => (timer = this.#clock.setTimeout(resolve, timeoutMs))),
    ]);
    this.#clock.clearTimeout(timer);
  }

  /** One reconcile (exposed for tests; normally run through {@link trigger}). */
  async reconcile(): Promise<ReconcileResult> {
    const none = { written: 0, conflicts: 0, errors: 0, interrupted: false };
    if (!this.#options.isLeader()) return { ...none, skipped: 'not-leader' };
    if (!this.#options.sources.synced()) return { ...none, skipped: 'not-synced' };
    const plan = planSync(this.#options.sources.snapshot(), this.#options.settings);
    this.#options.metrics.observePlan(plan);
    this.#reportSource(plan.sourceState);
    this.#reportConflicts(plan.conflicts);
    const result = { ...none, plan };
    for (const [index, action] of plan.actions.entries()) {
      if (this.#stopping || !this.#options.isLeader()) {
        const why = this.#stopping ? 'shutting down' : 'lost the lease';
        this.#logger.warn({ remaining: plan.actions.length - index }, `${why}; stopped writing`);
        return { ...result, interrupted: true };
      }
      const outcome = await this.#apply(action);
      result[outcome === 'success' ? 'written' : outcome === 'conflict' ? 'conflicts' : 'errors'] += 1;
    }
    this.#logger.debug(
      { targets: plan.targetNamespaces.length, inSync: plan.inSync, ...result, plan: undefined },
      'reconciled',
    );
    return result;
  }

  async #run(): Promise<void> {
    const running = this.reconcile().catch((error: unknown): ReconcileResult => {
      this.#logger.error({ err: error }, 'reconcile failed');
      return { written: 0, conflicts: 0, errors: 1, interrupted: false };
    });
    this.#running = running;
    const result = await running;
    this.#running = undefined;
    // Changes seen while this one ran: plan again (even after a skipped run, or they would wait for
    // the resync).
    if (this.#again) {
      this.#again = false;
      this.trigger();
    }
    if (result.skipped !== undefined) return;
    const nowSeconds = Date.now() / 1000;
    if (result.errors > 0) {
      this.#options.metrics.observeReconcile('error', nowSeconds);
      const delayMs = this.#backoff.next();
      this.#logger.warn(
        { errors: result.errors, retryInMs: delayMs },
        'some copies could not be written; retrying',
      );
      this.trigger(delayMs);
    } else {
      this.#options.metrics.observeReconcile('success', nowSeconds);
      this.#backoff.reset();
      if (result.conflicts > 0) this.trigger(this.#options.conflictRetryMs ?? 1_000);
    }
  }

  async #apply(action: SyncAction): Promise<'success' | 'conflict' | 'error'> {
    const { writer, metrics, settings } = this.#options;
    const name = settings.targetName;
    const kind: WriteAction = action.kind;
    const log = {
      namespace: action.namespace,
      secret: name,
      action: action.kind,
      ...('reason' in action ? { reason: action.reason } : {}),
    };
    try {
      if (action.kind === 'create' || action.kind === 'replace') {
        if (action.kind === 'replace') {
          await writer.delete(action.namespace, name, {
            uid: action.uid,
            resourceVersion: action.resourceVersion,
          });
        }
        await writer.create(action.body);
      } else if (action.kind === 'update') {
        await writer.update(action.body);
      } else {
        await writer.delete(action.namespace, name, {
          uid: action.uid,
          resourceVersion: action.resourceVersion,
        });
      }
      metrics.observeWrite(kind, 'success');
      this.#logger.info(log, 'pull secret copy written');
      return 'success';
    } catch (error) {
      if (error instanceof ConflictError) {
        metrics.observeWrite(kind, 'conflict');
        this.#logger.debug({ ...log, error: error.message }, 'the copy changed meanwhile; re-planning');
        return 'conflict';
      }
      metrics.observeWrite(kind, 'error');
      this.#logger.warn({ ...log, error: describeApiError(error) }, 'cannot write the pull secret copy');
      return 'error';
    }
  }

  #reportSource(state: SourceState): void {
    if (state === this.#sourceState) return;
    const { sourceNamespace, sourceName } = this.#options.settings;
    const source = `${sourceNamespace}/${sourceName}`;
    if (state === 'ok') {
      if (this.#sourceState !== undefined) this.#logger.info({ source }, 'the source Secret is usable again');
    } else {
      const why = {
        missing: 'does not exist',
        'wrong-type': 'is not of type kubernetes.io/dockerconfigjson',
        'no-data': 'has no .dockerconfigjson data',
      }[state];
      this.#logger.warn({ source, state }, `the source Secret ${why}; copies are left as they are`);
    }
    this.#sourceState = state;
  }

  #reportConflicts(conflicts: readonly Conflict[]): void {
    const current = new Map(conflicts.map((conflict) => [conflictKey(conflict), conflict]));
    for (const [key, conflict] of current) {
      if (this.#conflicts.has(key)) continue;
      const why =
        conflict.reason === 'unmanaged'
          ? `it has no ${MANAGED_BY_LABEL} label`
          : `it belongs to the secret-sync controller ${conflict.owner ?? '?'}`;
      this.#logger.warn(
        {
          namespace: conflict.namespace,
          secret: conflict.name,
          reason: conflict.reason,
          owner: conflict.owner,
        },
        `a Secret with the pull secret's name exists and is not ours (${why}); left untouched`,
      );
    }
    for (const [key, conflict] of this.#conflicts) {
      if (!current.has(key)) {
        this.#logger.info({ namespace: conflict.namespace, secret: conflict.name }, 'conflict resolved');
      }
    }
    this.#conflicts = current;
  }
}
