/**
 * Capped exponential backoff with jitter: the one retry schedule for API calls, watch restarts and
 * caBundle patches. Pure.
 */
export interface BackoffOptions {
  /** First delay. Default 1 s. */
  readonly initialMs?: number;
  /** Longest delay. Default 60 s. */
  readonly maxMs?: number;
  /** Default 2. */
  readonly factor?: number;
  /** Each delay is shortened by up to this fraction at random, so that replicas do not retry in step. Default 0.2. */
  readonly jitter?: number;
  /** Default Math.random; tests pass a constant. */
  readonly random?: () => number;
}

/** The delay after `failures` earlier failures, without jitter: `initialMs * factor^failures`, capped. */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, factor = 2): number {
  return Math.min(maxMs, initialMs * factor ** failures);
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 1_000;
    this.#maxMs = options.maxMs ?? 60_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
  }

  /** Consecutive failures since the last {@link reset}. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and returns how long to wait before the next attempt. */
  next(): number {
    const base = backoffDelay(this.#failures, this.#initialMs, this.#maxMs, this.#factor);
    this.#failures += 1;
    return Math.round(base * (1 - this.#jitter * this.#random()));
  }

  /** After a success: the next failure waits the initial delay again. */
  reset(): void {
    this.#failures = 0;
  }
}
