// The leader election loop: several candidates on one in-memory Lease, a manual clock, and API
// failures. The property checked throughout: never two leaders at the same instant.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, LeaderElector } from '../../src/sync/leader-elector.js';
import { LeaderElection } from '../../src/sync/leader-election.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { captureLogger } from '../helpers/logger.js';
import { FakeLeaseServer } from './fakes.js';

interface Candidate {
  election: LeaderElection;
  events: string[];
}

function candidate(
  identity: string,
  server: FakeLeaseServer,
  clock: FakeClock,
  fail?: () => 'error' | 'hang' | undefined,
): Candidate {
  const events: string[] = [];
  const election = new LeaderElection({
    store: server.store({ fail }),
    elector: new LeaderElector(identity, DEFAULT_TIMINGS, () => new Date(1_800_000_000_000 + clock.now())),
    logger: captureLogger(),
    clock,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { election, events };
}

/** Advances the clock, asserting after every timer that at most one candidate is the leader. */
async function run(clock: FakeClock, ms: number, candidates: Candidate[]): Promise<void> {
  await clock.advance(ms, () => {
    const leaders = candidates.filter((c) => c.election.isLeader()).map((c) => c.election.identity);
    expect(leaders.length, `leaders at ${clock.now()} ms: ${leaders.join(', ')}`).toBeLessThanOrEqual(1);
  });
}

const leaderOf = (candidates: Candidate[]): string[] =>
  candidates.filter((c) => c.election.isLeader()).map((c) => c.election.identity);

describe('LeaderElection', () => {
  it('elects exactly one of three candidates and keeps it while it renews', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    const all = ['a', 'b', 'c'].map((id) => candidate(id, server, clock));
    all.forEach((c) => c.election.start());
    await run(clock, 60_000, all);
    expect(leaderOf(all)).toHaveLength(1);
    const leader = all.find((c) => c.election.isLeader())!;
    expect(leader.events).toEqual(['started']);
    expect(all.filter((c) => c !== leader).every((c) => c.events.length === 0)).toBe(true);
    expect(server.lease?.record).toMatchObject({
      holderIdentity: leader.election.identity,
      leaseTransitions: 0,
    });
    // Renewed every retry period (2 s): about 30 writes in a minute, not more.
    expect(server.writes).toBeGreaterThanOrEqual(28);
    expect(server.writes).toBeLessThanOrEqual(32);
  });

  it('hands over within one retry period when the leader stops and releases the Lease', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    const a = candidate('a', server, clock);
    a.election.start();
    await run(clock, 1_000, [a]);
    const b = candidate('b', server, clock);
    b.election.start();
    await run(clock, 10_000, [a, b]);
    expect(leaderOf([a, b])).toEqual(['a']);

    await a.election.stop();
    expect(a.events).toEqual(['started', 'stopped']);
    expect(server.lease?.record.holderIdentity).toBe('');
    const stoppedAt = clock.now();
    await run(clock, 2_000, [a, b]);
    expect(leaderOf([a, b])).toEqual(['b']);
    expect(server.lease?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(DEFAULT_TIMINGS.retryPeriodMs);
  });

  it('takes over from a leader that died (no release) only after the lease duration', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    const a = candidate('a', server, clock);
    a.election.start();
    await run(clock, 1_000, [a]);
    const b = candidate('b', server, clock);
    b.election.start();
    await run(clock, 5_000, [a, b]);

    await a.election.stop({ release: false }); // a crash: no more renewals, the record stays
    const diedAt = clock.now();
    await run(clock, 14_000, [b]);
    expect(b.election.isLeader()).toBe(false);
    await run(clock, 4_000, [b]);
    expect(b.election.isLeader()).toBe(true);
    expect(clock.now() - diedAt).toBeGreaterThanOrEqual(DEFAULT_TIMINGS.leaseDurationMs);
  });

  it('stops a leader cut off from the API server at its renew deadline, before anyone else can take over', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    let partitioned = false;
    const a = candidate('a', server, clock, () => (partitioned ? 'error' : undefined));
    const b = candidate('b', server, clock);
    a.election.start();
    await run(clock, 500, [a]);
    b.election.start();
    await run(clock, 5_000, [a, b]);
    expect(leaderOf([a, b])).toEqual(['a']);

    partitioned = true;
    const cutAt = clock.now();
    // `run` checks at every step that a and b are never leaders together.
    await run(clock, 30_000, [a, b]);
    expect(a.events).toEqual(['started', 'stopped']);
    expect(b.events).toEqual(['started']);
    expect(leaderOf([a, b])).toEqual(['b']);
    expect(clock.now() - cutAt).toBeGreaterThan(DEFAULT_TIMINGS.leaseDurationMs);
  });

  it('treats a request that never answers as a failure (bounded by a timeout)', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    let hang = false;
    const a = candidate('a', server, clock, () => (hang ? 'hang' : undefined));
    a.election.start();
    await run(clock, 3_000, [a]);
    expect(a.election.isLeader()).toBe(true);
    hang = true;
    await run(clock, 12_000, [a]);
    expect(a.election.isLeader()).toBe(false);
    expect(a.events).toEqual(['started', 'stopped']);
    hang = false;
    await run(clock, 10_000, [a]);
    // Still the holder in the record: it renews and leads again.
    expect(a.events).toEqual(['started', 'stopped', 'started']);
  });

  it('logs the holder once when it changes, and a warning when the Lease cannot be read', async () => {
    const clock = new FakeClock();
    const server = new FakeLeaseServer();
    const logger = captureLogger();
    let failing = false;
    const make = (id: string, fail?: () => 'error' | undefined): LeaderElection =>
      new LeaderElection({
        store: server.store({ fail }),
        elector: new LeaderElector(id),
        logger: logger.child({ identity: id }),
        clock,
      });
    const a = make('a');
    const b = make('b', () => (failing ? 'error' : undefined));
    a.start();
    await clock.advance(100);
    b.start();
    await clock.advance(10_000);
    failing = true;
    await clock.advance(2_000);
    const messages = logger.entries
      .filter((entry) => (entry.obj as { identity?: string }).identity === 'b')
      .map((entry) => entry.msg);
    expect(messages).toEqual(['the lease is held by another instance', 'cannot read or write the lease']);
  });
});
