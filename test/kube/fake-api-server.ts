import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import jsonpatch, { type Operation } from 'fast-json-patch';

type Json = Record<string, unknown>;
type Meta = { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: unknown;
}

/**
 * A loopback HTTP stand-in for the few kube-apiserver endpoints the certificate store calls (one
 * Secret, one MutatingWebhookConfiguration), with its concurrency answers: 409 AlreadyExists on a
 * create, 409 Conflict on a stale resourceVersion, 422 on a failed JSON-patch `test`. It checks that
 * client-node sends what the real server expects; the real server itself is the e2e suite's job.
 */
export class FakeApiServer {
  readonly secrets = new Map<string, Json>();
  readonly webhookConfigs = new Map<string, Json>();
  readonly requests: RecordedRequest[] = [];
  #server: Server | undefined;
  #rv = 100;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** A KubeConfig pointing at this server with a bearer token, as a kubeconfig file would. */
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

  nextRv(): string {
    return String(++this.#rv);
  }

  putSecret(namespace: string, secret: Json): void {
    const metadata = { ...(secret.metadata as Meta), namespace, resourceVersion: this.nextRv() };
    this.secrets.set(`${namespace}/${metadata.name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      ...secret,
      metadata,
    });
  }

  putWebhookConfig(name: string, webhooks: Json[]): void {
    this.webhookConfigs.set(name, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name, resourceVersion: this.nextRv() },
      webhooks,
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ method: req.method ?? '', path, contentType: req.headers['content-type'], body });
    if (req.headers.authorization !== 'Bearer test-token') return send(res, 401, status(401, 'Unauthorized'));

    const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
    if (secret) return this.#secrets(req.method ?? '', secret[1] ?? '', secret[2], body as Json, res);
    const mwc = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/.exec(
      path,
    );
    if (mwc) return this.#webhookConfig(req, mwc[1] ?? '', body as Operation[], res);
    send(res, 404, status(404, 'NotFound'));
  }

  #secrets(method: string, ns: string, name: string | undefined, body: Json, res: ServerResponse): void {
    const key = `${ns}/${name ?? (body.metadata as Meta).name}`;
    const current = this.secrets.get(key);
    if (method === 'GET') return current ? send(res, 200, current) : send(res, 404, status(404, 'NotFound'));
    if (method === 'POST') {
      if (current) return send(res, 409, status(409, 'AlreadyExists'));
      this.putSecret(ns, body);
      return send(res, 201, this.secrets.get(key));
    }
    if (method === 'PUT') {
      if (!current) return send(res, 404, status(404, 'NotFound'));
      const sentRv = (body.metadata as Meta).resourceVersion;
      if (sentRv !== (current.metadata as Meta).resourceVersion)
        return send(res, 409, status(409, 'Conflict'));
      if (body.type !== current.type) return send(res, 422, status(422, 'Invalid'));
      this.putSecret(ns, body);
      return send(res, 200, this.secrets.get(key));
    }
    send(res, 405, status(405, 'MethodNotAllowed'));
  }

  #webhookConfig(req: IncomingMessage, name: string, ops: Operation[], res: ServerResponse): void {
    const current = this.webhookConfigs.get(name);
    if (!current) return send(res, 404, status(404, 'NotFound'));
    if (req.method === 'GET') return send(res, 200, current);
    if (req.method !== 'PATCH') return send(res, 405, status(405, 'MethodNotAllowed'));
    if (req.headers['content-type'] !== 'application/json-patch+json') {
      return send(res, 415, status(415, 'UnsupportedMediaType'));
    }
    try {
      const patched = jsonpatch.applyPatch(structuredClone(current), ops, true).newDocument;
      (patched.metadata as Meta).resourceVersion = this.nextRv();
      this.webhookConfigs.set(name, patched);
      send(res, 200, patched);
    } catch {
      send(res, 422, status(422, 'Invalid'));
    }
  }
}

function status(code: number, reason: string): Json {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
