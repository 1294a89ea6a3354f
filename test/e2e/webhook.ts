// Helpers for the webhook scenarios of the e2e suite: run the built `pullthrough serve` against the
// harness's API server, install the chart's MutatingWebhookConfiguration for it, see exactly which
// AdmissionReviews the API server sent (a recording proxy in front of the webhook), and check that a
// rewritten image really resolves through the Harbor stand-in with the Pod's own pull secret.
//
//   const pt = await Pullthrough.start(env, { name: 'scn' });   // webhook + proxy + MWC, called once
//   const ns = await namespaces.create('e2e-wh-x', { 'pullthrough.io/rewrite': 'enabled' });
//   const { object, warnings } = await kubectlCreate(env, ns, pod);
//   ... pt.reviewsIn(ns) ...
//   await pt.close();                                           // MWC deleted, processes stopped
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ORIGINAL_IMAGES_ANNOTATION, REWRITE_LABEL } from '../../src/core/mutate-pod.js';
import { createSelfSignedServing } from '../../src/tls/self-signed.js';
import { installHelm } from '../helpers/tools.js';
import { kubectl, kubectlJson, repoRoot, run, skopeo, uniqueName, waitFor, type E2eEnv } from './harness.js';

// The names the product uses, from the product itself: a renamed label cannot leave the e2e behind.
export { REWRITE_LABEL };
export const ORIGINAL_IMAGES = ORIGINAL_IMAGES_ANNOTATION;
/** The embedded default's pull secret. */
export const PULL_SECRET = DEFAULT_CONFIG.pullSecrets[0]!;
export const CHART_DIR = join(repoRoot, 'charts/pullthrough');
const BIN = join(repoRoot, 'dist/bin.js');

/** Annotation on the webhook configurations the helpers install: the test runner's pid (stale-object cleanup). */
const OWNER_ANNOTATION = 'e2e.pullthrough.io/owner-pid';

/** `<harness proxy prefix>/<path>`: what a docker.io image becomes with the e2e rule. */
export function proxied(env: E2eEnv, path: string): string {
  return `${env.E2E_REGISTRY_PREFIX}/${path}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------------
// Child processes: never left behind, even when a test (or the worker) dies
// ------------------------------------------------------------------------------------------------

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Fails when dist/ is missing; warns when it is older than src/ (`npm run test:e2e` builds first). */
export function checkBuild(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} not found: run \`npm run build\` (npm run test:e2e does)`);
  const built = statSync(BIN).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
        entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
      ),
    );
  if (newest(join(repoRoot, 'src')) > built) {
    console.warn('e2e: dist/ is older than src/; the webhook tested is the last build (npm run build)');
  }
}

// ------------------------------------------------------------------------------------------------
// HTTPS and TLS probes
// ------------------------------------------------------------------------------------------------

export interface HttpsResult {
  status: number;
  body: string;
}

/** One HTTPS request to 127.0.0.1 (bounded); `ca` undefined means no verification. */
export function httpsCall(
  url: string,
  opts: { ca?: string; method?: string; body?: string; timeoutMs?: number } = {},
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: opts.method ?? 'GET',
        ...(opts.ca === undefined ? { rejectUnauthorized: false } : { ca: opts.ca }),
        headers: opts.body === undefined ? {} : { 'content-type': 'application/json' },
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The certificate a TLS server on 127.0.0.1:port presents, verified against `ca` (IP SAN 127.0.0.1). */
export function servedCertificate(port: number, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, timeout: 5000 }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (raw) resolve(raw);
      else reject(new Error(`127.0.0.1:${port} presented no certificate`));
    });
    socket.on('timeout', () => socket.destroy(new Error(`TLS to 127.0.0.1:${port} timed out`)));
    socket.on('error', reject);
  });
}

// ------------------------------------------------------------------------------------------------
// The webhook process: `node dist/bin.js serve`
// ------------------------------------------------------------------------------------------------

export interface WebhookProcess {
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** The self-signed CA (self-signed path only; empty otherwise). */
  readonly caPem: string;
  /** Everything the process wrote so far (pino JSON lines are buffered by the server: see the report). */
  output(): string;
  /** SIGSTOP: the socket stays open, nothing answers (a stuck replica). */
  pause(): void;
  resume(): void;
  /** SIGCONT + SIGTERM, then SIGKILL if it has not exited after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface StartWebhookOptions {
  /** Configuration file (`--config`); omitted: the embedded default. */
  configFile?: string;
  /** Where the self-signed CA is written; default: a file in a temporary directory. */
  caFile?: string;
  port?: number;
  /** More `serve` flags (certificate flags for the self-managed path). */
  args?: string[];
  /** Environment of the process (KUBECONFIG for the self-managed path). */
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
  readyTimeoutMs?: number;
}

/** Starts `pullthrough serve` on 127.0.0.1 and resolves once GET /readyz answers 200 (bounded). */
export async function startWebhook(opts: StartWebhookOptions = {}): Promise<WebhookProcess> {
  checkBuild();
  const port = opts.port ?? (await freePort());
  const selfSigned = !(opts.args ?? []).some((a) => a === '--cert-secret' || a === '--tls-cert');
  // A directory of our own for the CA only when the caller gave no file; removed once the process exits.
  const ownDir = selfSigned && !opts.caFile ? mkdtempSync(join(tmpdir(), 'pullthrough-e2e-ca-')) : undefined;
  const caFile = opts.caFile ?? join(ownDir ?? tmpdir(), 'ca.crt');
  const args = [BIN, 'serve', '--host', '127.0.0.1', '--port', String(port)];
  args.push('--log-level', opts.logLevel ?? 'info', '--drain-timeout', '2');
  if (opts.configFile) args.push('--config', opts.configFile);
  if (selfSigned) args.push('--tls-ca-out', caFile);
  args.push(...(opts.args ?? []));

  const child = spawn(process.execPath, args, {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const url = `https://127.0.0.1:${port}`;
  try {
    await waitFor(
      `pullthrough serve on ${url} to be ready`,
      async () => {
        if (exitCode !== undefined) throw new Error(`exited with ${exitCode}:\n${output.slice(-3000)}`);
        const res = await httpsCall(`${url}/readyz`, { timeoutMs: 1000 });
        return res.status === 200 ? true : undefined;
      },
      opts.readyTimeoutMs ?? 30_000,
      100,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- output ---\n${output.slice(-3000)}`, { cause: err });
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    pid: child.pid!,
    caPem: selfSigned ? readFileSync(caFile, 'utf8') : '',
    output: () => output,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    exited,
    stop: (graceMs = 5000) =>
      (stopping ??= (async () => {
        if (exitCode !== undefined) return;
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

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

// ------------------------------------------------------------------------------------------------
// The chart
// ------------------------------------------------------------------------------------------------

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

/** helm: the harness's (E2E_HELM), else the one the integration tests use (test/helpers/tools.ts). */
export function helmBinary(env: E2eEnv): Promise<string> {
  return env.E2E_HELM ? Promise.resolve(env.E2E_HELM) : installHelm();
}

/** `helm template RELEASE charts/pullthrough -n NAMESPACE` with values (a JSON values file keeps types exact). */
export async function helmTemplate(
  env: E2eEnv,
  release: string,
  namespace: string,
  values: Record<string, unknown> = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-values-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    const args = ['template', release, CHART_DIR, '--namespace', namespace, '--values', file];
    args.push('--kube-version', env.E2E_K8S_VERSION);
    const { stdout } = await run(await helmBinary(env), args, { timeoutMs: 60_000 });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** Manifests as one `v1 List` (kubectl apply/create -f - accepts it). */
export function asList(manifests: readonly Manifest[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests });
}

/** The chart's full name for a release (the release name when it already contains "pullthrough"). */
export function chartFullname(release: string): string {
  return release.includes('pullthrough') ? release : `${release}-pullthrough`;
}

/**
 * The e2e rule: docker.io -> the Harbor stand-in's proxy_cache project, with the pull secret. The
 * chart turns `health` on, and the stand-in has its own CA, so the probe is told about that CA;
 * without it every probe fails TLS and after `failureThreshold` probes pullthrough bypasses the proxy
 * (what a user with a private Harbor CA would see too).
 */
export function e2eConfigValues(env: E2eEnv): Record<string, unknown> {
  return {
    rules: [
      {
        registry: 'docker.io',
        proxy: env.E2E_REGISTRY_PREFIX,
        probe: { url: `https://${env.E2E_REGISTRY}/v2/`, caFile: env.E2E_REGISTRY_CA },
      },
    ],
    exclude: { images: [], owners: [] },
    pullSecrets: [PULL_SECRET],
  };
}

// ------------------------------------------------------------------------------------------------
// Namespaces, Pods, kubectl with warnings
// ------------------------------------------------------------------------------------------------

/** Test namespaces: created with labels, the default ServiceAccount and the pull secret; deleted at the end. */
export class Namespaces {
  readonly #env: E2eEnv;
  readonly #names: string[] = [];

  constructor(env: E2eEnv) {
    this.#env = env;
  }

  async create(
    prefix: string,
    labels: Record<string, string> = {},
    opts: { pullSecret?: boolean } = {},
  ): Promise<string> {
    const name = uniqueName(prefix);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
    await kubectl(this.#env, ['create', '-f', '-'], { input: JSON.stringify(ns) });
    this.#names.push(name);
    await waitForServiceAccount(this.#env, name);
    if (opts.pullSecret !== false) await createPullSecret(this.#env, name);
    return name;
  }

  /** Deletes them all without waiting for the namespace controller. */
  async deleteAll(): Promise<void> {
    const names = this.#names.splice(0);
    if (names.length === 0) return;
    await kubectl(this.#env, ['delete', 'namespace', '--wait=false', '--ignore-not-found', ...names]).catch(
      () => undefined,
    );
  }
}

/** The ServiceAccount admission plugin refuses Pods until the namespace has its default SA. */
export async function waitForServiceAccount(env: E2eEnv, namespace: string, name = 'default'): Promise<void> {
  await waitFor(
    `ServiceAccount ${name} in ${namespace}`,
    async () => {
      const out = await kubectl(env, ['-n', namespace, 'get', 'serviceaccount', name, '--ignore-not-found']);
      return out.trim() ? true : undefined;
    },
    60_000,
    200,
  );
}

/** `regcred-harbor` (kubernetes.io/dockerconfigjson) for the Harbor stand-in, as users create it. */
export async function createPullSecret(env: E2eEnv, namespace: string, name = PULL_SECRET): Promise<void> {
  await kubectl(env, [
    '-n',
    namespace,
    'create',
    'secret',
    'generic',
    name,
    '--type=kubernetes.io/dockerconfigjson',
    `--from-file=.dockerconfigjson=${env.E2E_REGISTRY_AUTH_FILE}`,
  ]);
}

export interface Created<T = any> {
  object: T;
  /** The `Warning: ...` lines kubectl printed (the admission warnings), without the prefix. */
  warnings: string[];
  stderr: string;
  elapsedMs: number;
}

export function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('Warning: '))
    .map((line) => line.slice('Warning: '.length));
}

/** `kubectl [-n NS] ARGS...` keeping stderr (admission warnings) and the time taken. */
export async function kubectlFull(
  env: E2eEnv,
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; elapsedMs: number }> {
  const started = Date.now();
  const { stdout, stderr } = await run(
    env.E2E_KUBECTL,
    ['--kubeconfig', env.KUBECONFIG, '--request-timeout=40s', ...args],
    { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) },
  );
  return { stdout, stderr, elapsedMs: Date.now() - started };
}

/** `kubectl create -f - -o json` (optionally `--dry-run=server`): the object as stored (or as it would be). */
export async function kubectlCreate<T = any>(
  env: E2eEnv,
  namespace: string,
  manifest: unknown,
  opts: { dryRun?: boolean } = {},
): Promise<Created<T>> {
  const args = ['-n', namespace, 'create', '-f', '-', '-o', 'json'];
  if (opts.dryRun) args.push('--dry-run=server');
  const { stdout, stderr, elapsedMs } = await kubectlFull(env, args, JSON.stringify(manifest));
  return { object: JSON.parse(stdout) as T, warnings: warningsOf(stderr), stderr, elapsedMs };
}

export function pod(
  name: string,
  containers: Record<string, string>,
  extra: Record<string, unknown> = {},
): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: Object.entries(containers).map(([n, image]) => ({ name: n, image })) },
    ...extra,
  };
}

/** The Pods matching a label selector, once there are `count` of them (ReplicaSet-created Pods). */
export async function waitForPods(
  env: E2eEnv,
  namespace: string,
  selector: string,
  count = 1,
): Promise<any[]> {
  return waitFor(
    `${count} Pod(s) ${selector} in ${namespace}`,
    async () => {
      const list = await kubectlJson<{ items: any[] }>(env, ['-n', namespace, 'get', 'pods', '-l', selector]);
      return list.items.length >= count ? list.items : undefined;
    },
    90_000,
    300,
  );
}

/** Every image of a Pod by `<field>/<name>`, as in the original-images annotation. */
export function imagesOf(p: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const c of p.spec?.[field] ?? []) out[`${field}/${c.name}`] = c.image;
  }
  for (const v of p.spec?.volumes ?? []) if (v.image) out[`volumes/${v.name}`] = v.image.reference;
  return out;
}

export function originalImagesOf(p: any): Record<string, string> | undefined {
  const text = p.metadata?.annotations?.[ORIGINAL_IMAGES];
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, string>);
}

// ------------------------------------------------------------------------------------------------
// Registries: does the rewritten reference resolve, with the Pod's own pull secret?
// ------------------------------------------------------------------------------------------------

export interface Credentials {
  username: string;
  password: string;
}

/** The credentials for `image`'s host from the Pod's imagePullSecrets, read from its namespace like a kubelet. */
export async function pullCredentials(env: E2eEnv, p: any, image: string): Promise<Credentials> {
  const host = image.split('/')[0]!;
  for (const { name } of p.spec?.imagePullSecrets ?? []) {
    const secret = await kubectlJson<any>(env, ['-n', p.metadata.namespace, 'get', 'secret', name]);
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
    const entry = config.auths?.[host];
    if (!entry) continue;
    const [username, password] = entry.username
      ? [entry.username as string, entry.password as string]
      : Buffer.from(entry.auth as string, 'base64')
          .toString('utf8')
          .split(/:(.*)/s);
    return { username: username!, password: password! };
  }
  throw new Error(`no pull secret of Pod ${p.metadata.name} has credentials for ${host}`);
}

/** `skopeo inspect` of a reference served by the Harbor stand-in (its CA, basic auth). */
export async function inspectProxied(env: E2eEnv, image: string, creds: Credentials): Promise<any> {
  const out = await skopeo(env, [
    'inspect',
    '--cert-dir',
    env.E2E_REGISTRY_CERT_DIR,
    '--creds',
    `${creds.username}:${creds.password}`,
    `docker://${image}`,
  ]);
  return JSON.parse(out);
}

/** A full pull (manifest, config, layers) through the Harbor stand-in into `dir:DEST`. */
export async function pullProxied(
  env: E2eEnv,
  image: string,
  creds: Credentials,
  dest: string,
): Promise<any> {
  rmSync(dest, { recursive: true, force: true });
  await skopeo(env, [
    'copy',
    '--quiet',
    '--src-cert-dir',
    env.E2E_REGISTRY_CERT_DIR,
    '--src-creds',
    `${creds.username}:${creds.password}`,
    `docker://${image}`,
    `dir:${dest}`,
  ]);
  return JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8'));
}

/** The digest of `path` (e.g. `library/nginx:1.26-alpine`) in the upstream registry (Docker Hub stand-in). */
export async function upstreamDigest(env: E2eEnv, path: string): Promise<string> {
  const out = await skopeo(env, [
    'inspect',
    '--tls-verify=false',
    `docker://${env.E2E_UPSTREAM_REGISTRY}/${path}`,
  ]);
  return JSON.parse(out).Digest as string;
}

/** Repositories the pull-through cache holds (its catalog lists only what it has stored). */
export async function proxyCatalog(env: E2eEnv): Promise<string[]> {
  const res = await fetch(`http://${env.E2E_PROXY_REGISTRY}/v2/_catalog?n=1000`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`proxy catalog: HTTP ${res.status}`);
  return ((await res.json()) as { repositories: string[] | null }).repositories ?? [];
}

/** Pushes a tiny image made by test/e2e/oci-image.sh to the upstream registry as `path` (repo:tag). */
export async function pushUpstream(env: E2eEnv, path: string, work: string): Promise<void> {
  const layout = join(work, path.replace(/[/:]/g, '_'));
  await run(join(repoRoot, 'test/e2e/oci-image.sh'), [layout, `docker.io/${path}`]);
  await skopeo(env, [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout}:latest`,
    `docker://${env.E2E_UPSTREAM_REGISTRY}/${path}`,
  ]);
}

// ------------------------------------------------------------------------------------------------
// pullthrough as installed for the tests: process + recording proxy + the chart's configuration
// ------------------------------------------------------------------------------------------------

export interface InstallOptions {
  scope?: 'cluster' | 'opt-in';
  mode?: 'enforce' | 'audit';
  timeoutSeconds?: number;
  failurePolicy?: 'Ignore' | 'Fail';
}

export interface PullthroughOptions extends InstallOptions {
  /** Short name; the release is `pullthrough-e2e-<name>`. */
  name: string;
  /** Put the recording proxy in front (default true). Off: the configuration calls the webhook directly. */
  capture?: boolean;
  logLevel?: string;
  /** The chart's `config` value; default {@link e2eConfigValues}. */
  config?: Record<string, unknown>;
}

/**
 * pullthrough for one test file: `pullthrough serve` with the configuration the chart renders (the
 * ConfigMap's config.yaml, with the e2e rule), optionally behind the recording proxy, and the chart's
 * MutatingWebhookConfiguration in url mode pointing at it. `close()` removes the configuration first,
 * then stops the processes and deletes the namespaces it made.
 */
export class Pullthrough {
  readonly env: E2eEnv;
  readonly release: string;
  /** The release namespace (holds the rendered ConfigMap; always excluded by the chart). */
  readonly releaseNamespace: string;
  /** Labelled `enabled`: in scope whatever the scope and mode; used to see that the API server calls us. */
  readonly probeNamespace: string;
  readonly webhook: WebhookProcess;
  readonly capture: CaptureProxy | undefined;
  readonly configFile: string;
  readonly namespaces: Namespaces;
  readonly dir: string;
  #generation = 0;
  #installed: Required<InstallOptions> | undefined;
  #config: Record<string, unknown> | undefined;

  private constructor(init: {
    env: E2eEnv;
    release: string;
    releaseNamespace: string;
    probeNamespace: string;
    webhook: WebhookProcess;
    capture: CaptureProxy | undefined;
    configFile: string;
    namespaces: Namespaces;
    dir: string;
  }) {
    this.env = init.env;
    this.release = init.release;
    this.releaseNamespace = init.releaseNamespace;
    this.probeNamespace = init.probeNamespace;
    this.webhook = init.webhook;
    this.capture = init.capture;
    this.configFile = init.configFile;
    this.namespaces = init.namespaces;
    this.dir = init.dir;
  }

  get name(): string {
    return chartFullname(this.release);
  }

  /** The token of the current install, as in the URL the API server calls. */
  get generation(): string {
    return `g${this.#generation}`;
  }

  static async start(env: E2eEnv, opts: PullthroughOptions): Promise<Pullthrough> {
    await removeStaleConfigurations(env);
    const dir = mkdtempSync(join(tmpdir(), `pullthrough-e2e-${opts.name}-`));
    const namespaces = new Namespaces(env);
    const release = `pullthrough-e2e-${opts.name}`;
    let webhook: WebhookProcess | undefined;
    let capture: CaptureProxy | undefined;
    try {
      const releaseNamespace = await namespaces.create(`pt-e2e-${opts.name}`, {}, { pullSecret: false });
      const probeNamespace = await namespaces.create(`e2e-probe-${opts.name}`, {
        [REWRITE_LABEL]: 'enabled',
      });
      // The server runs with the configuration the chart renders into its ConfigMap.
      const rendered = parseManifests(
        await helmTemplate(env, release, releaseNamespace, {
          mode: opts.mode ?? 'enforce',
          config: opts.config ?? e2eConfigValues(env),
        }),
      );
      const configMap = rendered.find((m) => m.kind === 'ConfigMap') as any;
      const configFile = join(dir, 'config.yaml');
      writeFileSync(configFile, configMap.data['config.yaml']);
      webhook = await startWebhook({ configFile, caFile: join(dir, 'ca.crt'), logLevel: opts.logLevel });
      if (opts.capture !== false) capture = await startCaptureProxy(webhook);
      const pt = new Pullthrough({
        env,
        release,
        releaseNamespace,
        probeNamespace,
        webhook,
        capture,
        configFile,
        namespaces,
        dir,
      });
      pt.#config = opts.config;
      await pt.install(opts);
      return pt;
    } catch (err) {
      await kubectl(env, [
        'delete',
        'mutatingwebhookconfiguration',
        chartFullname(release),
        '--ignore-not-found',
      ]).catch(() => undefined);
      await capture?.close();
      await webhook?.stop();
      await namespaces.deleteAll();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Renders the chart in url mode with these values, applies the MutatingWebhookConfiguration (and
   * ConfigMap), and waits until the API server calls the new configuration. Returns the wait in ms.
   */
  async install(opts: InstallOptions = {}): Promise<number> {
    const values: Required<InstallOptions> = {
      scope: opts.scope ?? this.#installed?.scope ?? 'cluster',
      mode: opts.mode ?? this.#installed?.mode ?? 'enforce',
      timeoutSeconds: opts.timeoutSeconds ?? this.#installed?.timeoutSeconds ?? 5,
      failurePolicy: opts.failurePolicy ?? this.#installed?.failurePolicy ?? 'Ignore',
    };
    this.#generation++;
    const url = this.capture ? `${this.capture.url}/${this.generation}` : this.webhook.url;
    const caPem = this.capture ? this.capture.caPem : this.webhook.caPem;
    const text = await helmTemplate(this.env, this.release, this.releaseNamespace, {
      scope: values.scope,
      mode: values.mode,
      config: this.#config ?? e2eConfigValues(this.env),
      webhook: {
        url,
        caBundle: Buffer.from(caPem).toString('base64'),
        timeoutSeconds: values.timeoutSeconds,
        failurePolicy: values.failurePolicy,
        annotations: { [OWNER_ANNOTATION]: String(process.pid) },
      },
    });
    // apply keeps the object (the API server's webhook cache switches atomically to the new version).
    await kubectl(this.env, ['apply', '-f', '-'], { input: text });
    this.#installed = values;
    return this.waitUntilCalled();
  }

  /**
   * Polls a server-side dry-run create of a probe Pod in the `enabled` probe namespace until the API
   * server calls this install: through the proxy, a review with the current generation; without it,
   * the rewrite (enforce) or the audit warning (audit) shows. Bounded; returns the time it took.
   */
  async waitUntilCalled(timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    const generation = this.generation;
    const mode = this.#installed?.mode ?? 'enforce';
    await waitFor(
      `the API server to call ${this.name} (${generation})`,
      async () => {
        const probe = pod(`probe-${generation}`, { probe: 'busybox:1.36' });
        const { object, warnings } = await kubectlCreate(this.env, this.probeNamespace, probe, {
          dryRun: true,
        });
        if (this.capture) {
          const seen = this.capture.reviews.some(
            (r) => r.generation === generation && r.review?.request?.namespace === this.probeNamespace,
          );
          return seen ? true : undefined;
        }
        const image = object.spec.containers[0].image as string;
        if (mode === 'enforce') return image === proxied(this.env, 'library/busybox:1.36') ? true : undefined;
        return warnings.some((w) => w.startsWith('pullthrough audit:')) ? true : undefined;
      },
      timeoutMs,
      200,
    );
    return Date.now() - started;
  }

  /** Reviews the API server sent for objects in `namespace` (all generations), oldest first. */
  reviewsIn(namespace: string): CapturedReview[] {
    if (!this.capture) throw new Error('no recording proxy in front of this webhook');
    return this.capture.reviews.filter((r) => r.review?.request?.namespace === namespace);
  }

  /** Deletes the webhook configuration (so nothing calls a dead URL), stops everything, deletes namespaces. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    };
    await attempt(() =>
      kubectl(this.env, ['delete', 'mutatingwebhookconfiguration', this.name, '--ignore-not-found']),
    );
    await attempt(async () => this.capture?.close());
    await attempt(() => this.webhook.stop());
    await attempt(() => this.namespaces.deleteAll());
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, `closing ${this.name} failed`);
  }
}

/** Webhook configurations a previous, killed test run left behind (their owner pid is gone). */
export async function removeStaleConfigurations(env: E2eEnv): Promise<void> {
  const list = await kubectlJson<{ items: any[] }>(env, ['get', 'mutatingwebhookconfigurations']);
  for (const item of list.items) {
    const owner = Number(item.metadata?.annotations?.[OWNER_ANNOTATION]);
    if (!owner || owner === process.pid || isAlive(owner)) continue;
    await kubectl(env, ['delete', 'mutatingwebhookconfiguration', item.metadata.name, '--ignore-not-found']);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a feature gate is on in the API server (its `kubernetes_feature_enabled` metric). */
export async function featureEnabled(env: E2eEnv, gate: string): Promise<boolean> {
  const metrics = await kubectl(env, ['get', '--raw', '/metrics']);
  const m = new RegExp(`^kubernetes_feature_enabled\\{name="${gate}",stage="[A-Z]*"\\} (\\d)`, 'm').exec(
    metrics,
  );
  if (!m) throw new Error(`the API server reports no feature gate ${gate}`);
  return m[1] === '1';
}

export { sleep };
