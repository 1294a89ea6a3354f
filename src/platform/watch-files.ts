/**
 * Watching mounted files for change: the one implementation behind configuration and certificate
 * hot reload. Kubernetes updates a mounted ConfigMap or Secret with the kubelet's atomic writer: the
 * files are symlinks through a `..data` symlink that is swapped to a new directory with one rename.
 * A watch on a file follows the symlink to the old inode and goes silent after the swap, so the
 * directories are watched too; file watches are re-armed on {@link FileWatch.rewatch}. `fs.watch`
 * can miss events on some filesystems (network, overlay), so a slow poll backs it up. Events are
 * debounced so a multi-step swap is read once.
 */
import { watch, type FSWatcher } from 'node:fs';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { silentLogger, type Logger } from './logger.js';

export interface FileWatchOptions {
  /** Directories to watch: where the `..data` swap shows. */
  readonly directories: readonly string[];
  /** Files to watch as well (re-armed by `rewatch`), for in-place edits outside Kubernetes. */
  readonly files?: readonly string[];
  /** Quiet period after the last event before `onChange` runs. Default 100 ms. */
  readonly debounceMs?: number;
  /** Safety-net `onChange` this often, events or not; 0 disables. */
  readonly pollIntervalMs: number;
  readonly log?: Pick<Logger, 'debug'>;
  /** Default: the system clock, unref'ed (a watch never keeps the process alive). */
  readonly clock?: Clock;
}

export interface FileWatch {
  /** Asks for `onChange` after the debounce, as an event would. */
  trigger(): void;
  /** Re-arms the file watches (after a swap replaced what they followed). */
  rewatch(): void;
  close(): void;
}

/** Calls `onChange` (debounced) when something under the watched paths may have changed. */
export function watchFiles(options: FileWatchOptions, onChange: () => void): FileWatch {
  const clock = options.clock ?? systemClock({ unref: true });
  const log = options.log ?? silentLogger;
  const debounceMs = options.debounceMs ?? 100;
  let closed = false;
  let debounce: TimerHandle | undefined;
  let poll: TimerHandle | undefined;

  const trigger = (): void => {
    if (closed) return;
    clock.clearTimeout(debounce);
    debounce = clock.setTimeout(() => {
      debounce = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };
  const watchOne = (path: string): FSWatcher | undefined => {
    try {
      const watcher = watch(path, { persistent: false }, trigger);
      watcher.on('error', (err) => log.debug({ err, path }, 'file watch ended; relying on re-reads'));
      return watcher;
    } catch (err) {
      log.debug({ err, path }, 'cannot watch; relying on re-reads');
      return undefined;
    }
  };
  const watchAll = (paths: readonly string[]): FSWatcher[] =>
    [...new Set(paths)].map(watchOne).filter((watcher) => watcher !== undefined);

  const directoryWatchers = watchAll(options.directories);
  let fileWatchers = watchAll(options.files ?? []);
  const armPoll = (): void => {
    if (closed || options.pollIntervalMs <= 0) return;
    poll = clock.setTimeout(() => {
      trigger();
      armPoll();
    }, options.pollIntervalMs);
  };
  armPoll();

  return {
    trigger,
    rewatch() {
      if (closed) return;
      for (const watcher of fileWatchers) watcher.close();
      fileWatchers = watchAll(options.files ?? []);
    },
    close() {
      closed = true;
      clock.clearTimeout(debounce);
      clock.clearTimeout(poll);
      for (const watcher of [...directoryWatchers, ...fileWatchers]) watcher.close();
    },
  };
}
