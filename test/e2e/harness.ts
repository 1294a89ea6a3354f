// Helpers for the end-to-end tests: the environment written by test/e2e/cluster.sh, and bounded
// child processes (kubectl, skopeo, the harness scripts).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const clusterSh = join(repoRoot, 'test/e2e/cluster.sh');
export const e2eToolsSh = join(repoRoot, 'hack/e2e-tools.sh');
export const e2eImageSh = join(repoRoot, 'hack/e2e-image.sh');

/** Where cluster.sh keeps its state (same default as the script). */
export function e2eDir(): string {
  return process.env.E2E_DIR || '/dev/shm/pullthrough-e2e';
}

/**
 * The keys of $E2E_DIR/env (see test/e2e/README.md). All values are strings; ports are numbers
 * written as strings.
 */
export interface E2eEnv {
  E2E_DIR: string;
  KUBECONFIG: string;
  E2E_K8S_VERSION: string;
  E2E_K8S_BIN_DIR: string;
  E2E_KUBECTL: string;
  E2E_HELM: string;
  E2E_LOG_DIR: string;
  E2E_APISERVER_URL: string;
  E2E_APISERVER_PORT: string;
  E2E_CLUSTER_CA: string;
  E2E_ADMIN_CERT: string;
  E2E_ADMIN_KEY: string;
  E2E_SERVICE_CIDR: string;
  E2E_ETCD_URL: string;
  E2E_ETCD_PORT: string;
  E2E_KCM_PORT: string;
  E2E_UPSTREAM_REGISTRY: string;
  E2E_QUAY_REGISTRY: string;
  E2E_PROXY_REGISTRY: string;
  E2E_REGISTRY: string;
  E2E_REGISTRY_PROJECT: string;
  E2E_REGISTRY_PREFIX: string;
  E2E_REGISTRY_CA: string;
  E2E_REGISTRY_CERT_DIR: string;
  E2E_REGISTRY_USER: string;
  E2E_REGISTRY_PASSWORD: string;
  E2E_REGISTRY_AUTH_FILE: string;
  E2E_SKOPEO_POLICY: string;
  E2E_UPSTREAM_IMAGES: string;
  E2E_QUAY_IMAGES: string;
  /** The node's name; empty when the cluster has no node (E2E_NODE=0). */
  E2E_NODE_NAME: string;
  /** Where the node keeps containerd's and the kubelet's state; empty without a node. */
  E2E_NODE_DIR: string;
  /** containerd's socket (`ctr -a`); empty without a node. */
  E2E_CONTAINERD_ADDRESS: string;
  /** The kubelet's podLogsDir (`kubectl logs` works too); empty without a node. */
  E2E_POD_LOG_DIR: string;
  /** The image built from the Dockerfile, in the upstream registry; empty when none was pushed. */
  E2E_PULLTHROUGH_IMAGE: string;
  /** `host:port` of the Harbor stand-in as Pods reach it (their 127.0.0.1 is their own); empty without a node. */
  E2E_REGISTRY_FOR_PODS: string;
}

/** Parses $E2E_DIR/env (KEY=value lines, '#' comments, no quoting). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function loadE2eEnv(dir = e2eDir()): E2eEnv {
  const file = join(dir, 'env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file} not readable: is the e2e cluster up? (test/e2e/cluster.sh up)`, { cause: err });
  }
  return parseEnvFile(text) as unknown as E2eEnv;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Where the child's stderr goes: collected (default) or passed through to ours. */
  stderr?: 'pipe' | 'inherit';
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class RunError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

/** Runs a command to completion with a time limit; rejects with a RunError on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', opts.stderr ?? 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new RunError(`${cmd}: ${err.message}`, null, stdout, stderr));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolvePromise({ stdout, stderr });
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      const detail = stderr.trim().split('\n').slice(-20).join('\n');
      reject(
        new RunError(`${cmd} ${args.join(' ')} ${why}${detail ? `:\n${detail}` : ''}`, code, stdout, stderr),
      );
    });
    child.stdin!.on('error', () => {}); // a child that exits early must not crash us with EPIPE
    child.stdin!.end(opts.input ?? '');
  });
}

/** kubectl (the one built with the cluster) against the e2e cluster. */
export async function kubectl(env: E2eEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  const { stdout } = await run(
    env.E2E_KUBECTL,
    ['--kubeconfig', env.KUBECONFIG, '--request-timeout=20s', ...args],
    {
      timeoutMs: 60_000,
      ...opts,
    },
  );
  return stdout;
}

export async function kubectlJson<T = unknown>(env: E2eEnv, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(env, [...args, '-o', 'json'])) as T;
}

/** skopeo with the harness's signature policy (accept anything: the images are our own). */
export async function skopeo(env: E2eEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  const { stdout } = await run('skopeo', ['--policy', env.E2E_SKOPEO_POLICY, ...args], {
    timeoutMs: 60_000,
    ...opts,
  });
  return stdout;
}

/**
 * Arguments that let skopeo read from the Harbor stand-in (TLS with its CA, basic auth): with the
 * env's account, or with `creds` (a Pod's pull secret, say).
 */
export function registrySourceArgs(
  env: E2eEnv,
  prefix: '' | 'src-' = '',
  creds: { readonly username: string; readonly password: string } = {
    username: env.E2E_REGISTRY_USER,
    password: env.E2E_REGISTRY_PASSWORD,
  },
): string[] {
  return [
    `--${prefix}cert-dir`,
    env.E2E_REGISTRY_CERT_DIR,
    `--${prefix}creds`,
    `${creds.username}:${creds.password}`,
  ];
}

/** test/e2e/cluster.sh COMMAND [ARG] against this env's E2E_DIR (e.g. stop/start upstream-registry). */
export async function cluster(env: E2eEnv, args: string[], opts: RunOptions = {}): Promise<string> {
  const { stdout } = await run(clusterSh, args, {
    timeoutMs: 120_000,
    env: { ...process.env, E2E_DIR: env.E2E_DIR },
    ...opts,
  });
  return stdout;
}

/** Polls fn until it returns a value other than undefined, or fails after timeoutMs with the last error. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A namespace name unique to this run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
