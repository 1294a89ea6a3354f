// Helpers for the tests that run Pods on the e2e node (test/e2e/cluster.sh without E2E_NODE=0): Pod
// phases and events, what the kubelet pulled (imageID, the Harbor stand-in's access log, the proxy's
// catalog), and the container processes as the host sees them (UID, read-only root).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, kubectlJson, run, waitFor, type E2eEnv } from './harness.js';

/** True when the cluster has a node (the env file names it). */
export function hasNode(env: E2eEnv): boolean {
  return Boolean(env.E2E_NODE_NAME);
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** The Pod once its phase is one of `phases`; fails early (with its events) when it can never get there. */
export async function waitForPhase(
  env: E2eEnv,
  namespace: string,
  name: string,
  phases: readonly PodPhase[] = ['Running'],
  timeoutMs = 120_000,
): Promise<any> {
  try {
    return await waitFor(
      `Pod ${namespace}/${name} ${phases.join(' or ')}`,
      async () => {
        const p = await kubectlJson<any>(env, ['-n', namespace, 'get', 'pod', name]);
        return phases.includes(p.status?.phase) ? p : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    const events = await eventMessages(env, namespace, name).catch(() => []);
    throw new Error(`${(err as Error).message}\nevents:\n  ${events.join('\n  ')}`, { cause: err });
  }
}

/** Every Pod matching `selector` (at least `count`) Running or Succeeded: what "the controller's Pods run" means. */
export async function waitForRunningPods(
  env: E2eEnv,
  namespace: string,
  selector: string,
  count = 1,
  timeoutMs = 150_000,
): Promise<any[]> {
  return waitFor(
    `${count} Pod(s) ${selector} in ${namespace} Running or Succeeded`,
    async () => {
      const list = await kubectlJson<{ items: any[] }>(env, ['-n', namespace, 'get', 'pods', '-l', selector]);
      const done = list.items.filter((p) => ['Running', 'Succeeded'].includes(p.status?.phase));
      return done.length >= count ? done : undefined;
    },
    timeoutMs,
    500,
  );
}

/** `reason: message` of the events about one object, oldest first. */
export async function eventMessages(env: E2eEnv, namespace: string, name: string): Promise<string[]> {
  const list = await kubectlJson<{ items: any[] }>(env, [
    '-n',
    namespace,
    'get',
    'events',
    '--field-selector',
    `involvedObject.name=${name}`,
  ]);
  return list.items
    .sort((a, b) => String(a.lastTimestamp ?? '').localeCompare(String(b.lastTimestamp ?? '')))
    .map((e) => `${e.reason}: ${e.message}`);
}

/** The digest part of a container's imageID (`<repo>@sha256:...`), as the kubelet resolved the pull. */
export function imageDigestOf(p: any, container: string): string {
  const all = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const status = all.find((s: any) => s.name === container);
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(status?.imageID ?? '')?.[1];
  if (!digest)
    throw new Error(`container ${container}: no digest in imageID ${JSON.stringify(status?.imageID)}`);
  return digest;
}

/** The Harbor stand-in's access log (nginx, combined format: `$remote_user` is the third field). */
export function registryAccessLog(env: E2eEnv): string[] {
  return readFileSync(join(env.E2E_LOG_DIR, 'nginx-access.log'), 'utf8').split('\n').filter(Boolean);
}

/** Access-log lines of authenticated manifest requests for `repository` under the proxy project, by `user`. */
export function authenticatedPulls(env: E2eEnv, repository: string, user = env.E2E_REGISTRY_USER): string[] {
  const path = `/v2/${env.E2E_REGISTRY_PROJECT}/${repository}/manifests/`;
  return registryAccessLog(env).filter(
    (line) => line.includes(` ${user} [`) && line.includes(path) && / (200|304) /.test(line),
  );
}

/** The host PID of a running container (containerd's task), from its `containerd://<id>` containerID. */
export async function containerPid(env: E2eEnv, p: any, container: string): Promise<number> {
  const status = (p.status?.containerStatuses ?? []).find((s: any) => s.name === container);
  const id = /^containerd:\/\/([0-9a-f]+)$/.exec(status?.containerID ?? '')?.[1];
  if (!id) throw new Error(`container ${container} of ${p.metadata.name} has no containerd ID yet`);
  const { stdout } = await run('ctr', ['-a', env.E2E_CONTAINERD_ADDRESS, '-n', 'k8s.io', 'tasks', 'ls'], {
    timeoutMs: 20_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(`${id} `));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no running task for container ${id}`);
  return pid;
}

/** Real and effective UID of a host process (/proc/PID/status). */
export function processUids(pid: number): { real: number; effective: number } {
  const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!uid) throw new Error(`/proc/${pid}/status has no Uid line`);
  return { real: Number(uid[1]), effective: Number(uid[2]) };
}

/** Whether the process's root filesystem is mounted read-only (its own mount namespace). */
export function rootIsReadOnly(pid: number): boolean {
  const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[4] === '/');
  if (!root) throw new Error(`/proc/${pid}/mountinfo has no / mount`);
  return root[5]!.split(',').includes('ro');
}

/** GET http://IP:8080/ of a Pod running a seeded image: the image's own name (its /www/index.html). */
export async function servedBy(p: any): Promise<string> {
  const res = await fetch(`http://${p.status.podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
  return (await res.text()).trim();
}

/** Deletes and waits (bounded) for Pods to be gone, e.g. before checking what the node pulls next. */
export async function deletePods(env: E2eEnv, namespace: string, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await kubectl(
    env,
    ['-n', namespace, 'delete', 'pod', '--grace-period=1', '--wait=true', '--timeout=60s', ...names],
    {
      timeoutMs: 90_000,
    },
  );
}

/** A container's log as the kubelet wrote it (CRI format), newest restart last; `kubectl logs` reads the same. */
export function containerLog(env: E2eEnv, p: any, container: string): string {
  const dir = join(
    env.E2E_POD_LOG_DIR,
    `${p.metadata.namespace}_${p.metadata.name}_${p.metadata.uid}`,
    container,
  );
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /^\d+\.log$/.test(f))
      .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  } catch {
    return '';
  }
  // `<time> <stream> <P|F> <text>`: keep the text.
  return files
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('')
    .split('\n')
    .map((line) => line.split(' ').slice(3).join(' '))
    .join('\n');
}

/**
 * Manifest requests containerd made straight to the upstream registry as Docker Hub's mirror (its
 * hosts.toml adds `?ns=docker.io`; the proxy cache's own upstream requests do not): pulls that did
 * not go through the cache.
 */
export function directPulls(env: E2eEnv, repository: string): string[] {
  return readFileSync(join(env.E2E_LOG_DIR, 'upstream-registry.log'), 'utf8')
    .split('\n')
    .filter(
      (line) =>
        line.includes(`/v2/${repository}/manifests/`) &&
        line.includes('ns=docker.io') &&
        line.includes('"containerd/') &&
        / 200 /.test(line),
    );
}
