/** Hand-driven clock, scripted HTTP and capturing logger for the health unit tests. */
import type { HttpRequest, HttpResponse } from '../../src/health/http-client.js';
import type { Clock, HealthLogger } from '../../src/health/support.js';

/** Lets every pending promise chain run (they all settle before the next macrotask). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  time = 0;
  #next = 1;
  readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#next++;
    this.timers.set(id, { at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

export type Answer = HttpResponse | Error | 'hang';

export interface FakeHttp {
  (request: HttpRequest): Promise<HttpResponse>;
  readonly requests: HttpRequest[];
  /** Requests still waiting for an answer ('hang'), resolved by hand. */
  readonly hanging: { request: HttpRequest; resolve: (response: HttpResponse) => void }[];
}

/** An HTTP client that answers from `handler`; 'hang' waits until aborted (or resolved by hand). */
export function fakeHttp(handler: (request: HttpRequest) => Answer): FakeHttp {
  const requests: HttpRequest[] = [];
  const hanging: FakeHttp['hanging'] = [];
  const client = (request: HttpRequest): Promise<HttpResponse> => {
    requests.push(request);
    const answer = handler(request);
    if (answer instanceof Error) return Promise.reject(answer);
    if (answer !== 'hang') return Promise.resolve(answer);
    return new Promise((resolve, reject) => {
      hanging.push({ request, resolve });
      request.signal?.addEventListener('abort', () => reject(request.signal!.reason as Error));
    });
  };
  return Object.assign(client, { requests, hanging });
}

export const response = (status: number, body = '', headers: Record<string, string> = {}): HttpResponse => ({
  status,
  body,
  headers,
});

export interface LogEntry {
  level: 'debug' | 'info' | 'warn';
  obj: object;
  msg: string;
}

export function captureLogger(): HealthLogger & { entries: LogEntry[]; text: () => string } {
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
    text: () => JSON.stringify(entries),
  };
}
