// The webhook process for the e2e suite: `node dist/bin.js serve` on 127.0.0.1, never left behind,
// and the HTTPS/TLS probes that talk to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { repoRoot, waitFor } from './harness.js';

const BIN = join(repoRoot, 'dist/bin.js');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
