// `pullthrough audit` in live mode against the real kube-apiserver of the e2e harness: Pods in
// namespaces with each `pullthrough.io/rewrite` label (and none), a Deployment whose Pods the
// controllers create, a Pod already proxied and a Pod opted out. No webhook is registered here, so
// every Pod is "created before pullthrough": the audit must predict what admission would do.
import { Readable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handleReview } from '../../src/admission/handle-review.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { createReview } from '../fixtures/load.js';
import { KUSTOMIZE_OUTPUT } from '../audit/fixtures.js';
import { kubectl, uniqueName, waitFor, type E2eEnv } from './harness.js';

const env: E2eEnv = inject('e2eEnv');
const PROXIED = 'harbor.ingress.local/proxy_cache/library/httpd:latest';

async function audit(
  args: string[],
  stdin = '',
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(['audit', ...args], {
    stdin: Readable.from([stdin]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { status, stdout, stderr };
}

async function auditJson(args: string[]): Promise<any> {
  const result = await audit([...args, '--output', 'json']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

function isNotFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

const pod = (name: string, image: string, labels: Record<string, string> = {}): k8s.V1Pod => ({
  metadata: { name, labels },
  spec: {
    initContainers: [{ name: 'init', image: 'busybox:1.36' }],
    containers: [{ name: 'main', image }],
  },
});

describe('pullthrough audit against the e2e API server', () => {
  const kc = new k8s.KubeConfig();
  let core: k8s.CoreV1Api;
  const ns = {
    plain: uniqueName('e2e-audit-plain'),
    enabled: uniqueName('e2e-audit-enabled'),
    audit: uniqueName('e2e-audit-audit'),
    disabled: uniqueName('e2e-audit-disabled'),
  };
  const ours = new Set(Object.values(ns));
  const mine = (report: any) => report.items.filter((item: any) => ours.has(item.namespace));
  const row = (item: any) =>
    `${item.namespace} ${item.workload.kind}/${item.workload.name} ${item.field}/${item.container} ${item.reason} ${item.mode}`;

  beforeAll(async () => {
    kc.loadFromFile(env.KUBECONFIG);
    core = kc.makeApiClient(k8s.CoreV1Api);
    const labels: Record<keyof typeof ns, Record<string, string>> = {
      plain: {},
      enabled: { 'pullthrough.io/rewrite': 'enabled' },
      audit: { 'pullthrough.io/rewrite': 'audit' },
      disabled: { 'pullthrough.io/rewrite': 'disabled' },
    };
    for (const key of Object.keys(ns) as (keyof typeof ns)[]) {
      await core.createNamespace({ body: { metadata: { name: ns[key], labels: labels[key] } } });
      // The ServiceAccount admission plugin refuses Pods until the namespace has its default SA.
      await waitFor(`ServiceAccount default in ${ns[key]}`, async () => {
        try {
          return await core.readNamespacedServiceAccount({ name: 'default', namespace: ns[key] });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      });
      await core.createNamespacedPod({ namespace: ns[key], body: pod('web', 'nginx:1.26-alpine') });
    }
    await core.createNamespacedPod({ namespace: ns.plain, body: pod('proxied', PROXIED) });
    await core.createNamespacedPod({
      namespace: ns.plain,
      body: pod('opted-out', 'redis:7', { 'pullthrough.io/rewrite': 'disabled' }),
    });
    // Scenario 1 as kubectl apply -k applies it (the rendered base, scaled to 2): its Pods are
    // created by a ReplicaSet, which the Deployment owns.
    await kubectl(env, ['-n', ns.plain, 'apply', '-f', '-'], { input: KUSTOMIZE_OUTPUT });
    await kubectl(env, ['-n', ns.plain, 'scale', 'deployment/app-with-kustomize', '--replicas=2']);
    await waitFor(
      'the 2 Pods of app-with-kustomize',
      async () => {
        const list = await core.listNamespacedPod({
          namespace: ns.plain,
          labelSelector: 'app=app-with-kustomize',
        });
        return list.items.length === 2 ? list.items : undefined;
      },
      90_000,
    );
  });

  afterAll(async () => {
    for (const name of Object.values(ns)) await core.deleteNamespace({ name }).catch(() => undefined);
  });

  it('reports every image field of every Pod with what admission would do, by namespace label', async () => {
    const report = await auditJson(['--kubeconfig', env.KUBECONFIG]);
    expect(report.summary.source).toBe('cluster');
    expect(mine(report).map(row).sort()).toEqual(
      [
        `${ns.plain} Pod/web initContainers/init rewritten enforce`,
        `${ns.plain} Pod/web containers/main rewritten enforce`,
        `${ns.plain} Pod/proxied initContainers/init rewritten enforce`,
        `${ns.plain} Pod/proxied containers/main already-proxied enforce`,
        `${ns.plain} Pod/opted-out initContainers/init opt-out-label null`,
        `${ns.plain} Pod/opted-out containers/main opt-out-label null`,
        `${ns.plain} Deployment/app-with-kustomize containers/nginx rewritten enforce`,
        `${ns.plain} Deployment/app-with-kustomize containers/nginx rewritten enforce`,
        `${ns.enabled} Pod/web initContainers/init rewritten enforce`,
        `${ns.enabled} Pod/web containers/main rewritten enforce`,
        `${ns.audit} Pod/web initContainers/init rewritten audit`,
        `${ns.audit} Pod/web containers/main rewritten audit`,
        `${ns.disabled} Pod/web initContainers/init namespace-disabled null`,
        `${ns.disabled} Pod/web containers/main namespace-disabled null`,
      ].sort(),
    );
    const nginx = mine(report).find((item: any) => item.workload.name === 'app-with-kustomize');
    expect(nginx.result).toBe('harbor.ingress.local/proxy_cache/library/nginx:1.26-alpine');
    expect(nginx.pod).toMatch(/^app-with-kustomize-[a-z0-9]+-[a-z0-9]+$/);
  });

  it('decides each Pod exactly as the admission handler does for that Pod', async () => {
    const report = await auditJson(['--kubeconfig', env.KUBECONFIG, '-n', ns.plain]);
    const runtime = createRuntime(DEFAULT_CONFIG);
    const pods = (await core.listNamespacedPod({ namespace: ns.plain })).items;
    expect(pods).toHaveLength(5);
    for (const live of pods) {
      const { summary } = handleReview(createReview(JSON.parse(JSON.stringify(live))), 'mutate', runtime);
      const items = report.items.filter((item: any) => item.pod === live.metadata!.name);
      if (summary.skipped !== undefined) {
        expect(items.every((item: any) => item.reason === summary.skipped)).toBe(true);
        continue;
      }
      expect(
        items.map((item: any) => [item.field, item.container, item.image, item.result, item.reason]),
      ).toEqual(
        summary.images.map((image) => [
          image.field,
          image.name,
          image.decision.input,
          image.decision.output,
          image.decision.reason,
        ]),
      );
    }
  });

  it('previews from the manifests exactly what the live Pods of the same manifests show', async () => {
    const preview = await audit(['-f', '-', '-n', ns.plain, '--output', 'json'], KUSTOMIZE_OUTPUT);
    expect(preview.status).toBe(0);
    const live = await auditJson(['--kubeconfig', env.KUBECONFIG, '-n', ns.plain]);
    const key = (item: any) =>
      [
        item.namespace,
        item.workload.kind,
        item.workload.name,
        item.field,
        item.container,
        item.image,
        item.result,
        item.reason,
        item.mode,
      ].join(' ');
    const fromManifests = JSON.parse(preview.stdout).items.map(key);
    const fromCluster = new Set(
      live.items.filter((item: any) => item.workload.name === 'app-with-kustomize').map(key),
    );
    expect(fromManifests).toEqual([...fromCluster]);
  });

  it('predicts the opt-in scope and excluded namespaces like the chart selectors', async () => {
    const optIn = await auditJson(['--kubeconfig', env.KUBECONFIG, '--scope', 'opt-in']);
    const byNamespace = (report: any) =>
      Object.fromEntries(mine(report).map((item: any) => [item.namespace, `${item.reason} ${item.mode}`]));
    expect(byNamespace(optIn)).toMatchObject({
      [ns.plain]: 'namespace-not-enabled null',
      [ns.enabled]: 'rewritten enforce',
      [ns.audit]: 'rewritten audit',
      [ns.disabled]: 'namespace-disabled null',
    });
    const excluded = await auditJson(['--kubeconfig', env.KUBECONFIG, '--excluded-namespace', ns.enabled]);
    expect(byNamespace(excluded)[ns.enabled]).toBe('namespace-excluded null');
  });

  it('pages through the real server: one Pod per page gives the same report as one page', async () => {
    const whole = await auditJson(['--kubeconfig', env.KUBECONFIG, '--page-size', '500']);
    const paged = await audit([
      '--kubeconfig',
      env.KUBECONFIG,
      '--page-size',
      '1',
      '--output',
      'json',
      '--progress',
    ]);
    expect(paged.status).toBe(0);
    expect(mine(JSON.parse(paged.stdout))).toEqual(mine(whole));
    const pages = paged.stderr.split('\n').filter((line) => line.includes('listed'));
    expect(pages.length).toBeGreaterThanOrEqual(8);
  });

  it('lists one namespace with -n, and reads the kubeconfig from $KUBECONFIG', async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = env.KUBECONFIG;
    try {
      const report = await auditJson(['-n', ns.audit]);
      expect(report.items.map(row)).toEqual([
        `${ns.audit} Pod/web initContainers/init rewritten audit`,
        `${ns.audit} Pod/web containers/main rewritten audit`,
      ]);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('tells the operator which Pods are not yet proxied, and fails a CI gate on them', async () => {
    const table = await audit(['--kubeconfig', env.KUBECONFIG, '-n', ns.plain]);
    expect(table.status).toBe(0);
    expect(table.stdout).toContain('Not yet proxied: 4 pods');
    expect(table.stdout).toContain(`  ${ns.plain}  Deployment/app-with-kustomize  2 pods\n`);
    const gate = await audit(['--kubeconfig', env.KUBECONFIG, '-n', ns.disabled, '--fail-on-rewrite']);
    expect(gate.status).toBe(0);
    expect((await audit(['--kubeconfig', env.KUBECONFIG, '-n', ns.plain, '--fail-on-rewrite'])).status).toBe(
      3,
    );
  });
});
