/** Scripted HTTP for the health unit tests (clock and logger: test/helpers/). */
import type { HttpRequest, HttpResponse } from '../../src/health/http-client.js';

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
