/**
 * The process logger: pino JSON on stdout, written asynchronously and in batches so a slow log pipe
 * never delays an admission and a burst costs few writes, yet flushed every 250 ms so a quiet
 * webhook's line still reaches `kubectl logs` at once. The only module that creates loggers; others
 * take a child.
 */
import { pino, type Logger } from 'pino';
import { BatchedFdWriter } from './log/batched-fd-writer.js';

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

/**
 * Strings in a log line longer than this are cut. Requests carry attacker-sized strings (a 2 MB
 * namespace, a 2.5 MB image) that must not become 2 MB log lines; the longest image reference a
 * registry can serve (780 characters) still fits whole.
 */
export const MAX_LOGGED_STRING = 1024;

function clipString(text: string): string {
  return `${text.slice(0, MAX_LOGGED_STRING)}…[${text.length} characters]`;
}

/**
 * Cuts long strings at the top level of a line and one level down; leaves Errors to their serializer.
 * Every line passes here and almost none has a string to cut, so a container is copied only once
 * one of its values is found to change.
 */
function clipValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_LOGGED_STRING ? clipString(value) : value;
  if (depth === 0 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  const fields = value as Record<string, unknown>;
  let changes = false;
  for (const key in fields) {
    if (Object.hasOwn(fields, key) && clipValue(fields[key], depth - 1) !== fields[key]) {
      changes = true;
      break;
    }
  }
  if (!changes) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, clipValue(item, depth - 1)] as const);
  return Array.isArray(value) ? entries.map(([, item]) => item) : Object.fromEntries(entries);
}

export function clipLogObject(object: Record<string, unknown>): Record<string, unknown> {
  return clipValue(object, 2) as Record<string, unknown>;
}

/**
 * Lines are written in batches of this many bytes; the flush timer bounds the delay. Large, because
 * each write is a hand-off to libuv's thread pool (a context switch on a busy core) and a line is
 * encoded once, straight into its batch, whatever the batch's size.
 */
const BATCH_BYTES = 32 * 1024;
/**
 * Past this much unwritten output (stdout not draining, say a stalled log collector), lines are
 * dropped rather than held: memory stays bounded and admissions are never delayed by logging.
 */
export const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;
const FLUSH_INTERVAL_MS = 250;

/**
 * pino's ISO timestamp, formatted once per millisecond: a busy webhook writes several lines in each,
 * and formatting a date costs more than the rest of the line's fixed fields.
 */
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  let destination = options.destination;
  if (destination === undefined) {
    const stdout = new BatchedFdWriter(1, {
      batchBytes: BATCH_BYTES,
      maxPendingBytes: MAX_PENDING_LOG_BYTES,
    });
    setInterval(() => stdout.flush(), FLUSH_INTERVAL_MS).unref();
    // Once the event loop has ended no asynchronous write can finish: what is left is written now.
    process.once('exit', () => stdout.flushSync());
    destination = stdout;
  }
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'pullthrough' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }), log: clipLogObject },
    },
    destination,
  );
}

/** A value of a hand-built line: what `JSON.stringify` writes, strings clipped as in every line. */
export type LineValue = string | number | boolean | undefined | Readonly<Record<string, number>>;

/** `,"name":value` for a hand-built line; nothing for undefined, as pino leaves it out. */
export function lineField(name: string, value: LineValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string' && value.length > MAX_LOGGED_STRING) value = clipString(value);
  return `,"${name}":${JSON.stringify(value)}`;
}

/**
 * Writes `logger`'s info line for fields already formatted by `lineField`, by hand and straight to
 * the logger's stream: for the admission line, written for every review, where pino's generic walk
 * of the line's object cost about 5 µs in the server (×0.95 of pod-1's CPU per review). The line is
 * the one pino writes (level, time, the logger's bindings, the fields, `msg`).
 */
export function infoLineWriter(logger: Logger, msg: string): (fields: string) => void {
  const holder = logger as unknown as Record<symbol, unknown>;
  const stream = holder[pino.symbols.streamSym] as { write(line: string): unknown } | undefined;
  const bindings = holder[pino.symbols.chindingsSym];
  if (stream === undefined || typeof bindings !== 'string') {
    throw new Error('infoLineWriter needs a logger made by createLogger');
  }
  const tail = `,"msg":${JSON.stringify(msg)}}\n`;
  return (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    stream.write(`{"level":"info"${isoTime()}${bindings}${fields}${tail}`);
  };
}

/** Flushes an asynchronous destination before the process exits. */
export function flushLogger(logger: Logger): void {
  logger.flush();
}
