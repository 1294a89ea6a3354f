import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('the system clock', () => {
  it('keeps the process alive for its timers unless asked not to', () => {
    const kept = systemClock().setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    const unrefed = systemClock({ unref: true }).setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    expect(kept.hasRef()).toBe(true);
    expect(unrefed.hasRef()).toBe(false);
    systemClock().clearTimeout(kept);
    systemClock().clearTimeout(unrefed);
    expect(() => systemClock().clearTimeout(undefined)).not.toThrow();
  });

  it('fires a timer after its delay and not once cleared', async () => {
    const clock = systemClock();
    const fired: string[] = [];
    const cleared = clock.setTimeout(() => fired.push('cleared'), 1);
    clock.clearTimeout(cleared);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
    expect(fired).toEqual([]);
  });
});

describe('the fake clock', () => {
  it('fires due timers in time order, moving now() to each', async () => {
    const clock = new FakeClock();
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['late', clock.now()]), 300);
    clock.setTimeout(() => fired.push(['early', clock.now()]), 100);
    const cleared = clock.setTimeout(() => fired.push(['cleared', clock.now()]), 200);
    clock.clearTimeout(cleared);
    expect(clock.pending()).toEqual([100, 300]);
    await clock.advance(250);
    expect(fired).toEqual([['early', 100]]);
    expect(clock.now()).toBe(250);
    expect(clock.pending()).toEqual([50]);
    await clock.advance(50);
    expect(fired).toEqual([
      ['early', 100],
      ['late', 300],
    ]);
  });
});
