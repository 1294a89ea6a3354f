/** The one capturing logger for tests: every call kept as `{level, obj, msg}`, in order. */
import type { Logger } from '../../src/platform/logger.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

export interface CapturingLogger extends Logger {
  readonly entries: LogEntry[];
  /** Everything logged, as one string: for "never logs X" assertions. */
  text(): string;
}

export function captureLogger(): CapturingLogger {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj, msg });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(entries),
  };
}
