/**
 * The leader election loop: every retry period, read the Lease, let {@link LeaderElector} decide,
 * write what it says. The Lease API sits behind {@link LeaseStore} (`kube-lease-store.ts` with
 * @kubernetes/client-node; tests with a fake), timers and clock are injectable.
 */
import type { ScopedLogger as Logger } from '../platform/logger.js';
import { ConflictError } from '../kube/api-errors.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/clock.js';
import { LeaderElector, type ElectionStep, type ObservedLease, type LeaseRecord } from './leader-elector.js';

/** One Lease, named when the store is built. */
export interface LeaseStore {
  /** The Lease, or undefined when it does not exist. */
  get(): Promise<ObservedLease | undefined>;
  /** Throws {@link ConflictError} when it already exists. */
  create(record: LeaseRecord): Promise<ObservedLease>;
  /** Throws {@link ConflictError} when it is no longer at `resourceVersion`. */
  update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease>;
  /** `namespace/name`, for logs. */
  readonly description: string;
}

export interface LeaderElectionOptions {
  readonly store: LeaseStore;
  readonly elector: LeaderElector;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Called when this instance becomes the leader. */
  readonly onStartedLeading?: () => void;
  /** Called as soon as this instance knows it is no longer (or may no longer be) the leader. */
  readonly onStoppedLeading?: () => void;
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Rejects after `ms`; the call itself is left to finish (its result is then ignored). */
function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class LeaderElection {
  readonly #store: LeaseStore;
  readonly #elector: LeaderElector;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #onStarted: () => void;
  readonly #onStopped: () => void;
  #timer: TimerHandle | undefined;
  /** Fires at the renew deadline, so that a leader whose renewals hang stops on time. */
  #deadline: TimerHandle | undefined;
  #running = false;
  #inFlight: Promise<void> | undefined;
  #leading = false;
  #lastHolder: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#store = options.store;
    this.#elector = options.elector;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock();
    this.#onStarted = options.onStartedLeading ?? (() => {});
    this.#onStopped = options.onStoppedLeading ?? (() => {});
  }

  get identity(): string {
    return this.#elector.identity;
  }

  /** Whether this instance may write now (checked before every write, not only on callbacks). */
  isLeader(): boolean {
    return this.#elector.isLeader(this.#clock.now());
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** One round: read, decide, write. Never rejects. Exposed for tests. */
  async tick(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.#elector.timings;
    // A request must not outlive the deadline it is meant to meet.
    const timeoutMs = Math.max(renewDeadlineMs / 2, retryPeriodMs);
    const startedAt = this.#clock.now();
    try {
      const lease = await withTimeout(this.#clock, this.#store.get(), timeoutMs);
      this.#elector.observe(lease, this.#clock.now());
      const step = this.#elector.next(this.#clock.now());
      this.#noteHolder(step);
      if (step.kind !== 'wait') {
        const written = await withTimeout(this.#clock, this.#write(step), timeoutMs);
        this.#elector.succeeded(written, startedAt);
      }
    } catch (error) {
      const conflict = error instanceof ConflictError;
      this.#elector.failed(conflict);
      const log = { err: error, lease: this.#store.description };
      if (conflict) this.#logger.debug(log, 'lost a race for the lease');
      else this.#logger.warn(log, 'cannot read or write the lease');
    }
    this.#updateLeading();
  }

  /**
   * Stops the loop. With `release` (the default; SIGTERM), a held Lease is handed over with an empty
   * holder so that another instance takes over at its next attempt rather than after the lease
   * duration; without, it is left to expire. Either way this instance is no longer the leader
   * afterwards. Call it only after this instance has stopped writing.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#running = false;
    this.#clock.clearTimeout(this.#timer);
    await this.#inFlight;
    const step = options.release === false ? undefined : this.#elector.release();
    this.#elector.abandon();
    this.#updateLeading();
    if (step === undefined || step.kind !== 'update') return;
    try {
      await withTimeout(this.#clock, this.#store.update(step.record, step.resourceVersion), 5_000);
      this.#logger.info({ lease: this.#store.description }, 'released the lease');
    } catch (error) {
      this.#logger.warn(
        { err: error, lease: this.#store.description },
        'cannot release the lease; another instance takes over when it expires',
      );
    }
  }

  #write(step: Exclude<ElectionStep, { kind: 'wait' }>): Promise<ObservedLease> {
    return step.kind === 'create'
      ? this.#store.create(step.record)
      : this.#store.update(step.record, step.resourceVersion);
  }

  #noteHolder(step: ElectionStep): void {
    const holder = step.kind === 'wait' ? step.holder : undefined;
    if (holder !== undefined && holder !== this.#lastHolder) {
      this.#logger.info({ lease: this.#store.description, holder }, 'the lease is held by another instance');
    }
    this.#lastHolder = holder;
  }

  #updateLeading(): void {
    const leading = this.isLeader();
    this.#clock.clearTimeout(this.#deadline);
    if (leading) {
      const ms = this.#elector.leaderUntil - this.#clock.now();
      this.#deadline = this.#clock.setTimeout(() => this.#updateLeading(), ms);
    }
    if (leading === this.#leading) return;
    this.#leading = leading;
    const log = { lease: this.#store.description };
    if (leading) {
      this.#logger.info(log, 'became the leader');
      this.#onStarted();
    } else {
      this.#logger.info(log, 'stopped being the leader');
      this.#onStopped();
    }
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#inFlight = this.tick().finally(() => {
        this.#inFlight = undefined;
        this.#schedule(this.#elector.timings.retryPeriodMs);
      });
    }, ms);
  }
}
