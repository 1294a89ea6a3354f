/** Scripted HTTP and capturing logger for the health unit tests (the clock is test/helpers/fake-clock.ts). */
import type { HttpRequest, HttpResponse } from '../../src/health/http-client.js';
import type { HealthLogger } from '../../src/health/support.js';

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
