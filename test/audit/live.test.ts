import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ListExpiredError } from '../../src/audit/cluster.js';
import { connectCluster } from '../../src/audit/live.js';
import { FakeApiServer } from '../helpers/fake-api-server.js';
import { auditJson, run } from './run.js';

const pod = (namespace: string, name: string, image: string, metadata: Record<string, unknown> = {}) => ({
  metadata: { namespace, name, ...metadata },
  spec: { containers: [{ name: 'main', image }] },
});

const pods = [
  pod('shop', 'web-5d4f7b9c8-abcde', 'nginx:1.26-alpine', {
    labels: { 'pod-template-hash': '5d4f7b9c8' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f7b9c8', controller: true, uid: 'u' },
    ],
  }),
  pod('shop', 'web-5d4f7b9c8-fghij', 'nginx:1.26-alpine', {
    labels: { 'pod-template-hash': '5d4f7b9c8' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f7b9c8', controller: true, uid: 'u' },
    ],
  }),
  pod('shop', 'proxied', 'harbor.ingress.local/proxy_cache/library/httpd:latest'),
  pod('watched', 'audited', 'busybox:1.36'),
  pod('quiet', 'untouched', 'redis:7'),
  pod('kube-system', 'kube-proxy-x', 'registry.k8s.io/kube-proxy:v1.34.4'),
];
const namespaces = {
  shop: {},
  watched: { 'pullthrough.io/rewrite': 'audit' },
  quiet: { 'pullthrough.io/rewrite': 'disabled' },
  'kube-system': {},
  team: {},
  legacy: {},
};
// The pull secret admission injects (regcred-harbor): right in team, wrong type in legacy, absent
// from shop; the copy in the audited namespace does not matter (no /mutate there).
const secrets = {
  'team/regcred-harbor': 'kubernetes.io/dockerconfigjson',
  'legacy/regcred-harbor': 'Opaque',
  'watched/regcred-harbor': 'kubernetes.io/dockerconfigjson',
  'shop/other': 'kubernetes.io/dockerconfigjson',
};

describe('live mode over HTTP (@kubernetes/client-node against a stand-in API server)', () => {
  const server = new FakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-audit-kube-'));
  let kubeconfig: string;

  beforeAll(async () => {
    await server.start();
    for (const one of pods) server.putPod(one);
    for (const [name, labels] of Object.entries(namespaces)) server.putNamespace(name, labels);
    for (const [key, type] of Object.entries(secrets)) {
      const [namespace = '', name] = key.split('/');
      server.putSecret(namespace, { metadata: { name }, type });
    }
    kubeconfig = server.writeKubeconfig(dir);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.failures.length = 0;
  });

  it('lists Pods of all namespaces with limit and continue, and namespace labels with one list', async () => {
    const { lister } = connectCluster({ kubeconfig });
    const first = await lister.listPods({ namespace: undefined, limit: 4, continueToken: undefined });
    expect(first.items).toHaveLength(4);
    expect(first.continueToken).toBe('4');
    const second = await lister.listPods({ namespace: undefined, limit: 4, continueToken: '4' });
    expect(second.items).toHaveLength(2);
    expect(second.continueToken).toBeUndefined();
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/v1/pods?limit=4',
      '/api/v1/pods?continue=4&limit=4',
    ]);
    const labels = await lister.namespaceLabels(undefined);
    expect(labels.get('watched')).toMatchObject({ 'pullthrough.io/rewrite': 'audit' });
    expect(server.requests.at(-1)?.path).toBe('/api/v1/namespaces');
    // No watch, no streaming list: plain LISTs only.
    expect(
      server.requests.some((request) => request.query.has('watch') || request.query.has('sendInitialEvents')),
    ).toBe(false);
  });

  it('lists one namespace through its own path, and reads only that namespace', async () => {
    const { lister } = connectCluster({ kubeconfig });
    const page = await lister.listPods({ namespace: 'watched', limit: 500, continueToken: undefined });
    expect(page.items).toHaveLength(1);
    expect(await lister.namespaceLabels('watched')).toEqual(
      new Map([['watched', { 'kubernetes.io/metadata.name': 'watched', 'pullthrough.io/rewrite': 'audit' }]]),
    );
    expect(await lister.namespaceLabels('missing')).toEqual(new Map());
  });

  it('turns 410 Gone on a continued list into ListExpiredError, and other errors into a short message', async () => {
    const { lister } = connectCluster({ kubeconfig });
    server.failures.push({
      url: /continue=/,
      status: 410,
      message: 'The provided continue parameter is too old',
    });
    await expect(
      lister.listPods({ namespace: undefined, limit: 2, continueToken: '2' }),
    ).rejects.toBeInstanceOf(ListExpiredError);
    server.failures.push({
      url: /\/api\/v1\/pods/,
      status: 403,
      message: 'pods is forbidden: User "x" cannot list',
    });
    await expect(
      lister.listPods({ namespace: undefined, limit: 2, continueToken: undefined }),
    ).rejects.toThrow(
      /listing Pods on http:\/\/127\.0\.0\.1:\d+: HTTP 403: pods is forbidden: User "x" cannot list$/,
    );
  });

  it('audits the cluster through the CLI: replicas folded under their Deployment, namespaces as labelled', async () => {
    const { status, report, stderr } = await auditJson(['--kubeconfig', kubeconfig, '--page-size', '2']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(
      report.items.map((item: any) => [
        item.namespace,
        `${item.workload.kind}/${item.workload.name}`,
        item.pod,
        item.reason,
        item.mode,
      ]),
    ).toEqual([
      ['shop', 'Deployment/web', 'web-5d4f7b9c8-abcde', 'rewritten', 'enforce'],
      ['shop', 'Deployment/web', 'web-5d4f7b9c8-fghij', 'rewritten', 'enforce'],
      ['shop', 'Pod/proxied', 'proxied', 'already-proxied', 'enforce'],
      ['watched', 'Pod/audited', 'audited', 'rewritten', 'audit'],
      ['quiet', 'Pod/untouched', 'untouched', 'namespace-disabled', null],
      ['kube-system', 'Pod/kube-proxy-x', 'kube-proxy-x', 'namespace-excluded', null],
    ]);
    expect(report.summary).toMatchObject({
      source: 'cluster',
      pods: 6,
      workloads: 5,
      podsToRewrite: 2,
      wouldRewrite: 3,
    });
    expect(server.requests.filter((request) => request.path === '/api/v1/pods')).toHaveLength(3);
  });

  it('prints the Pods not yet proxied, by workload, in the table', async () => {
    const { status, stdout } = await run(['audit', '--kubeconfig', kubeconfig]);
    expect(status).toBe(0);
    expect(stdout).toContain('Not yet proxied: 2 pods (created before pullthrough, or while it was down);');
    expect(stdout).toMatch(/\n {2}shop {2}Deployment\/web {2}2 pods\n/);
    expect(stdout).toMatch(
      /^shop +Deployment\/web +2 +main +nginx:1\.26-alpine +harbor\.ingress\.local\/proxy_cache\/library\/nginx:1\.26-alpine +not yet proxied$/m,
    );
    expect(stdout).toMatch(/^watched +Pod\/audited +1 .* audit only$/m);
  });

  it('checks the pull secret in every namespace admission rewrites, and shows the problems first', async () => {
    const { report } = await auditJson(['--kubeconfig', kubeconfig]);
    expect(report.summary.pullSecrets).toEqual([
      { namespace: 'legacy', name: 'regcred-harbor', exists: true, type: 'Opaque' },
      { namespace: 'shop', name: 'regcred-harbor', exists: false, type: null },
      { namespace: 'team', name: 'regcred-harbor', exists: true, type: 'kubernetes.io/dockerconfigjson' },
    ]);
    // One LIST for the secret name across namespaces, narrowed by a field selector.
    expect(
      server.requests
        .filter((request) => request.path === '/api/v1/secrets')
        .map((request) => request.query.get('fieldSelector')),
    ).toEqual(['metadata.name=regcred-harbor']);

    const { stdout } = await run(['audit', '--kubeconfig', kubeconfig]);
    expect(stdout.split('\n').slice(0, 5)).toEqual([
      'Pull secrets: 2 of 3 missing or unusable where admission injects them.',
      'NAMESPACE  PULL SECRET     STATUS',
      'shop       regcred-harbor  MISSING: Pods here will fail with ImagePullBackOff',
      'legacy     regcred-harbor  type Opaque; want kubernetes.io/dockerconfigjson',
      'team       regcred-harbor  present, kubernetes.io/dockerconfigjson',
    ]);

    const one = await auditJson(['--kubeconfig', kubeconfig, '-n', 'team']);
    expect(one.report.summary.pullSecrets).toEqual([
      { namespace: 'team', name: 'regcred-harbor', exists: true, type: 'kubernetes.io/dockerconfigjson' },
    ]);
    expect(server.requests.at(-1)?.path).toBe('/api/v1/namespaces/team/pods');
    expect(server.requests.some((request) => request.path === '/api/v1/namespaces/team/secrets')).toBe(true);
  });

  it('hides the rows of excluded namespaces unless --all, and says so', async () => {
    const hidden = await run(['audit', '--kubeconfig', kubeconfig]);
    expect(hidden.stdout).not.toContain('kube-proxy');
    expect(hidden.stdout).toContain('  hidden: 1 image in excluded namespaces (--all shows them)\n');
    const all = await run(['audit', '--kubeconfig', kubeconfig, '--all']);
    expect(all.stdout).toMatch(/^kube-system +Pod\/kube-proxy-x +1 .* namespace-excluded$/m);
    expect(all.stdout).not.toContain('hidden:');
  });

  it('honours -n, --context and --scope', async () => {
    const one = await auditJson(['--kubeconfig', kubeconfig, '-n', 'shop', '--scope', 'opt-in']);
    expect(one.report.items.map((item: any) => item.reason)).toEqual([
      'namespace-not-enabled',
      'namespace-not-enabled',
      'namespace-not-enabled',
    ]);
    expect(server.requests.map((request) => request.path)).toEqual([
      '/api/v1/namespaces/shop',
      '/api/v1/namespaces/shop/pods',
    ]);

    const unknown = await run(['audit', '--kubeconfig', kubeconfig, '--context', 'nope']);
    expect(unknown).toMatchObject({ status: 2, stdout: '' });
    expect(unknown.stderr).toBe(
      'pullthrough audit: no context "nope" in the kubeconfig (contexts: fake, elsewhere)\n',
    );

    const missing = await run(['audit', '--kubeconfig', join(tmpdir(), 'no-such-kubeconfig')]);
    expect(missing).toMatchObject({ status: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^pullthrough audit: cannot load .*no-such-kubeconfig: ENOENT/);

    const unreachable = await run(['audit', '--kubeconfig', kubeconfig, '--context', 'elsewhere']);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr).toMatch(/^pullthrough audit: listing Pods on http:\/\/127\.0\.0\.1:9: /);
  });

  it('reports a namespace listing it may not do, and exits 1 with the report still printed', async () => {
    server.failures.push({ url: /\/api\/v1\/namespaces\?/, status: 403, message: 'namespaces is forbidden' });
    const { status, report, stderr } = await auditJson(['--kubeconfig', kubeconfig]);
    expect(status).toBe(1);
    expect(report.items).toHaveLength(6);
    expect(report.errors).toHaveLength(1);
    expect(stderr).toBe(
      'pullthrough audit: cluster: cannot read namespace labels (HTTP 403: namespaces is forbidden); every namespace is taken as unlabelled\n',
    );
  });

  it('exits 3 with --fail-on-rewrite when Pods are not yet proxied', async () => {
    expect((await run(['audit', '--kubeconfig', kubeconfig, '--fail-on-rewrite'])).status).toBe(3);
    expect(
      (await run(['audit', '--kubeconfig', kubeconfig, '-n', 'quiet', '--fail-on-rewrite'])).status,
    ).toBe(0);
  });

  it('reports progress on standard error with --progress, or when it is a terminal', async () => {
    const quiet = await run(['audit', '--kubeconfig', kubeconfig, '--page-size', '4', '-o', 'json']);
    expect(quiet.stderr).toBe('');
    const told = await run([
      'audit',
      '--kubeconfig',
      kubeconfig,
      '--page-size',
      '4',
      '-o',
      'json',
      '--progress',
    ]);
    expect(told.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^pullthrough audit: listing Pods in all namespaces of fake \(http:\/\/127\.0\.0\.1:\d+\)$/,
      ),
      'pullthrough audit: listed 4 pods…',
      'pullthrough audit: listed 6 pods…',
      '',
    ]);
    expect(JSON.parse(told.stdout).summary.pods).toBe(6);
    const tty = await run(['audit', '--kubeconfig', kubeconfig, '-o', 'json'], '', { stderrIsTTY: true });
    expect(tty.stderr).toContain('listed 6 pods…');
  });
});
