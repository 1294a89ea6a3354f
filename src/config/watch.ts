/**
 * Hot reload of the configuration file: its directory is watched (the ConfigMap's `..data` swap,
 * platform/watch-files.ts) and polled. A change is applied only when it is valid; an invalid one is
 * reported and the last good configuration stays in force.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { watchFiles } from '../platform/watch-files.js';
import { ConfigError, parseConfig, type Config } from './config.js';

export interface ConfigWatchHandlers {
  onChange(config: Config): void;
  onInvalid(error: ConfigError): void;
}

export interface ConfigWatchOptions {
  /** The text already loaded, so the first event does not re-apply it. */
  readonly initialText?: string;
  readonly pollIntervalMs?: number;
  readonly debounceMs?: number;
}

export interface ConfigWatcher {
  /** Re-reads the file now; resolves once any change has been applied or rejected. */
  check(): Promise<void>;
  close(): void;
}

export function watchConfig(
  path: string,
  handlers: ConfigWatchHandlers,
  options: ConfigWatchOptions = {},
): ConfigWatcher {
  let lastText = options.initialText;
  let closed = false;
  let running: Promise<void> = Promise.resolve();

  const apply = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      // Mid-swap the file can be briefly missing; report only if it stays gone for a poll.
      if (lastText !== undefined && !closed) {
        const reason = error instanceof Error ? error.message : String(error);
        handlers.onInvalid(new ConfigError(path, [{ path: '', message: `cannot read the file: ${reason}` }]));
        lastText = undefined;
      }
      return;
    }
    if (closed || text === lastText) return;
    lastText = text;
    let next: Config;
    try {
      next = parseConfig(text, path);
    } catch (error) {
      // Whatever the file holds, a reload never crashes the process: the last good one stays.
      const reason = error instanceof Error ? error.message : String(error);
      handlers.onInvalid(
        error instanceof ConfigError ? error : new ConfigError(path, [{ path: '', message: reason }]),
      );
      return;
    }
    handlers.onChange(next);
  };
  const check = (): Promise<void> => (running = running.then(apply, apply));
  const watcher = watchFiles(
    {
      directories: [dirname(path)],
      debounceMs: options.debounceMs,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
    },
    () => void check(),
  );

  return {
    check,
    close() {
      closed = true;
      watcher.close();
    },
  };
}
