/** The one hand-driven {@link Clock} for tests: time moves only in {@link FakeClock.advance}. */
import type { Clock, TimerHandle, TimerOptions } from '../../src/platform/clock.js';

/** Lets pending promise callbacks and immediates run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Timer {
  readonly at: number;
  readonly callback: () => unknown;
  /** Whether a real timer would keep the process alive. */
  readonly keepsAlive: boolean;
}

export class FakeClock implements Clock {
  #time = 0;
  #next = 0;
  readonly #timers = new Map<number, Timer>();
  readonly #unref: boolean;

  /** `unref`: the default of the clock it stands in for (see `systemClock`). */
  constructor(options: TimerOptions = {}) {
    this.#unref = options.unref === true;
  }

  now(): number {
    return this.#time;
  }

  setTimeout(callback: () => unknown, ms: number, options?: TimerOptions): number {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#time + ms, callback, keepsAlive: !(options?.unref ?? this.#unref) });
    return id;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Delays (from now) of the timers still pending, shortest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((timer) => timer.at - this.#time).sort((a, b) => a - b);
  }

  /** Delays (from now) of the pending timers that would keep a real process alive, shortest first. */
  pendingKeepAlive(): number[] {
    return [...this.#timers.values()]
      .filter((timer) => timer.keepsAlive)
      .map((timer) => timer.at - this.#time)
      .sort((a, b) => a - b);
  }

  /**
   * Moves time forward by `ms`, firing due timers one by one in time order; each callback (and the
   * promise it returns) settles before the next fires. `onStep` runs after every timer and at the end.
   */
  async advance(ms: number, onStep?: () => void): Promise<void> {
    const end = this.#time + ms;
    for (;;) {
      await flush();
      const due = [...this.#timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.#timers.delete(id);
      this.#time = Math.max(this.#time, timer.at);
      await timer.callback();
      await flush();
      onStep?.();
    }
    this.#time = end;
    await flush();
    onStep?.();
  }
}
