/**
 * The small HTTP client the prober and the verifier share: GET/HEAD over `node:http`/`node:https`
 * with an AbortSignal, a per-request CA bundle or `insecureSkipVerify`, kept-alive connections (a
 * manifest check must fit a review's budget of a few hundred milliseconds) and a capped body.
 * Tests replace it with a fake of the same {@link HttpClient} type.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface TlsSettings {
  /** PEM bundle trusted instead of the system CAs; read on every request so a rotated file applies. */
  readonly caFile?: string | undefined;
  readonly insecureSkipVerify?: boolean | undefined;
}

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly tls?: TlsSettings;
}

export interface HttpResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** At most {@link MAX_BODY_BYTES} of the body, as UTF-8 (empty for HEAD). */
  readonly body: string;
}

export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

export interface ClosableHttpClient extends HttpClient {
  /** Closes kept-alive connections. */
  close(): void;
}

/** Health answers and token responses are small; anything larger is cut, never buffered whole. */
export const MAX_BODY_BYTES = 64 * 1024;
const MAX_AGENTS = 16;
const IDLE_SOCKET_MS = 30_000;

function headersOf(message: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Why a request was aborted, when it was: the caller's reason, so a timeout reads as one. */
function abortReason(signal: AbortSignal | undefined): Error | undefined {
  if (signal?.aborted !== true) return undefined;
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function readBody(message: IncomingMessage, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    message.on('data', (chunk: Buffer) => {
      if (length >= MAX_BODY_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_BODY_BYTES - length));
      length += chunk.length;
      if (length >= MAX_BODY_BYTES) {
        message.destroy();
        done();
      }
    });
    message.on('end', done);
    message.on('error', (error) => reject(abortReason(signal) ?? error));
  });
}

/** Creates a client with its own connection pools (one per TLS trust setting). */
export function createHttpClient(): ClosableHttpClient {
  const agents = new Map<string, HttpAgent | HttpsAgent>();

  const agentFor = (https: boolean, ca: string | undefined, insecure: boolean): HttpAgent | HttpsAgent => {
    const key = `${https ? 'https' : 'http'}\0${insecure ? 'insecure' : 'verify'}\0${ca ?? ''}`;
    const existing = agents.get(key);
    if (existing !== undefined) return existing;
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxSockets: 16 };
    const agent = https
      ? new HttpsAgent({ ...options, rejectUnauthorized: !insecure, ...(ca === undefined ? {} : { ca }) })
      : new HttpAgent(options);
    if (agents.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = agents.entries().next().value as [string, HttpAgent];
      oldest.destroy();
      agents.delete(oldestKey);
    }
    agents.set(key, agent);
    return agent;
  };

  const client = async (request: HttpRequest): Promise<HttpResponse> => {
    const url = new URL(request.url);
    const https = url.protocol === 'https:';
    const ca =
      https && request.tls?.caFile !== undefined ? await readFile(request.tls.caFile, 'utf8') : undefined;
    const agent = agentFor(https, ca, request.tls?.insecureSkipVerify === true);
    request.signal?.throwIfAborted();
    return new Promise<HttpResponse>((resolve, reject) => {
      const send = https ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method: request.method,
          headers: request.headers,
          agent,
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        },
        (message) => {
          const status = message.statusCode ?? 0;
          const headers = headersOf(message);
          if (request.method === 'HEAD') {
            message.resume();
            resolve({ status, headers, body: '' });
            return;
          }
          readBody(message, request.signal).then((body) => resolve({ status, headers, body }), reject);
        },
      );
      outgoing.on('error', (error) => reject(abortReason(request.signal) ?? error));
      outgoing.end();
    });
  };

  return Object.assign(client, {
    close(): void {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  });
}

/** A short, credential-free description of a failed request for logs and warnings. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
