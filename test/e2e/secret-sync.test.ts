// `pullthrough sync-secrets` against the real kube-apiserver and kube-controller-manager of the e2e
// harness: two processes (`node dist/bin.js sync-secrets`, so run `npm run build` first, as
// `npm run test:e2e` does) running as a ServiceAccount that has exactly the RBAC the chart renders
// for secretSync (applied from `helm template`), electing a leader on a real Lease.
//
// They are started with scope opt-in, so they only touch this file's namespaces; a third process
// runs with scope cluster under a Secret name unique to the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { installHelm } from '../helpers/tools.js';
import { kubectl, repoRoot, run, uniqueName, waitFor, type E2eEnv } from './harness.js';

const env: E2eEnv = inject('e2eEnv');
const bin = join(repoRoot, 'dist/bin.js');
const LABEL = 'pullthrough.io/rewrite';
const MANAGED = 'pullthrough.io/managed-by';

const kc = new k8s.KubeConfig();
kc.loadFromFile(env.KUBECONFIG);
const core = kc.makeApiClient(k8s.CoreV1Api);
const coordination = kc.makeApiClient(k8s.CoordinationV1Api);

function isNotFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

async function readSecret(namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function dockerConfig(password: string): string {
  const auths = JSON.parse(readFileSync(env.E2E_REGISTRY_AUTH_FILE, 'utf8')) as {
    auths: Record<string, { username: string }>;
  };
  const [host, entry] = Object.entries(auths.auths)[0]!;
  const auth = Buffer.from(`${entry.username}:${password}`).toString('base64');
  return Buffer.from(
    JSON.stringify({ auths: { [host]: { username: entry.username, password, auth } } }),
  ).toString('base64');
}

/** One `pullthrough sync-secrets` process. */
class SyncProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output = '';

  constructor(
    readonly identity: string,
    readonly port: number,
    args: string[],
  ) {
    const childEnv = { ...process.env };
    delete childEnv.POD_NAMESPACE;
    delete childEnv.POD_NAME;
    delete childEnv.KUBECONFIG;
    this.child = spawn(
      process.execPath,
      [
        bin,
        'sync-secrets',
        ...args,
        '--identity',
        identity,
        '--metrics-host',
        '127.0.0.1',
        '--metrics-port',
        String(port),
      ],
      { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async metrics(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return res.text();
  }

  /** The value of a metric line (name with labels, exactly as exposed), or undefined. */
  async metric(series: string): Promise<number | undefined> {
    const line = (await this.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  async writes(): Promise<number> {
    const text = await this.metrics();
    return text
      .split('\n')
      .filter((l) => l.startsWith('pullthrough_secret_sync_writes_total{') && l.includes('result="success"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

interface Installed {
  release: string;
  manifests: string;
  serviceAccount: string;
  kubeconfig: string;
}

/**
 * Applies the chart's secretSync ServiceAccount and RBAC (nothing else) for a release in `namespace`,
 * and writes a kubeconfig that authenticates as that ServiceAccount.
 */
async function installSyncRbac(
  dir: string,
  namespace: string,
  values: Record<string, unknown>,
): Promise<Installed> {
  const helm = env.E2E_HELM || (await installHelm());
  const release = uniqueName('e2e-sync').slice(0, 30);
  const valuesFile = join(dir, `${release}.json`);
  await writeFile(valuesFile, JSON.stringify({ secretSync: { enabled: true }, ...values }));
  const { stdout } = await run(helm, [
    'template',
    release,
    join(repoRoot, 'charts/pullthrough'),
    '-n',
    namespace,
    '-f',
    valuesFile,
  ]);
  // The admission policy too: the controller must do its work within what it allows.
  const kinds = new Set([
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ]);
  const objects = parseAllDocuments(stdout)
    .map(
      (doc) =>
        doc.toJS() as { kind: string; metadata: { labels?: Record<string, string>; name: string } } | null,
    )
    .filter(
      (o) =>
        o !== null &&
        kinds.has(o.kind) &&
        o.metadata.labels?.['app.kubernetes.io/component'] === 'secret-sync',
    );
  const manifests = objects.map((o) => JSON.stringify(o)).join('\n');
  await kubectl(env, ['apply', '-f', '-'], { input: manifests });
  const serviceAccount = objects.find((o) => o!.kind === 'ServiceAccount')!.metadata.name;
  const token = (
    await kubectl(env, ['-n', namespace, 'create', 'token', serviceAccount, '--duration=2h'])
  ).trim();
  const kubeconfig = join(dir, `${release}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'e2e',
        cluster: {
          server: env.E2E_APISERVER_URL,
          'certificate-authority-data': readFileSync(env.E2E_CLUSTER_CA).toString('base64'),
        },
      },
    ],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'sync', context: { cluster: 'e2e', user: serviceAccount } }],
    'current-context': 'sync',
  };
  await writeFile(kubeconfig, JSON.stringify(config));
  return { release, manifests, serviceAccount, kubeconfig };
}

async function createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  await core.createNamespace({ body: { metadata: { name, labels } } });
}

describe('pullthrough sync-secrets against the e2e API server', () => {
  const rel = uniqueName('e2e-sync-rel');
  const ns = {
    enabled: uniqueName('e2e-sync-on'),
    plain: uniqueName('e2e-sync-plain'),
    audit: uniqueName('e2e-sync-audit'),
    disabled: uniqueName('e2e-sync-off'),
    later: uniqueName('e2e-sync-later'),
    foreign: uniqueName('e2e-sync-foreign'),
    failover: uniqueName('e2e-sync-failover'),
    crash: uniqueName('e2e-sync-crash'),
  };
  const SECRET = 'regcred-harbor';
  const processes: SyncProcess[] = [];
  let dir: string;
  let installed: Installed;
  let lease: string;
  let args: string[];

  const start = async (identity: string): Promise<SyncProcess> => {
    const p = new SyncProcess(identity, await freePort(), args);
    processes.push(p);
    await waitFor(`${identity} serving /healthz`, async () => {
      const res = await fetch(`http://127.0.0.1:${p.port}/readyz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
    return p;
  };
  const holder = async (): Promise<string | undefined> => {
    const l = await coordination.readNamespacedLease({ namespace: rel, name: lease }).catch(() => undefined);
    return l?.spec?.holderIdentity;
  };
  const leaderAndFollower = async (): Promise<[SyncProcess, SyncProcess]> => {
    const live = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const id = await waitFor('a lease holder', async () => {
      const h = await holder();
      return h && live.some((p) => p.identity === h) ? h : undefined;
    });
    const leader = live.find((p) => p.identity === id)!;
    return [leader, live.find((p) => p !== leader)!];
  };
  const copyIn = (namespace: string): Promise<k8s.V1Secret> =>
    waitFor(`the copy in ${namespace}`, () => readSecret(namespace, SECRET), 30_000);
  const goneFrom = (namespace: string): Promise<boolean> =>
    waitFor(
      `no copy in ${namespace}`,
      async () => ((await readSecret(namespace, SECRET)) ? undefined : true),
      30_000,
    );

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist/cli/sync-secrets-command.js'))) {
      throw new Error('dist/ has no sync-secrets command: run `npm run build` (npm run test:e2e does)');
    }
    dir = await mkdtemp(join(tmpdir(), 'pt-sync-e2e-'));
    await createNamespace(rel);
    await core.createNamespacedSecret({
      namespace: rel,
      body: {
        metadata: { name: SECRET },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerConfig('first-password') },
      },
    });
    installed = await installSyncRbac(dir, rel, {});
    lease = `${installed.release}-pullthrough-secret-sync`;
    args = [
      '--kubeconfig',
      installed.kubeconfig,
      '--source-namespace',
      rel,
      '--source-name',
      SECRET,
      '--scope',
      'opt-in',
      '--excluded-namespace',
      rel,
      '--lease-namespace',
      rel,
      '--lease-name',
      lease,
      '--resync-seconds',
      '3',
      '--log-level',
      'debug',
    ];
    await createNamespace(ns.enabled, { [LABEL]: 'enabled' });
    await createNamespace(ns.plain);
    await createNamespace(ns.audit, { [LABEL]: 'audit' });
    await createNamespace(ns.disabled, { [LABEL]: 'disabled' });
    await start('sync-a');
    await start('sync-b');
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    for (const name of [...Object.values(ns), rel])
      await core.deleteNamespace({ name }).catch(() => undefined);
    if (installed)
      await kubectl(env, ['delete', '--ignore-not-found', '-f', '-'], { input: installed.manifests });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies the source into a namespace labelled enabled, marked as ours, and nowhere else', async () => {
    const copy = await copyIn(ns.enabled);
    const source = (await readSecret(rel, SECRET))!;
    expect(copy.type).toBe('kubernetes.io/dockerconfigjson');
    expect(copy.data).toEqual(source.data);
    expect(copy.metadata!.labels).toEqual({ [MANAGED]: 'secret-sync' });
    expect(copy.metadata!.annotations).toMatchObject({
      'pullthrough.io/secret-sync-owner': `${rel}/${lease}`,
      'pullthrough.io/secret-sync-source': `${rel}/${SECRET}`,
      'pullthrough.io/secret-sync-hash': expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    // Two resyncs later still nothing in the namespaces the /mutate webhook does not cover.
    const [leader] = await leaderAndFollower();
    const reconciles =
      (await leader.metric('pullthrough_secret_sync_reconciles_total{result="success"}')) ?? 0;
    await waitFor('two more reconciles', async () => {
      const now = (await leader.metric('pullthrough_secret_sync_reconciles_total{result="success"}')) ?? 0;
      return now >= reconciles + 2 ? true : undefined;
    });
    for (const name of [ns.plain, ns.audit, ns.disabled])
      expect(await readSecret(name, SECRET), name).toBeUndefined();
    expect(await leader.metric('pullthrough_secret_sync_target_namespaces')).toBe(1);
  });

  it('gives a namespace created later its copy within seconds', async () => {
    const t0 = Date.now();
    await createNamespace(ns.later, { [LABEL]: 'enabled' });
    await copyIn(ns.later);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('updates every copy when the source is rotated', async () => {
    const source = (await readSecret(rel, SECRET))!;
    const before = (await readSecret(ns.enabled, SECRET))!;
    const rotated = dockerConfig('second-password');
    await core.replaceNamespacedSecret({
      namespace: rel,
      name: SECRET,
      body: { ...source, data: { '.dockerconfigjson': rotated } },
    });
    for (const name of [ns.enabled, ns.later]) {
      await waitFor(
        `the rotated copy in ${name}`,
        async () =>
          (await readSecret(name, SECRET))?.data?.['.dockerconfigjson'] === rotated ? true : undefined,
        30_000,
      );
    }
    const after = (await readSecret(ns.enabled, SECRET))!;
    expect(after.metadata!.uid).toBe(before.metadata!.uid); // updated in place, not recreated
    expect(after.metadata!.annotations!['pullthrough.io/secret-sync-hash']).not.toBe(
      before.metadata!.annotations!['pullthrough.io/secret-sync-hash'],
    );
  });

  it('removes the copy when the namespace label is removed', async () => {
    await kubectl(env, ['label', 'namespace', ns.later, `${LABEL}-`]);
    await goneFrom(ns.later);
    expect(await readSecret(ns.enabled, SECRET)).toBeDefined();
  });

  it('never touches a foreign Secret of the same name, reports it, and copies once it is gone', async () => {
    await createNamespace(ns.foreign);
    const foreign = await core.createNamespacedSecret({
      namespace: ns.foreign,
      body: {
        metadata: { name: SECRET, labels: { team: 'theirs' } },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerConfig('their-password') },
      },
    });
    await kubectl(env, ['label', 'namespace', ns.foreign, `${LABEL}=enabled`]);
    const [leader, follower] = await leaderAndFollower();
    await waitFor('the conflict reported', async () =>
      (await leader.metric('pullthrough_secret_sync_conflicts')) === 1 ? true : undefined,
    );
    expect(await follower.metric('pullthrough_secret_sync_conflicts')).toBe(0);
    // Several resyncs (3 s) later it is exactly as it was.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const still = (await readSecret(ns.foreign, SECRET))!;
    expect(still.metadata!.resourceVersion).toBe(foreign.metadata!.resourceVersion);
    expect(still.data).toEqual(foreign.data);
    expect(still.metadata!.labels).toEqual({ team: 'theirs' });
    expect(await leader.metric('pullthrough_secret_sync_conflicts')).toBe(1);

    await core.deleteNamespacedSecret({ namespace: ns.foreign, name: SECRET });
    const copy = await copyIn(ns.foreign);
    expect(copy.metadata!.labels).toEqual({ [MANAGED]: 'secret-sync' });
    await waitFor('the conflict cleared', async () =>
      (await leader.metric('pullthrough_secret_sync_conflicts')) === 0 ? true : undefined,
    );
  });

  it('runs as a ServiceAccount that can read Secrets of the copies’ and the source’s name only', async () => {
    const as = (args: string[]) =>
      run(env.E2E_KUBECTL, ['--kubeconfig', installed.kubeconfig, '--request-timeout=20s', ...args]);
    const allowed = await as([
      'get',
      'secrets',
      '-A',
      '--field-selector',
      `metadata.name=${SECRET}`,
      '-o',
      'name',
    ]);
    expect(allowed.stdout).toContain(`secret/${SECRET}`);
    await expect(as(['get', 'secrets', '-A', '-o', 'name'])).rejects.toThrow(/forbidden/i);
    await expect(as(['-n', rel, 'get', 'secret', 'default-token-x', '-o', 'name'])).rejects.toThrow(
      /forbidden/i,
    );
    await expect(
      as(['get', 'secrets', '-A', '--field-selector', 'metadata.name=other', '-o', 'name']),
    ).rejects.toThrow(/forbidden/i);
    const canI = async (verb: string, resource: string, namespace: string): Promise<string> =>
      (
        await as(['auth', 'can-i', verb, resource, '-n', namespace]).catch((err: { stdout: string }) => err)
      ).stdout.trim();
    expect(await canI('create', 'secrets', ns.plain)).toBe('yes');
    expect(await canI('delete', `secrets/${SECRET}`, ns.plain)).toBe('yes');
    expect(await canI('delete', 'secrets/other', ns.plain)).toBe('no');
    expect(await canI('update', `leases/${lease}`, rel)).toBe('yes');
    expect(await canI('update', 'leases/other', rel)).toBe('no');
    expect(await canI('create', 'pods', ns.plain)).toBe('no');
  });

  it('has exactly one instance writing: the lease holder', async () => {
    const [leader, follower] = await leaderAndFollower();
    expect(await leader.metric('pullthrough_secret_sync_leader')).toBe(1);
    expect(await follower.metric('pullthrough_secret_sync_leader')).toBe(0);
    expect(await leader.writes()).toBeGreaterThanOrEqual(4);
    expect(await follower.writes()).toBe(0);
  });

  it('fails over at once when the leader is stopped (SIGTERM releases the Lease)', async () => {
    const [leader, follower] = await leaderAndFollower();
    const t0 = Date.now();
    expect(await leader.stop('SIGTERM')).toBe(0);
    await waitFor(
      'the follower holding the lease',
      async () => ((await holder()) === follower.identity ? true : undefined),
      15_000,
    );
    const takeover = Date.now() - t0;
    expect(takeover).toBeLessThan(5_000);
    expect(leader.output).toContain('released the lease');
    await createNamespace(ns.failover, { [LABEL]: 'enabled' });
    await copyIn(ns.failover);
    expect(await follower.writes()).toBeGreaterThanOrEqual(1);
    expect(await follower.metric('pullthrough_secret_sync_leader')).toBe(1);
    await start(leader.identity === 'sync-a' ? 'sync-c' : 'sync-d'); // a new standby
  });

  it('fails over after the lease duration when the leader dies without releasing it (SIGKILL)', async () => {
    const [leader, follower] = await leaderAndFollower();
    const t0 = Date.now();
    await leader.stop('SIGKILL');
    await waitFor(
      'the follower holding the lease',
      async () => ((await holder()) === follower.identity ? true : undefined),
      40_000,
    );
    const takeover = Date.now() - t0;
    // Not before the lease (15 s) could have expired, measured from the last renewal (≤ 2 s before the kill).
    expect(takeover).toBeGreaterThanOrEqual(12_000);
    expect(takeover).toBeLessThan(25_000);
    await createNamespace(ns.crash, { [LABEL]: 'enabled' });
    await copyIn(ns.crash);
    const record = await coordination.readNamespacedLease({ namespace: rel, name: lease });
    expect(record.spec!.leaseTransitions).toBeGreaterThanOrEqual(2);
  }, 90_000);
});

describe('pullthrough sync-secrets with scope cluster', () => {
  const rel = uniqueName('e2e-syncc-rel');
  const target = uniqueName('regcred-e2e');
  const plain = uniqueName('e2e-syncc-plain');
  const disabled = uniqueName('e2e-syncc-off');
  let dir: string;
  let installed: Installed;
  let sync: SyncProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pt-sync-e2e-'));
    await createNamespace(rel);
    await core.createNamespacedSecret({
      namespace: rel,
      body: {
        metadata: { name: 'source' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerConfig('p') },
      },
    });
    installed = await installSyncRbac(dir, rel, {
      secretSync: { enabled: true, source: { name: 'source' }, targetName: target },
      config: {
        rules: [{ registry: 'docker.io', proxy: 'harbor.ingress.local/proxy_cache' }],
        pullSecrets: [target],
      },
    });
    await createNamespace(plain);
    await createNamespace(disabled, { [LABEL]: 'disabled' });
    sync = new SyncProcess('cluster-a', await freePort(), [
      '--kubeconfig',
      installed.kubeconfig,
      '--source-namespace',
      rel,
      '--source-name',
      'source',
      '--target-name',
      target,
      '--scope',
      'cluster',
      '--excluded-namespace',
      rel,
      '--lease-namespace',
      rel,
      '--lease-name',
      `${installed.release}-pullthrough-secret-sync`,
    ]);
  });

  afterAll(async () => {
    await sync?.stop();
    // Copies made in namespaces of other tests and the system ones: remove them all.
    await kubectl(env, [
      'delete',
      'secret',
      '-A',
      '--field-selector',
      `metadata.name=${target}`,
      '--ignore-not-found',
    ]);
    for (const name of [plain, disabled, rel]) await core.deleteNamespace({ name }).catch(() => undefined);
    if (installed)
      await kubectl(env, ['delete', '--ignore-not-found', '-f', '-'], { input: installed.manifests });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies into unlabelled namespaces, never kube-system, the release namespace or disabled ones, and removes it on disable', async () => {
    await waitFor(`the copy in ${plain}`, () => readSecret(plain, target), 30_000);
    await waitFor('the copy in default', () => readSecret('default', target), 30_000);
    for (const name of ['kube-system', rel, disabled])
      expect(await readSecret(name, target), name).toBeUndefined();
    await kubectl(env, ['label', 'namespace', plain, `${LABEL}=disabled`]);
    await waitFor(
      `no copy in ${plain}`,
      async () => ((await readSecret(plain, target)) ? undefined : true),
      30_000,
    );
    expect(await readSecret('default', target)).toBeDefined();
  });
});
