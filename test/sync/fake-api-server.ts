// A loopback stand-in for the kube-apiserver endpoints the secret sync uses: namespaces and Secrets
// (list and watch with `metadata.name` field selectors, create, update, delete with preconditions)
// and Leases (get, create, update; MicroTime checked as kube-apiserver parses it). Watches replay
// from the requested resourceVersion like the real watch cache, so nothing is lost between a LIST
// and its WATCH. It checks that client-node sends what the real server expects; the real server
// itself is the e2e suite's job (test/e2e/secret-sync.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

type Json = Record<string, any>;

interface Event {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Json;
}

interface Watcher {
  res: ServerResponse;
  matches: (object: Json) => boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

// kube-apiserver's MicroTime layout (RFC 3339 with exactly six fractional digits).
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

export class FakeApiServer {
  readonly namespaces = new Map<string, Json>();
  /** `ns/name` → Secret. */
  readonly secrets = new Map<string, Json>();
  readonly leases = new Map<string, Json>();
  readonly requests: RecordedRequest[] = [];
  /** Answer the next requests matching `method path` with this status instead. */
  readonly failures: Array<{ method: string; path: RegExp; status: number }> = [];
  #server: Server | undefined;
  #rv = 100;
  #events: Event[] = [];
  #watchers = new Set<Watcher>();

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.closeWatches();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const { port } = this.#server?.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
  }

  get openWatches(): number {
    return this.#watchers.size;
  }

  /** Ends every watch stream, as the API server does at its request timeout. */
  closeWatches(): void {
    for (const watcher of this.#watchers) watcher.res.end();
    this.#watchers.clear();
  }

  putNamespace(name: string, labels: Record<string, string> = {}): void {
    const existing = this.namespaces.get(name);
    const object = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: `uid-ns-${name}`, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
      status: { phase: 'Active' },
    };
    this.#store(this.namespaces, name, object, existing ? 'MODIFIED' : 'ADDED');
  }

  putSecret(namespace: string, secret: Json): Json {
    const key = `${namespace}/${secret.metadata.name}`;
    const existing = this.secrets.get(key);
    const object = {
      apiVersion: 'v1',
      kind: 'Secret',
      ...secret,
      metadata: { ...secret.metadata, namespace, uid: existing?.metadata.uid ?? `uid-${key}-${this.#rv}` },
    };
    return this.#store(this.secrets, key, object, existing ? 'MODIFIED' : 'ADDED');
  }

  deleteSecret(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const existing = this.secrets.get(key);
    if (!existing) return;
    this.secrets.delete(key);
    this.#emit('DELETED', {
      ...existing,
      metadata: { ...existing.metadata, resourceVersion: String(++this.#rv) },
    });
  }

  #store(map: Map<string, Json>, key: string, object: Json, type: Event['type']): Json {
    object.metadata.resourceVersion = String(++this.#rv);
    map.set(key, object);
    this.#emit(type, object);
    return object;
  }

  #emit(type: Event['type'], object: Json): void {
    const event = { rv: Number(object.metadata.resourceVersion), type, object: structuredClone(object) };
    this.#events.push(event);
    for (const watcher of this.#watchers) {
      if (watcher.matches(object)) watcher.res.write(`${JSON.stringify({ type, object: event.object })}\n`);
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? '';
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    if (req.headers.authorization !== 'Bearer test-token') return send(res, 401, status(401, 'Unauthorized'));
    const failure = this.failures.findIndex((f) => f.method === method && f.path.test(url.pathname));
    if (failure >= 0) {
      const code = this.failures.splice(failure, 1)[0]!.status;
      return send(res, code, status(code, 'Injected'));
    }
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path === '/api/v1/namespaces' && method === 'GET')
      return this.#collection(req, res, url, [...this.namespaces.values()], 'Namespace');
    if (path === '/api/v1/secrets' && method === 'GET')
      return this.#collection(req, res, url, [...this.secrets.values()], 'Secret');
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets$/.exec(path))) {
      const ns = m[1]!;
      if (method === 'GET') {
        const items = [...this.secrets.values()].filter((s) => s.metadata.namespace === ns);
        return this.#collection(req, res, url, items, 'Secret', ns);
      }
      if (method === 'POST') return this.#createSecret(res, ns, body as Json);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path))) {
      return this.#secret(res, method, m[1]!, m[2]!, body as Json);
    }
    if ((m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(path))) {
      return this.#lease(res, method, m[1]!, m[2], body as Json);
    }
    send(res, 404, status(404, 'NotFound'));
  }

  #collection(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    all: Json[],
    kind: string,
    ns?: string,
  ): void {
    const field = url.searchParams.get('fieldSelector');
    const name = field?.startsWith('metadata.name=') ? field.slice('metadata.name='.length) : undefined;
    const matches = (object: Json): boolean =>
      (name === undefined || object.metadata.name === name) &&
      (ns === undefined || object.metadata.namespace === ns) &&
      object.kind === kind;
    if (url.searchParams.get('watch') !== 'true') {
      return send(res, 200, {
        kind: `${kind}List`,
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.#rv) },
        items: all.filter(matches),
      });
    }
    if (url.searchParams.has('sendInitialEvents')) {
      // etcd 3.4 behind the e2e API server cannot serve watch-list: fail loudly if it is ever asked for.
      return send(res, 500, status(500, 'watch-list not supported'));
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for (const event of this.#events) {
      if (event.rv > from && matches(event.object))
        res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
    const watcher = { res, matches };
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
  }

  #createSecret(res: ServerResponse, ns: string, body: Json): void {
    if (this.secrets.has(`${ns}/${body.metadata.name}`)) return send(res, 409, status(409, 'AlreadyExists'));
    send(res, 201, this.putSecret(ns, body));
  }

  #secret(res: ServerResponse, method: string, ns: string, name: string, body: Json): void {
    const current = this.secrets.get(`${ns}/${name}`);
    if (method === 'GET') return current ? send(res, 200, current) : send(res, 404, status(404, 'NotFound'));
    if (!current) return send(res, 404, status(404, 'NotFound'));
    if (method === 'PUT') {
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion)
        return send(res, 409, status(409, 'Conflict'));
      if (body.type !== current.type) return send(res, 422, status(422, 'Invalid'));
      return send(res, 200, this.putSecret(ns, body));
    }
    if (method === 'DELETE') {
      const pre = body?.preconditions ?? {};
      if (
        (pre.uid && pre.uid !== current.metadata.uid) ||
        (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
      ) {
        return send(res, 409, status(409, 'Conflict'));
      }
      this.deleteSecret(ns, name);
      return send(res, 200, status(200, 'Success'));
    }
    send(res, 405, status(405, 'MethodNotAllowed'));
  }

  #lease(res: ServerResponse, method: string, ns: string, name: string | undefined, body: Json): void {
    const key = `${ns}/${name ?? body?.metadata?.name}`;
    const current = this.leases.get(key);
    if (method === 'GET') return current ? send(res, 200, current) : send(res, 404, status(404, 'NotFound'));
    for (const field of ['acquireTime', 'renewTime']) {
      const value = body?.spec?.[field];
      if (value !== undefined && !MICRO_TIME.test(value))
        return send(res, 400, status(400, `${field}: not a MicroTime: ${value}`));
    }
    if (method === 'POST') {
      if (current) return send(res, 409, status(409, 'AlreadyExists'));
    } else if (method === 'PUT') {
      if (!current) return send(res, 404, status(404, 'NotFound'));
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion)
        return send(res, 409, status(409, 'Conflict'));
    } else {
      return send(res, 405, status(405, 'MethodNotAllowed'));
    }
    const object = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      ...body,
      metadata: { ...body.metadata, namespace: ns, resourceVersion: String(++this.#rv) },
    };
    this.leases.set(key, object);
    send(res, method === 'POST' ? 201 : 200, object);
  }
}

function status(code: number, reason: string): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: code < 300 ? 'Success' : 'Failure',
    reason,
    message: reason,
    code,
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
