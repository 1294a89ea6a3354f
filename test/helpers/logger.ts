/** The one capturing logger for tests: every call kept as `{level, obj, msg}`, in order. */
import type { ScopedLogger } from '../../src/platform/logger.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string;
}

export interface CapturingLogger extends ScopedLogger {
  readonly entries: LogEntry[];
  /** Everything logged, as one string: for "never logs X" assertions. */
  text(): string;
}

/** Captures every call; a child's bindings are merged into `obj`, and its lines land in the same list. */
export function captureLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): CapturingLogger {
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj: { ...bindings, ...obj }, msg });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(entries, { ...bindings, ...more }),
    text: () => JSON.stringify(entries),
  };
}
