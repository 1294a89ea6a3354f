/**
 * A loopback HTTP stand-in for the reads of `pullthrough audit`: GET /api/v1/pods,
 * /api/v1/namespaces/NS/pods (with `limit` and `continue`), /api/v1/namespaces (paged too) and
 * /api/v1/namespaces/NS, and Secrets by `fieldSelector=metadata.name=NAME` (/api/v1/secrets and
 * /api/v1/namespaces/NS/secrets). It checks what @kubernetes/client-node sends; the real API server is the
 * e2e suite's job (test/e2e/audit-live.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export class PodsApiServer {
  readonly requests: URL[] = [];
  /** Answer this status (with a Status body) to every request whose path and query contain the key. */
  readonly failures = new Map<string, { code: number; message: string }>();
  #server: Server | undefined;

  constructor(
    readonly pods: any[],
    readonly namespaces: Record<string, Record<string, string>>,
    /** Secrets as `namespace/name` -> type. */
    readonly secrets: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  get url(): string {
    const { port } = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A kubeconfig file with two contexts: `fake` (current) and `elsewhere` (an unreachable server). */
  writeKubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `  - { name: fake, cluster: { server: "${this.url}", insecure-skip-tls-verify: true } }`,
        '  - { name: gone, cluster: { server: "http://127.0.0.1:9", insecure-skip-tls-verify: true } }',
        'users:',
        '  - { name: tester, user: { token: test-token } }',
        'contexts:',
        '  - { name: fake, context: { cluster: fake, user: tester } }',
        '  - { name: elsewhere, context: { cluster: gone, user: tester } }',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  #send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #page(url: URL, all: any[], kind: string): unknown {
    const start = Number(url.searchParams.get('continue') ?? '0');
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : all.length;
    const end = Math.min(all.length, start + limit);
    const metadata = end < all.length ? { continue: String(end), remainingItemCount: all.length - end } : {};
    return {
      apiVersion: 'v1',
      kind,
      metadata: { resourceVersion: '1', ...metadata },
      items: all.slice(start, end),
    };
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push(url);
    for (const [key, failure] of this.failures) {
      if (`${url.pathname}${url.search}`.includes(key)) {
        this.#send(res, failure.code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', ...failure });
        return;
      }
    }
    if (req.method !== 'GET') return this.#send(res, 405, {});
    const path = url.pathname;
    if (path === '/api/v1/pods') return this.#send(res, 200, this.#page(url, this.pods, 'PodList'));
    const namespacedPods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (namespacedPods) {
      const pods = this.pods.filter((pod) => pod.metadata.namespace === namespacedPods[1]);
      return this.#send(res, 200, this.#page(url, pods, 'PodList'));
    }
    const secrets = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?secrets$/.exec(path);
    if (secrets) {
      const name = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
      const items = Object.entries(this.secrets)
        .map(([key, type]) => ({ metadata: { namespace: key.split('/')[0], name: key.split('/')[1] }, type }))
        .filter((secret) => secrets[1] === undefined || secret.metadata.namespace === secrets[1])
        .filter((secret) => name === undefined || secret.metadata.name === name);
      return this.#send(res, 200, this.#page(url, items, 'SecretList'));
    }
    const namespaceObjects = Object.entries(this.namespaces).map(([name, labels]) => ({
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    }));
    if (path === '/api/v1/namespaces')
      return this.#send(res, 200, this.#page(url, namespaceObjects, 'NamespaceList'));
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    const found = namespaceObjects.find((object) => object.metadata.name === namespace?.[1]);
    if (found !== undefined) return this.#send(res, 200, { apiVersion: 'v1', kind: 'Namespace', ...found });
    return this.#send(res, 404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      code: 404,
      message: 'not found',
    });
  }
}
