// Fakes for the secret sync tests: a manual clock, an in-memory Lease with optimistic concurrency,
// and a silent logger.
import { pino, type Logger } from 'pino';
import { ConflictError } from '../../src/kube/api-errors.js';
import type { LeaseRecord, ObservedLease } from '../../src/sync/leader-elector.js';
import type { Clock, LeaseStore } from '../../src/sync/leader-election.js';

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Captures log lines as objects. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** Lets pending promise callbacks and immediates run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A manual clock: timers fire only in {@link advance}, in time order. */
export class FakeClock implements Clock {
  t = 0;
  #next = 0;
  #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.t + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing due timers one by one and letting promises settle between. */
  async advance(ms: number, onStep?: () => void): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const due = [...this.#timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.#timers.delete(id);
      this.t = Math.max(this.t, timer.at);
      timer.callback();
      await flush();
      onStep?.();
    }
    this.t = end;
    await flush();
    onStep?.();
  }
}

/** One Lease in memory, shared by several candidates' stores. */
export class FakeLeaseServer {
  lease: ObservedLease | undefined;
  #rv = 0;
  writes = 0;

  store(behaviour: { fail?: () => 'error' | 'hang' | undefined } = {}): LeaseStore {
    const check = async (): Promise<void> => {
      const failure = behaviour.fail?.();
      if (failure === 'error')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      if (failure === 'hang') await new Promise(() => {});
    };
    return {
      description: 'test/lease',
      get: async () => {
        await check();
        return this.lease;
      },
      create: async (record: LeaseRecord) => {
        await check();
        if (this.lease !== undefined) throw new ConflictError('exists');
        return this.#put(record);
      },
      update: async (record: LeaseRecord, resourceVersion: string) => {
        await check();
        if (this.lease?.resourceVersion !== resourceVersion) throw new ConflictError('stale');
        return this.#put(record);
      },
    };
  }

  #put(record: LeaseRecord): ObservedLease {
    this.writes += 1;
    this.lease = { record: { ...record }, resourceVersion: String(++this.#rv) };
    return this.lease;
  }
}
