// The cluster side of the e2e suite: test namespaces, kubectl with its admission warnings, Pods and
// their images, and the API server's feature gates.
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ORIGINAL_IMAGES_ANNOTATION } from '../../src/core/mutate-pod.js';
import { kubectl, kubectlJson, run, uniqueName, waitFor, type E2eEnv } from './harness.js';

/** The embedded default's pull secret. */
export const PULL_SECRET = DEFAULT_CONFIG.pullSecrets[0]!;

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
  const text = p.metadata?.annotations?.[ORIGINAL_IMAGES_ANNOTATION];
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, string>);
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
