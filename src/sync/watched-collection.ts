/**
 * A cached, watched collection of API objects: @kubernetes/client-node's informer (`ListWatch`,
 * what `makeInformer` returns) plus what it leaves to its caller.
 *
 * client-node 1.x informers list once, then watch from the list's resourceVersion (a plain
 * `?watch=true&resourceVersion=...`; they never ask for watch-list / `sendInitialEvents`, which an
 * etcd 3.4 backend cannot serve), re-watch when the server closes the stream, and re-list after
 * 410 Gone. On any other error they emit `error` and stop for good: restarting is the caller's job.
 * Here it is done with capped exponential backoff, and a stopped collection never starts a watch.
 *
 * `makeInformer(kc, path, listFn, labelSelector)` cannot pass a field selector, so this builds the
 * same `ListWatch` directly to watch Secrets by `metadata.name`: only Secrets with the pull secret's
 * name are ever transferred or cached, and RBAC can limit list/watch to that name.
 */
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { ScopedLogger as Logger } from '../platform/logger.js';
import { Backoff, type BackoffOptions } from '../platform/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/clock.js';

export interface WatchedCollectionOptions<T extends KubernetesObject> {
  /** For logs and metrics: `namespaces`, `source`, `copies`. */
  readonly name: string;
  readonly kubeConfig: KubeConfig;
  /** The collection's URL path, e.g. `/api/v1/secrets` or `/api/v1/namespaces/NS/secrets`. */
  readonly path: string;
  /** The LIST call for `path` with the same selectors. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly fieldSelector?: string | undefined;
  readonly labelSelector?: string | undefined;
  /** Called after every change to the cache (add, update, delete) and after each successful list. */
  readonly onChange: () => void;
  /** Called when the informer failed and is restarted later. */
  readonly onRestart?: ((error: unknown) => void) | undefined;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions | undefined;
  readonly clock?: Clock | undefined;
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

export class WatchedCollection<T extends KubernetesObject> {
  readonly name: string;
  readonly #informer: ListWatch<T>;
  readonly #options: WatchedCollectionOptions<T>;
  readonly #backoff: Backoff;
  readonly #logger: Logger;
  readonly #clock: Clock;
  #listed = false;
  #stopped = true;
  #restartTimer: TimerHandle | undefined;
  #starting: Promise<void> | undefined;
  #connects: number[] = [];

  constructor(options: WatchedCollectionOptions<T>) {
    this.name = options.name;
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#clock = options.clock ?? systemClock();
    this.#logger = options.logger.child({ collection: options.name });
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await options.list();
      // A LIST that returns after stop() must not start a watch (the informer would not check).
      if (this.#stopped) throw new StoppedError('stopped');
      this.#listed = true;
      this.#backoff.reset();
      // The informer fills its cache right after this resolves; report the change after that.
      setImmediate(() => {
        if (!this.#stopped) options.onChange();
      });
      return result;
    };
    this.#informer = new ListWatch<T>(
      options.path,
      new Watch(options.kubeConfig),
      list,
      false,
      options.labelSelector,
      options.fieldSelector,
    );
    const changed = (): void => {
      this.#backoff.reset();
      options.onChange();
    };
    this.#informer.on('add', changed);
    this.#informer.on('update', changed);
    this.#informer.on('delete', changed);
    this.#informer.on('error', (error: unknown) => this.#failed(error));
    this.#informer.on('connect', () => this.#connected());
  }

  /**
   * The informer re-watches at once whenever a stream ends without an error, which is right for the
   * server's request timeout but spins if every stream ends at once (an `ERROR` event it ignores, a
   * proxy cutting connections): more than 5 connects in 2 s is treated as a failure, with backoff.
   */
  #connected(): void {
    const now = this.#clock.now();
    this.#connects = [...this.#connects.filter((at) => now - at < 2_000), now];
    if (this.#connects.length <= 5 || this.#stopped) return;
    this.#connects = [];
    void this.#informer.stop().then(() => this.#failed(new Error('the watch keeps ending at once')));
  }

  /** True once the first LIST has filled the cache (it stays filled, if stale, while restarting). */
  synced(): boolean {
    return this.#listed;
  }

  /** The cached objects. */
  list(): readonly T[] {
    return this.#informer.list();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    await this.#informer.stop();
    // A watch request in flight is only abortable once its response has started: wait (bounded)
    // for it; if it starts later still, #start aborts it then.
    const starting = this.#starting;
    if (starting === undefined) return;
    let timer: TimerHandle | undefined;
    await Promise.race([
      starting,
      new Promise<void>((resolve) => (timer = this.#clock.setTimeout(resolve, 2_000))),
    ]);
    this.#clock.clearTimeout(timer);
  }

  #start(): void {
    const starting = this.#informer
      .start()
      .catch((error: unknown) => this.#failed(error))
      .then(async () => {
        if (this.#stopped) await this.#informer.stop();
      });
    this.#starting = starting;
    void starting.finally(() => {
      if (this.#starting === starting) this.#starting = undefined;
    });
  }

  #failed(error: unknown): void {
    if (this.#stopped || error instanceof StoppedError || this.#restartTimer !== undefined) return;
    const delayMs = this.#backoff.next();
    const log = {
      err: error,
      path: this.#options.path,
      retryInMs: delayMs,
      failures: this.#backoff.failures,
    };
    if (this.#backoff.failures % 10 === 1) this.#logger.warn(log, 'list or watch failed; restarting');
    else this.#logger.debug(log, 'list or watch failed again; restarting');
    this.#options.onRestart?.(error);
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopped) this.#start();
    }, delayMs);
  }
}
