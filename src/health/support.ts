/**
 * What the prober and the verifier take from their surroundings: an object-first logger (a pino
 * logger or child fits as is) and a clock whose timers tests can drive by hand.
 */

import { systemClock as platformClock } from '../platform/clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';

/** The prober and verifier never log at error level; any object-first logger fits. */
export type HealthLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export { silentLogger };

export type { Clock, TimerHandle } from '../platform/clock.js';

/** Probe and verification timers never keep the process alive. */
export const systemClock = platformClock({ unref: true });
