// The chart's ValidatingAdmissionPolicies against the real kube-apiserver (issue #13, items 7 and 8):
// what RBAC cannot narrow, the policies do. With the chart's ServiceAccounts, RBAC and policies
// applied, the webhook's token patches the caBundle through the server's own code and nothing else
// of its MutatingWebhookConfiguration, and the secret-sync token can write only labelled
// dockerconfigjson copies of the pull secret outside excluded namespaces: the token-minting attack
// (a kubernetes.io/service-account-token Secret in kube-system) is refused.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubeCertificateStore } from '../../src/kube/kube-certificate-store.js';
import { kubectl, kubectlJson, waitFor, type E2eEnv } from './harness.js';
import { asList, chartFullname, helmTemplate, parseManifests, type Manifest } from './chart.js';
import { kubectlFull, Namespaces } from './cluster.js';

const env: E2eEnv = inject('e2eEnv');
const release = 'pt-e2e-vap';
const fullname = chartFullname(release);
const syncName = `${fullname}-secret-sync`;
const KINDS = [
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
];

/** Runs kubectl; resolves to what it printed, or to its error output when it failed. */
async function attempt(args: string[], input?: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await kubectlFull(env, args, input);
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stderr ?? ''}${failed.stdout ?? ''}${failed.message}` };
  }
}

const secret = (
  namespace: string,
  type: string,
  labels: Record<string, string> = {},
  name = 'regcred-harbor',
) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels, annotations: { 'kubernetes.io/service-account.name': 'default' } },
    type,
    ...(type === 'kubernetes.io/dockerconfigjson'
      ? { data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } }
      : {}),
  });

const MANAGED = { 'pullthrough.io/managed-by': 'secret-sync' };

describe('the chart’s admission policies, enforced by the real API server', () => {
  const namespaces = new Namespaces(env);
  let ns: string;
  let appNs: string;
  let webhookAs: string;
  let syncAs: string;

  beforeAll(async () => {
    ns = await namespaces.create('pt-e2e-vap', {}, { pullSecret: false });
    appNs = await namespaces.create('pt-e2e-vap-app', {}, { pullSecret: false });
    webhookAs = `--as=system:serviceaccount:${ns}:${fullname}`;
    syncAs = `--as=system:serviceaccount:${ns}:${syncName}`;
    const rendered = parseManifests(await helmTemplate(env, release, ns, { secretSync: { enabled: true } }));
    const objects = rendered.filter((m) => KINDS.includes(m.kind));
    expect(objects.filter((m) => m.kind === 'ValidatingAdmissionPolicy')).toHaveLength(2);
    // The configuration must not call anything during the suite: no namespace carries this label.
    for (const m of objects.filter((o) => o.kind === 'MutatingWebhookConfiguration') as (Manifest & {
      webhooks: { namespaceSelector: unknown }[];
    })[]) {
      for (const hook of m.webhooks) hook.namespaceSelector = { matchLabels: { 'pt-e2e-vap': 'never' } };
    }
    await kubectl(env, ['apply', '-f', '-'], { input: asList(objects) });
    // Policies start being enforced once the API server has compiled them.
    await waitFor(
      'the policies to be enforced',
      async () => {
        const tried = await attempt([
          webhookAs,
          'label',
          'mutatingwebhookconfiguration',
          fullname,
          'pt-e2e-vap-probe=1',
          '--dry-run=server',
        ]);
        return !tried.ok && tried.output.includes('ValidatingAdmissionPolicy') ? true : undefined;
      },
      60_000,
      500,
    );
  });

  afterAll(async () => {
    const cluster = (kind: string, name: string) =>
      kubectl(env, ['delete', kind, name, '--ignore-not-found']).catch(() => undefined);
    await cluster('mutatingwebhookconfiguration', fullname);
    for (const name of [`${fullname}-webhook-config-guard`, `${syncName}-secret-guard`]) {
      await cluster('validatingadmissionpolicybinding', name);
      await cluster('validatingadmissionpolicy', name);
    }
    for (const name of [fullname, syncName]) {
      await cluster('clusterrolebinding', name);
      await cluster('clusterrole', name);
    }
    await namespaces.deleteAll();
  });

  it('the webhook’s token patches the caBundle through the server’s own code', async () => {
    const token = (await kubectl(env, ['-n', ns, 'create', 'token', fullname, '--duration=10m'])).trim();
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'e2e', server: env.E2E_APISERVER_URL, caFile: env.E2E_CLUSTER_CA }],
      users: [{ name: 'sa', token }],
      contexts: [{ name: 'sa', cluster: 'e2e', user: 'sa', namespace: ns }],
      currentContext: 'sa',
    });
    const store = kubeCertificateStore({
      namespace: ns,
      secretName: `${fullname}-tls`,
      webhookConfigName: fullname,
      kubeConfig,
    });
    const current = await store.getWebhookConfiguration();
    expect(current).toBeDefined();
    await store.patchCaBundle('-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n', current!);
    const after = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', fullname]);
    for (const hook of after.webhooks) expect(hook.clientConfig.caBundle).toBeTruthy();
  });

  it.each([
    ['widen the namespace selector', [{ op: 'replace', path: '/webhooks/0/namespaceSelector', value: {} }]],
    ['match Secrets too', [{ op: 'add', path: '/webhooks/0/rules/0/resources/-', value: 'secrets' }]],
    [
      'point the webhook at another server',
      [
        { op: 'remove', path: '/webhooks/0/clientConfig/service' },
        { op: 'add', path: '/webhooks/0/clientConfig/url', value: 'https://attacker.example/mutate' },
      ],
    ],
    ['turn failures into denials', [{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Fail' }]],
    ['drop a webhook', [{ op: 'remove', path: '/webhooks/1' }]],
    ['relabel the configuration', [{ op: 'add', path: '/metadata/labels/hijacked', value: 'yes' }]],
  ])('the webhook’s token cannot %s', async (_what, patch) => {
    const tried = await attempt([
      webhookAs,
      'patch',
      'mutatingwebhookconfiguration',
      fullname,
      '--type=json',
      '-p',
      JSON.stringify(patch),
    ]);
    expect(tried.ok).toBe(false);
    expect(tried.output).toContain(`ValidatingAdmissionPolicy '${fullname}-webhook-config-guard'`);
  });

  it('the webhook’s token cannot create Secrets at all (no create grant)', async () => {
    const tried = await attempt([webhookAs, 'create', '-f', '-'], secret(ns, 'Opaque', {}, 'anything'));
    expect(tried.ok).toBe(false);
    expect(tried.output).toMatch(/forbidden/i);
  });

  it('the token-minting attack fails: no service-account-token Secret, in kube-system or anywhere', async () => {
    const inKubeSystem = await attempt(
      [syncAs, 'create', '-f', '-'],
      secret('kube-system', 'kubernetes.io/service-account-token'),
    );
    expect(inKubeSystem.ok).toBe(false);
    expect(inKubeSystem.output).toContain(`ValidatingAdmissionPolicy '${syncName}-secret-guard'`);
    const labelled = await attempt(
      [syncAs, 'create', '-f', '-'],
      secret(appNs, 'kubernetes.io/service-account-token', MANAGED),
    );
    expect(labelled.ok).toBe(false);
    expect(labelled.output).toContain('may only write Secrets of type kubernetes.io/dockerconfigjson');
    const notThere = await attempt(['-n', 'kube-system', 'get', 'secret', 'regcred-harbor']);
    expect(notThere.ok).toBe(false);
  });

  it('secret-sync may write only labelled dockerconfigjson copies, by name, outside excluded namespaces', async () => {
    const create = (body: string) => attempt([syncAs, 'create', '-f', '-'], body);
    const unlabelled = await create(secret(appNs, 'kubernetes.io/dockerconfigjson'));
    expect(unlabelled.output).toContain('labelled pullthrough.io/managed-by=secret-sync');
    const otherName = await create(secret(appNs, 'kubernetes.io/dockerconfigjson', MANAGED, 'other'));
    expect(otherName.output).toContain('may only write Secrets named regcred-harbor');
    const excluded = await create(secret(ns, 'kubernetes.io/dockerconfigjson', MANAGED));
    expect(excluded.output).toContain('may not write Secrets in an excluded namespace');
    expect([unlabelled.ok, otherName.ok, excluded.ok]).toEqual([false, false, false]);

    const copy = await create(secret(appNs, 'kubernetes.io/dockerconfigjson', MANAGED));
    expect(copy.ok).toBe(true);
    const removed = await attempt([syncAs, '-n', appNs, 'delete', 'secret', 'regcred-harbor']);
    expect(removed.ok).toBe(true);

    // A Secret of that name that secret-sync did not create is not its to delete.
    await kubectl(env, ['create', '-f', '-'], { input: secret(appNs, 'kubernetes.io/dockerconfigjson') });
    const foreign = await attempt([syncAs, '-n', appNs, 'delete', 'secret', 'regcred-harbor']);
    expect(foreign.ok).toBe(false);
    expect(foreign.output).toContain('only change or delete Secrets it created');
  });
});
