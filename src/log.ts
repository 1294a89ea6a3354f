/**
 * The process logger: pino JSON on stdout, written asynchronously so a slow log pipe never delays
 * an admission, and without buffering a minimum length, so a quiet webhook's line still reaches
 * `kubectl logs` at once. The only module that creates loggers; others take a child.
 */
import { pino, type Logger } from 'pino';

/** Anything that could carry credentials is censored wherever it appears in a log object. */
export const REDACT_PATHS = [
  'data',
  '*.data',
  'stringData',
  '*.stringData',
  'password',
  '*.password',
  'auth',
  '*.auth',
  'token',
  '*.token',
  'key',
  '*.key',
  'req.headers.authorization',
  // Fastify logs a client error with the raw bytes of the request (headers included) at trace level.
  'err.rawPacket',
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Defaults to an asynchronous stdout stream; tests pass a capturing stream. */
  readonly destination?: NodeJS.WritableStream | pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'pullthrough' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Flushes an asynchronous destination before the process exits. */
export function flushLogger(logger: Logger): void {
  logger.flush();
}
