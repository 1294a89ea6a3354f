// The pure leader election decisions, driven with a fake clock (monotonic ms) and fixed wall times.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMINGS,
  LeaderElector,
  checkTimings,
  type LeaseRecord,
  type ObservedLease,
} from '../../src/sync/leader-elector.js';

const WALL = new Date('2026-11-28T12:00:00.000Z');
const elector = (identity: string): LeaderElector => new LeaderElector(identity, DEFAULT_TIMINGS, () => WALL);

function lease(
  holderIdentity: string,
  resourceVersion = '1',
  extra: Partial<LeaseRecord> = {},
): ObservedLease {
  return {
    resourceVersion,
    record: {
      holderIdentity,
      leaseDurationSeconds: 15,
      acquireTime: new Date('2026-11-28T11:00:00Z'),
      renewTime: new Date('2026-11-28T11:59:59Z'),
      leaseTransitions: 3,
      ...extra,
    },
  };
}

describe('LeaderElector', () => {
  it('creates the Lease when there is none, holding it with transitions 0', () => {
    const a = elector('a');
    a.observe(undefined, 0);
    expect(a.next(0)).toEqual({
      kind: 'create',
      record: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: WALL,
        renewTime: WALL,
        leaseTransitions: 0,
      },
    });
    expect(a.isLeader(0)).toBe(false);
  });

  it('is the leader from a successful write until the renew deadline after the attempt started', () => {
    const a = elector('a');
    a.observe(undefined, 1000);
    a.succeeded(lease('a', '2'), 1000);
    expect(a.isLeader(1000)).toBe(true);
    expect(a.isLeader(1000 + 9_999)).toBe(true);
    expect(a.isLeader(1000 + 10_000)).toBe(false);
  });

  it('renews its own Lease keeping acquireTime and transitions, conditional on the resourceVersion read', () => {
    const a = elector('a');
    a.observe(lease('a', '7'), 0);
    expect(a.next(0)).toEqual({
      kind: 'update',
      resourceVersion: '7',
      record: {
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: new Date('2026-11-28T11:00:00Z'),
        renewTime: WALL,
        leaseTransitions: 3,
      },
    });
  });

  it('waits while another holder’s record keeps changing, and takes over once it stayed the same for the lease duration', () => {
    const b = elector('b');
    b.observe(lease('a', '1'), 0);
    expect(b.next(0)).toEqual({ kind: 'wait', holder: 'a', expiresInMs: 15_000 });
    // The holder renews at 10 s: the clock starts again from when b saw the change.
    b.observe(lease('a', '2', { renewTime: new Date('2026-11-28T12:00:10Z') }), 10_000);
    expect(b.next(24_999)).toMatchObject({ kind: 'wait', expiresInMs: 1 });
    // The same record read again does not restart the clock.
    b.observe(lease('a', '2', { renewTime: new Date('2026-11-28T12:00:10Z') }), 24_000);
    expect(b.next(25_000)).toEqual({
      kind: 'update',
      resourceVersion: '2',
      record: {
        holderIdentity: 'b',
        leaseDurationSeconds: 15,
        acquireTime: WALL,
        renewTime: WALL,
        leaseTransitions: 4,
      },
    });
  });

  it('measures expiry with the holder’s own lease duration when it is longer', () => {
    const b = elector('b');
    b.observe(lease('a', '1', { leaseDurationSeconds: 60 }), 0);
    expect(b.next(59_000)).toMatchObject({ kind: 'wait' });
    expect(b.next(60_000)).toMatchObject({ kind: 'update' });
  });

  it('takes a released Lease (empty holder) at once', () => {
    const b = elector('b');
    b.observe(lease('', '5', { leaseDurationSeconds: 1 }), 0);
    expect(b.next(0)).toMatchObject({
      kind: 'update',
      resourceVersion: '5',
      record: { holderIdentity: 'b', leaseTransitions: 4 },
    });
  });

  it('stops being the leader the moment it sees another holder', () => {
    const a = elector('a');
    a.observe(undefined, 0);
    a.succeeded(lease('a', '1'), 0);
    a.observe(lease('b', '2'), 1000);
    expect(a.isLeader(1000)).toBe(false);
  });

  it('stops being the leader on a conflicting write, but not on an error before the deadline', () => {
    const a = elector('a');
    a.observe(undefined, 0);
    a.succeeded(lease('a', '1'), 0);
    a.failed(false);
    expect(a.isLeader(5_000)).toBe(true);
    expect(a.isLeader(10_000)).toBe(false);
    a.succeeded(lease('a', '2'), 10_000);
    a.failed(true);
    expect(a.isLeader(10_000)).toBe(false);
  });

  it('releases a held Lease with an empty holder and lease duration 1, and is no longer the leader', () => {
    const a = elector('a');
    a.observe(undefined, 0);
    a.succeeded(lease('a', '9'), 0);
    expect(a.release()).toEqual({
      kind: 'update',
      resourceVersion: '9',
      record: {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: WALL,
        renewTime: WALL,
        leaseTransitions: 3,
      },
    });
    expect(a.isLeader(0)).toBe(false);
  });

  it('has nothing to release when the last record seen is someone else’s', () => {
    const a = elector('a');
    expect(a.release()).toBeUndefined();
    a.observe(lease('b'), 0);
    expect(a.release()).toBeUndefined();
  });

  it('refuses an empty identity and timings that cannot work', () => {
    expect(() => new LeaderElector('')).toThrow('identity');
    expect(checkTimings(DEFAULT_TIMINGS)).toBeUndefined();
    expect(checkTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 })).toMatch(
      /lease duration must be longer/,
    );
    expect(checkTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toMatch(
      /renew deadline must be longer/,
    );
    expect(checkTimings({ leaseDurationMs: 15_500, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 })).toMatch(
      /whole seconds/,
    );
    expect(checkTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 })).toMatch(
      /positive/,
    );
  });
});
