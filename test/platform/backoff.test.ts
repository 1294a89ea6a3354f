import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/platform/backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 1_000, maxMs: 10_000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000, 10_000,
    ]);
    expect(backoff.failures).toBe(6);
    backoff.reset();
    expect(backoff.failures).toBe(0);
    expect(backoff.next()).toBe(1_000);
  });

  it('shortens each delay by up to the jitter fraction', () => {
    expect(new Backoff({ initialMs: 1_000, jitter: 0.2, random: () => 1 }).next()).toBe(800);
    expect(new Backoff({ initialMs: 1_000, jitter: 0.2, random: () => 0 }).next()).toBe(1_000);
  });

  it('stays at the cap however many failures there were', () => {
    const backoff = new Backoff({ jitter: 0 });
    for (let i = 0; i < 2_000; i++) backoff.next();
    expect(backoff.next()).toBe(60_000);
  });
});
