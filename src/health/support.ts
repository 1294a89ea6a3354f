/**
 * What the prober and the verifier take from their surroundings: an object-first logger (a pino
 * logger or child fits as is) and a clock whose timers tests can drive by hand.
 */

import { silentLogger, type Logger } from '../platform/logger.js';

/** The prober and verifier never log at error level; any object-first logger fits. */
export type HealthLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export { silentLogger };

/** Opaque timer handle: whatever the clock's `setTimeout` returns (a Node Timeout, a fake's number). */
export type TimerHandle = object | number;

export interface Clock {
  /** Milliseconds, monotonic enough for intervals and cache expiry. */
  now(): number;
  /** Timers never keep the process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
