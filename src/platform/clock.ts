/**
 * Time, as one port: what the prober, the verifier, the certificate manager, leader election and the
 * secret sync take instead of calling the globals, so tests drive their timers by hand
 * (test/helpers/fake-clock.ts).
 */

/** Opaque timer handle: whatever the clock's `setTimeout` returns (a Node Timeout, a fake's number). */
export type TimerHandle = object | number;

export interface Clock {
  /** Milliseconds on a monotonic scale, for intervals, deadlines and cache expiry (not a date). */
  now(): number;
  /**
   * The callback's result is ignored; a fake clock awaits a returned promise so tests see it settle.
   * `options.unref` overrides the clock's default for this one timer.
   */
  setTimeout(callback: () => unknown, ms: number, options?: TimerOptions): TimerHandle;
  /** Ignores `undefined` and timers that already fired or were cleared. */
  clearTimeout(handle: TimerHandle | undefined): void;
}

export interface TimerOptions {
  /**
   * The timer does not keep the process alive: for background work (probes, certificate checks)
   * whose owner has something else holding the process open. Default false.
   */
  readonly unref?: boolean;
}

/** `unref`: the default for every timer of the clock. */
export type SystemClockOptions = TimerOptions;

/** The real clock: `performance.now()` and Node's timers. */
export function systemClock(options: SystemClockOptions = {}): Clock {
  return {
    now: () => performance.now(),
    setTimeout: (callback, ms, timerOptions) => {
      const timer = setTimeout(callback, ms);
      return (timerOptions?.unref ?? options.unref) === true ? timer.unref() : timer;
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  };
}
