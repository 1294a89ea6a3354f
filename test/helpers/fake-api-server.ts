// The one loopback stand-in for kube-apiserver that the unit and integration tests share. It serves
// what pullthrough's clients call, with the answers the real server gives:
// - Namespaces: list (paged, watchable), get by name.
// - Secrets: list across or within namespaces (`metadata.name` field selector, paged, watchable),
//   get, create (409 AlreadyExists), update (409 Conflict on a stale resourceVersion, 422 on a type
//   change), delete with uid/resourceVersion preconditions (409 Conflict).
// - Pods: list across or within namespaces, paged with `limit` and `continue` (the audit).
// - Leases: get, create, update (MicroTime checked as kube-apiserver parses it).
// - MutatingWebhookConfigurations: get, JSON-patch (415 without the JSON-patch media type, 422 on a
//   failed `test` op).
// Watches replay from the requested resourceVersion like the real watch cache, so nothing is lost
// between a LIST and its WATCH. Every request is recorded; `failures` injects error answers. It
// checks that client-node sends what the real server expects; the real server itself is the e2e
// suite's job.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import jsonpatch, { type Operation } from 'fast-json-patch';

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
  /** The path and query exactly as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: unknown;
}

/** Answers requests whose method (if given) matches and whose path-and-query `url` matches. */
export interface InjectedFailure {
  method?: string;
  url: RegExp;
  status: number;
  message?: string;
  /** How many requests it answers before it is used up; every matching one when absent. */
  times?: number;
}

// kube-apiserver's MicroTime layout (RFC 3339 with exactly six fractional digits).
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const TOKEN = 'test-token';

export class FakeApiServer {
  readonly namespaces = new Map<string, Json>();
  /** `ns/name` → Secret. */
  readonly secrets = new Map<string, Json>();
  /** `ns/name` → Pod, listed in insertion order. */
  readonly pods = new Map<string, Json>();
  /** `ns/name` → Lease. */
  readonly leases = new Map<string, Json>();
  readonly webhookConfigs = new Map<string, Json>();
  readonly requests: RecordedRequest[] = [];
  readonly failures: InjectedFailure[] = [];
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

  get url(): string {
    const { port } = this.#server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A KubeConfig pointing at this server with a bearer token, as a kubeconfig file would. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: TOKEN }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kc;
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
        `  - { name: tester, user: { token: ${TOKEN} } }`,
        'contexts:',
        '  - { name: fake, context: { cluster: fake, user: tester } }',
        '  - { name: elsewhere, context: { cluster: gone, user: tester } }',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
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

  putPod(pod: Json): Json {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const object = { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: { ...pod.metadata } };
    return this.#store(this.pods, key, object, this.pods.has(key) ? 'MODIFIED' : 'ADDED');
  }

  putWebhookConfig(name: string, webhooks: Json[]): void {
    const object = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks,
    };
    this.#store(this.webhookConfigs, name, object, this.webhookConfigs.has(name) ? 'MODIFIED' : 'ADDED');
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

  #injectedFailure(method: string, url: string): InjectedFailure | undefined {
    const index = this.failures.findIndex((f) => (f.method ?? method) === method && f.url.test(url));
    const failure = this.failures[index];
    if (failure?.times !== undefined && --failure.times <= 0) this.failures.splice(index, 1);
    return failure;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? '';
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    this.requests.push({
      method,
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers['content-type'],
      body,
    });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, status(401, 'Unauthorized'));
    const failure = this.#injectedFailure(method, req.url ?? '/');
    if (failure) return send(res, failure.status, status(failure.status, failure.message ?? 'Injected'));

    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path === '/api/v1/namespaces' && method === 'GET')
      return this.#collection(res, url, [...this.namespaces.values()], 'Namespace');
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path)) && method === 'GET')
      return this.#get(res, this.namespaces.get(m[1]!));
    if ((m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?pods$/.exec(path)) && method === 'GET')
      return this.#collection(res, url, [...this.pods.values()], 'Pod', m[1]);
    if ((m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?secrets$/.exec(path))) {
      if (method === 'GET') return this.#collection(res, url, [...this.secrets.values()], 'Secret', m[1]);
      if (method === 'POST' && m[1] !== undefined) return this.#createSecret(res, m[1], body as Json);
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path))) {
      return this.#secret(res, method, m[1]!, m[2]!, body as Json);
    }
    if ((m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(path))) {
      return this.#lease(res, method, m[1]!, m[2], body as Json);
    }
    if (
      (m = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/.exec(path))
    ) {
      return this.#webhookConfig(req, res, m[1]!, body as Operation[]);
    }
    send(res, 404, status(404, 'NotFound'));
  }

  #get(res: ServerResponse, object: Json | undefined): void {
    if (object) send(res, 200, object);
    else send(res, 404, status(404, 'NotFound'));
  }

  #collection(res: ServerResponse, url: URL, all: Json[], kind: string, ns?: string): void {
    const field = url.searchParams.get('fieldSelector');
    const name = field?.startsWith('metadata.name=') ? field.slice('metadata.name='.length) : undefined;
    const matches = (object: Json): boolean =>
      (name === undefined || object.metadata.name === name) &&
      (ns === undefined || object.metadata.namespace === ns) &&
      object.kind === kind;
    if (url.searchParams.get('watch') !== 'true')
      return send(res, 200, this.#page(url, all.filter(matches), kind));
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

  /** One page of a LIST: `continue` is the offset of the next item, as opaque to clients as the real one. */
  #page(url: URL, items: Json[], kind: string): Json {
    const start = Number(url.searchParams.get('continue') ?? '0');
    const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : items.length;
    const end = Math.min(items.length, start + limit);
    const more = end < items.length ? { continue: String(end), remainingItemCount: items.length - end } : {};
    return {
      apiVersion: 'v1',
      kind: `${kind}List`,
      metadata: { resourceVersion: String(this.#rv), ...more },
      items: items.slice(start, end),
    };
  }

  #createSecret(res: ServerResponse, ns: string, body: Json): void {
    if (this.secrets.has(`${ns}/${body.metadata.name}`)) return send(res, 409, status(409, 'AlreadyExists'));
    send(res, 201, this.putSecret(ns, body));
  }

  #secret(res: ServerResponse, method: string, ns: string, name: string, body: Json): void {
    const current = this.secrets.get(`${ns}/${name}`);
    if (method === 'GET') return this.#get(res, current);
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
    if (method === 'GET') return this.#get(res, current);
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
      metadata: { ...body.metadata, namespace: ns },
    };
    send(
      res,
      method === 'POST' ? 201 : 200,
      this.#store(this.leases, key, object, current ? 'MODIFIED' : 'ADDED'),
    );
  }

  #webhookConfig(req: IncomingMessage, res: ServerResponse, name: string, ops: Operation[]): void {
    const current = this.webhookConfigs.get(name);
    if (!current) return send(res, 404, status(404, 'NotFound'));
    if (req.method === 'GET') return send(res, 200, current);
    if (req.method !== 'PATCH') return send(res, 405, status(405, 'MethodNotAllowed'));
    if (req.headers['content-type'] !== 'application/json-patch+json') {
      return send(res, 415, status(415, 'UnsupportedMediaType'));
    }
    let patched: Json;
    try {
      patched = jsonpatch.applyPatch(structuredClone(current), ops, true).newDocument;
    } catch {
      return send(res, 422, status(422, 'Invalid'));
    }
    send(res, 200, this.#store(this.webhookConfigs, name, patched, 'MODIFIED'));
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
