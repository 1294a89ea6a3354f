// The recording proxy of the e2e suite: stands between the API server and the webhook and keeps
// every AdmissionReview the API server sent, with what pullthrough answered.
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedServing } from '../../src/tls/self-signed.js';

// ------------------------------------------------------------------------------------------------
// The recording proxy: what the API server really sent, and what pullthrough answered
// ------------------------------------------------------------------------------------------------

export interface CapturedReview {
  /** The token in the webhook configuration's URL (`<proxy>/<generation>/mutate`): which install called. */
  generation: string;
  /** `/mutate` or `/audit` */
  endpoint: string;
  /** The AdmissionReview as the API server sent it. */
  review: any;
  /** pullthrough's reply (undefined if it could not be reached). */
  response: any;
  status: number;
  receivedAt: number;
}

export interface CaptureProxy {
  readonly url: string;
  /** PEM CA of the proxy's own certificate: the caBundle of a configuration pointing at it. */
  readonly caPem: string;
  readonly reviews: CapturedReview[];
  close(): Promise<void>;
}

/** The JSON Patch of a reply ([] when none). */
export function patchOf(response: any): any[] {
  const patch = response?.response?.patch as string | undefined;
  return patch === undefined ? [] : JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
}

/**
 * An HTTPS server on 127.0.0.1 that forwards `/<generation>/<endpoint>` to the webhook's `/<endpoint>`
 * and records both bodies. The webhook's own TLS is verified against its CA.
 */
export async function startCaptureProxy(target: { port: number; caPem: string }): Promise<CaptureProxy> {
  const { ca, material } = await createSelfSignedServing();
  const reviews: CapturedReview[] = [];
  const server: Server = createHttpsServer({ cert: material.cert, key: material.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const match = /^\/([^/]+)(\/[a-z]+)(\?.*)?$/.exec(req.url ?? '');
      const generation = match?.[1] ?? '';
      const endpoint = match?.[2] ?? req.url ?? '';
      const record: CapturedReview = {
        generation,
        endpoint,
        review: safeJson(body),
        response: undefined,
        status: 0,
        receivedAt: Date.now(),
      };
      reviews.push(record);
      const forward = httpsRequest(
        `https://127.0.0.1:${target.port}${endpoint}${match?.[3] ?? ''}`,
        {
          method: req.method,
          ca: target.caPem,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          timeout: 10_000,
        },
        (upstream) => {
          const out: Buffer[] = [];
          upstream.on('data', (c: Buffer) => out.push(c));
          upstream.on('end', () => {
            const text = Buffer.concat(out).toString('utf8');
            record.status = upstream.statusCode ?? 0;
            record.response = safeJson(text);
            res.writeHead(record.status, { 'content-type': 'application/json' });
            res.end(text);
          });
        },
      );
      forward.on('timeout', () => forward.destroy(new Error('webhook timed out')));
      forward.on('error', (err) => {
        record.status = 502;
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: err.message }));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: ca.cert,
    reviews,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
