/**
 * The secret sync's small plaintext HTTP server: `GET /metrics` (Prometheus text), `GET /healthz`
 * (the process runs) and `GET /readyz` (every watched collection has been listed once). It serves
 * no admission traffic and carries nothing secret, so it is plain HTTP, unlike the webhook.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface SyncHttpServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  readonly registry: Registry;
  readonly ready: () => boolean;
}

export interface SyncHttpServer {
  /** `http://host:port` as bound. */
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: SyncHttpServerOptions,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  if (path === '/healthz') return send(res, 200, 'ok\n');
  if (path === '/readyz') return options.ready() ? send(res, 200, 'ok\n') : send(res, 503, 'not synced\n');
  if (path === '/metrics')
    return send(res, 200, await options.registry.metrics(), options.registry.contentType);
  send(res, 404, 'not found\n');
}

export async function startSyncHttpServer(options: SyncHttpServerOptions): Promise<SyncHttpServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, options).catch(() => send(res, 500, 'internal error\n'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
