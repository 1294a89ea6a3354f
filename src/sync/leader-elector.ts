/**
 * Lease-based leader election, the decisions only (no I/O, no timers): what to write to the
 * `coordination.k8s.io/v1` Lease next, and whether this instance may act as the leader now. The
 * loop that reads and writes the Lease is `leader-election.ts`; tests drive this with a fake clock.
 *
 * The rules are client-go's (k8s.io/client-go/tools/leaderelection):
 * - the Lease is held by `holderIdentity` until `leaseDurationSeconds` have passed since this
 *   instance last *saw the record change*, measured on this instance's own monotonic clock (never by
 *   comparing `renewTime` with the local wall clock, so clock skew between nodes does not matter);
 * - an empty `holderIdentity` means released: anyone may take it at once;
 * - every write carries the resourceVersion that was read, so of two candidates exactly one wins;
 * - the leader renews every retry period and counts itself leader only until `renewDeadline` after
 *   the start of its last successful renewal. The deadline is shorter than the lease duration, so
 *   it stops acting before any other instance can take over, even when the API server is
 *   unreachable and it cannot learn that it lost.
 */

/** The spec of a Lease, as this module reads and writes it. */
export interface LeaseRecord {
  /** Empty: nobody holds the lease (released). */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date | undefined;
  readonly renewTime: Date | undefined;
  readonly leaseTransitions: number;
}

/** A Lease as read (or as written back by the API server), with its resourceVersion. */
export interface ObservedLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

export interface ElectionTimings {
  /** How long a non-leader waits, after the record last changed, before taking over. */
  readonly leaseDurationMs: number;
  /** How long after its last successful renewal started the leader keeps acting. */
  readonly renewDeadlineMs: number;
  /** Time between two attempts to acquire or renew. */
  readonly retryPeriodMs: number;
}

export const DEFAULT_TIMINGS: ElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/** What the timings must satisfy (client-go's checks): lease > deadline > retry period > 0. */
export function checkTimings(timings: ElectionTimings): string | undefined {
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = timings;
  if (!(retryPeriodMs > 0)) return 'the retry period must be positive';
  if (!(renewDeadlineMs > retryPeriodMs)) return 'the renew deadline must be longer than the retry period';
  if (!(leaseDurationMs > renewDeadlineMs))
    return 'the lease duration must be longer than the renew deadline';
  if (leaseDurationMs % 1000 !== 0) return 'the lease duration must be whole seconds';
  return undefined;
}

export type ElectionStep =
  | { readonly kind: 'create'; readonly record: LeaseRecord }
  | { readonly kind: 'update'; readonly record: LeaseRecord; readonly resourceVersion: string }
  | { readonly kind: 'wait'; readonly holder: string; readonly expiresInMs: number };

function sameTime(a: Date | undefined, b: Date | undefined): boolean {
  return a?.getTime() === b?.getTime();
}

function sameRecord(a: LeaseRecord, b: LeaseRecord | undefined): boolean {
  return (
    b !== undefined &&
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions &&
    sameTime(a.acquireTime, b.acquireTime) &&
    sameTime(a.renewTime, b.renewTime)
  );
}

/**
 * One candidate's view of the Lease. `now` arguments are monotonic milliseconds
 * (`performance.now()`); `wallClock` gives the times written into the record.
 */
export class LeaderElector {
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly #wallClock: () => Date;
  #observed: ObservedLease | undefined;
  /** When the observed record last changed, by the monotonic clock. */
  #observedAt = Number.NEGATIVE_INFINITY;
  /** When the last successful write as holder started. */
  #renewedAt = Number.NEGATIVE_INFINITY;

  constructor(identity: string, timings: ElectionTimings = DEFAULT_TIMINGS, wallClock = () => new Date()) {
    if (identity === '') throw new Error('the leader election identity must not be empty');
    const problem = checkTimings(timings);
    if (problem !== undefined) throw new Error(problem);
    this.identity = identity;
    this.timings = timings;
    this.#wallClock = wallClock;
  }

  /** The holder last seen ('' when released, undefined when there is no Lease or it was never read). */
  get observedHolder(): string | undefined {
    return this.#observed?.record.holderIdentity;
  }

  /** Records what a read returned (undefined: the Lease does not exist). */
  observe(lease: ObservedLease | undefined, now: number): void {
    if (lease === undefined) {
      this.#observed = undefined;
      this.#renewedAt = Number.NEGATIVE_INFINITY;
      return;
    }
    if (!sameRecord(lease.record, this.#observed?.record)) this.#observedAt = now;
    this.#observed = lease;
    // Someone else holds it (they took it, or it was handed over): stop acting at once.
    if (lease.record.holderIdentity !== this.identity) this.#renewedAt = Number.NEGATIVE_INFINITY;
  }

  /** What to do now, after {@link observe}: create, take over or renew, or wait for the holder. */
  next(now: number): ElectionStep {
    const observed = this.#observed;
    const wall = this.#wallClock();
    const leaseDurationSeconds = this.timings.leaseDurationMs / 1000;
    if (observed === undefined) {
      return {
        kind: 'create',
        record: {
          holderIdentity: this.identity,
          leaseDurationSeconds,
          acquireTime: wall,
          renewTime: wall,
          leaseTransitions: 0,
        },
      };
    }
    const { record } = observed;
    const mine = record.holderIdentity === this.identity;
    if (!mine && record.holderIdentity !== '') {
      // The holder's own duration counts (an instance configured differently may hold it).
      const durationMs = Math.max(record.leaseDurationSeconds, 1) * 1000;
      const expiresInMs = this.#observedAt + durationMs - now;
      if (expiresInMs > 0) return { kind: 'wait', holder: record.holderIdentity, expiresInMs };
    }
    return {
      kind: 'update',
      resourceVersion: observed.resourceVersion,
      record: {
        holderIdentity: this.identity,
        leaseDurationSeconds,
        acquireTime: mine ? (record.acquireTime ?? wall) : wall,
        renewTime: wall,
        leaseTransitions: mine ? record.leaseTransitions : record.leaseTransitions + 1,
      },
    };
  }

  /** Our create or update went through; `startedAt` is when the attempt began. */
  succeeded(lease: ObservedLease, startedAt: number): void {
    this.#observed = lease;
    this.#observedAt = startedAt;
    this.#renewedAt = lease.record.holderIdentity === this.identity ? startedAt : Number.NEGATIVE_INFINITY;
  }

  /**
   * A write failed. A conflict means someone else wrote the Lease since we read it: whoever that
   * was, we no longer know that we hold it, so we stop acting now. Any other error leaves the
   * renew deadline to decide.
   */
  failed(conflict: boolean): void {
    if (conflict) this.#renewedAt = Number.NEGATIVE_INFINITY;
  }

  /** Until when (monotonic ms) this instance may act as the leader, unless it renews. */
  get leaderUntil(): number {
    return this.#observed?.record.holderIdentity === this.identity
      ? this.#renewedAt + this.timings.renewDeadlineMs
      : Number.NEGATIVE_INFINITY;
  }

  /** Whether this instance may act as the leader at `now`. */
  isLeader(now: number): boolean {
    return now < this.leaderUntil;
  }

  /** Stops acting as the leader without touching the Lease (it then expires). */
  abandon(): void {
    this.#renewedAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * The write that hands the Lease over (client-go's ReleaseOnCancel): holder emptied, so the
   * others take it at their next attempt instead of waiting for it to expire. Undefined when the
   * last record seen is not ours.
   */
  release(): ElectionStep | undefined {
    const observed = this.#observed;
    if (observed?.record.holderIdentity !== this.identity) return undefined;
    const wall = this.#wallClock();
    this.#renewedAt = Number.NEGATIVE_INFINITY;
    return {
      kind: 'update',
      resourceVersion: observed.resourceVersion,
      record: {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: wall,
        renewTime: wall,
        leaseTransitions: observed.record.leaseTransitions,
      },
    };
  }
}
