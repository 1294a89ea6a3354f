// secretSync: the `pullthrough sync-secrets` Deployment, its ServiceAccount and RBAC; absent when off,
// and selecting exactly the namespaces the rendered /mutate webhook covers when on.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { wantsCopy, type SyncSettings } from '../../src/sync/plan.js';
import {
  all,
  endpointsFor,
  fullname,
  type Manifest,
  namespace,
  one,
  useChart,
  webhookConfiguration,
} from './render.js';

const chart = useChart();

const syncName = `${fullname}-secret-sync`;
const enabled = { secretSync: { enabled: true } };

function syncDeployment(manifests: Manifest[]): V1Deployment {
  return one<V1Deployment>(manifests, 'Deployment', syncName);
}

function syncArgs(manifests: Manifest[]): string[] {
  return syncDeployment(manifests).spec!.template.spec!.containers[0]!.args!;
}

/** The rules of every Role and ClusterRole bound to a ServiceAccount. */
function rulesOf(manifests: Manifest[], serviceAccount: string): V1PolicyRule[] {
  const bindings = [
    ...all<V1RoleBinding>(manifests, 'RoleBinding'),
    ...all<V1ClusterRoleBinding>(manifests, 'ClusterRoleBinding'),
  ].filter((binding) =>
    binding.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount),
  );
  return bindings.flatMap((binding) => {
    const role = one<V1Role | V1ClusterRole>(manifests, binding.roleRef.kind, binding.roleRef.name);
    return role.rules ?? [];
  });
}

describe('secretSync off (the default)', () => {
  it('renders nothing of it: no second Deployment, ServiceAccount, role or Lease access', async () => {
    const manifests = await chart.render();
    expect(manifests.filter((m) => m.metadata.name.includes('secret-sync'))).toEqual([]);
    expect(all(manifests, 'Deployment')).toHaveLength(1);
    const rules = manifests
      .filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole')
      .flatMap((m) => (m as V1Role).rules ?? []);
    expect(
      rules.filter((r) => r.resources?.includes('leases') || r.resources?.includes('namespaces')),
    ).toEqual([]);
    expect(rules.filter((r) => r.resources?.includes('secrets') && r.verbs.includes('list'))).toEqual([]);
  });
});

describe('secretSync on', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await chart.render({ values: { ...enabled, excludedNamespaces: ['harbor'] } });
  });

  it('runs `sync-secrets` with the webhook’s scope, mode and exclusions, a Lease in the release namespace and metrics on 8080', () => {
    expect(syncArgs(manifests)).toEqual([
      'sync-secrets',
      '--source-namespace',
      namespace,
      '--source-name',
      'regcred-harbor',
      '--target-name',
      'regcred-harbor',
      '--scope',
      'cluster',
      '--mode',
      'enforce',
      '--excluded-namespace',
      'kube-system',
      '--excluded-namespace',
      namespace,
      '--excluded-namespace',
      'harbor',
      '--lease-name',
      syncName,
      '--lease-namespace',
      '$(POD_NAMESPACE)',
      '--resync-seconds',
      '300',
      '--metrics-port',
      '8080',
      '--log-level',
      'info',
    ]);
  });

  it('is a second Deployment of the same image, 2 replicas, its own ServiceAccount, with the webhook’s security contexts', () => {
    const webhook = one<V1Deployment>(manifests, 'Deployment', fullname).spec!.template.spec!;
    const deployment = syncDeployment(manifests);
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(deployment.spec!.replicas).toBe(2);
    expect(deployment.spec!.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'pullthrough',
      'app.kubernetes.io/instance': 'pullthrough',
      'app.kubernetes.io/component': 'secret-sync',
    });
    expect(container.image).toBe(webhook.containers[0]!.image);
    expect(pod.serviceAccountName).toBe(syncName);
    expect(one(manifests, 'ServiceAccount', syncName).metadata.namespace).toBe(namespace);
    expect(pod.securityContext).toEqual(webhook.securityContext);
    expect(container.securityContext).toEqual(webhook.containers[0]!.securityContext);
    expect(container.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    expect(container.ports).toEqual([{ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
    expect(container.resources).toEqual({
      requests: { cpu: '10m', memory: '64Mi' },
      limits: { memory: '192Mi' },
    });
  });

  it('may list, watch, update and delete only Secrets named like the copies, create any, and read namespaces', () => {
    expect(one<V1ClusterRole>(manifests, 'ClusterRole', syncName).rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['regcred-harbor'],
        verbs: ['list', 'watch', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
  });

  it('may list and watch the source Secret only, in its namespace', () => {
    const role = one<V1Role>(manifests, 'Role', `${syncName}-source`);
    expect(role.metadata!.namespace).toBe(namespace);
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['regcred-harbor'],
        verbs: ['list', 'watch'],
      },
    ]);
  });

  it('may get and update its own Lease only, and create Leases, in the release namespace', () => {
    const role = one<V1Role>(manifests, 'Role', `${syncName}-lease`);
    expect(role.metadata!.namespace).toBe(namespace);
    expect(role.rules).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: [syncName],
        verbs: ['get', 'update'],
      },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
  });

  it('binds all three roles to the sync ServiceAccount and nothing else to it', () => {
    const subject = [{ kind: 'ServiceAccount', name: syncName, namespace }];
    expect(one<V1ClusterRoleBinding>(manifests, 'ClusterRoleBinding', syncName).subjects).toEqual(subject);
    for (const name of [`${syncName}-source`, `${syncName}-lease`]) {
      const binding = one<V1RoleBinding>(manifests, 'RoleBinding', name);
      expect(binding.subjects).toEqual(subject);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
    }
    expect(rulesOf(manifests, syncName)).toHaveLength(6);
  });

  it('never gives the webhook’s ServiceAccount access to other Secrets, namespaces or Leases', () => {
    const rules = rulesOf(manifests, fullname);
    for (const rule of rules.filter((r) => r.resources?.includes('secrets'))) {
      if (rule.resourceNames) expect(rule.resourceNames).toEqual([`${fullname}-tls`]);
      else expect(rule.verbs).toEqual(['create']);
    }
    expect(rules.filter((r) => r.resources?.some((x) => ['namespaces', 'leases'].includes(x)))).toEqual([]);
  });

  it('labels everything it adds as the secret-sync component', () => {
    const added = manifests.filter((m) => m.metadata.name.startsWith(syncName));
    expect(added.map((m) => m.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'PodDisruptionBudget',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'ServiceAccount',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
    for (const m of added)
      expect(m.metadata.labels?.['app.kubernetes.io/component'], m.kind).toBe('secret-sync');
  });
});

describe('secretSync selects the namespaces of the /mutate webhook', () => {
  const cases = [
    { scope: 'cluster', mode: 'enforce' },
    { scope: 'opt-in', mode: 'enforce' },
    { scope: 'cluster', mode: 'audit' },
    { scope: 'opt-in', mode: 'audit' },
  ] as const;
  const namespaces = ['apps', 'kube-system', namespace, 'harbor'];
  const labels = [undefined, 'enabled', 'audit', 'disabled', 'other'];

  it.each(cases)(
    'scope $scope, mode $mode: a copy exactly where Pods are sent to /mutate',
    async ({ scope, mode }) => {
      const manifests = await chart.render({
        values: { ...enabled, scope, mode, excludedNamespaces: ['harbor'] },
      });
      const flag = (name: string): string => {
        const args = syncArgs(manifests);
        return args[args.indexOf(`--${name}`) + 1]!;
      };
      const excluded = syncArgs(manifests).flatMap((arg, index, args) =>
        args[index - 1] === '--excluded-namespace' ? [arg] : [],
      );
      const settings: SyncSettings = {
        owner: 'x/y',
        sourceNamespace: flag('source-namespace'),
        sourceName: flag('source-name'),
        targetName: flag('target-name'),
        scope: {
          scope: flag('scope') as 'cluster' | 'opt-in',
          mode: flag('mode') as 'enforce' | 'audit',
          excludedNamespaces: excluded,
        },
      };
      const config = webhookConfiguration(manifests);
      for (const name of namespaces) {
        for (const label of labels) {
          const nsLabels: Record<string, string> =
            label === undefined ? {} : { 'pullthrough.io/rewrite': label };
          const mutated = endpointsFor(config, { namespace: name, namespaceLabels: nsLabels }).includes(
            '/mutate',
          );
          const ns = { metadata: { name, labels: { ...nsLabels, 'kubernetes.io/metadata.name': name } } };
          expect(wantsCopy(ns, settings), `${name} ${label}`).toBe(mutated);
        }
      }
    },
  );
});

describe('secretSync values', () => {
  it('copies from another namespace and under another name, with the source Role there', async () => {
    const manifests = await chart.render({
      values: {
        secretSync: {
          enabled: true,
          source: { namespace: 'registry-creds', name: 'harbor-robot' },
          targetName: 'regcred-harbor',
        },
      },
    });
    const args = syncArgs(manifests);
    expect(args.slice(1, 7)).toEqual([
      '--source-namespace',
      'registry-creds',
      '--source-name',
      'harbor-robot',
      '--target-name',
      'regcred-harbor',
    ]);
    const role = one<V1Role>(manifests, 'Role', `${syncName}-source`);
    expect(role.metadata!.namespace).toBe('registry-creds');
    expect(role.rules![0]!.resourceNames).toEqual(['harbor-robot']);
    expect(one(manifests, 'RoleBinding', `${syncName}-source`).metadata.namespace).toBe('registry-creds');
    expect(one<V1ClusterRole>(manifests, 'ClusterRole', syncName).rules![1]!.resourceNames).toEqual([
      'regcred-harbor',
    ]);
  });

  it('honours replicaCount, resyncSeconds, resources and an existing ServiceAccount', async () => {
    const manifests = await chart.render({
      values: {
        secretSync: {
          enabled: true,
          replicaCount: 1,
          resyncSeconds: 60,
          resources: { requests: { cpu: '5m' } },
          serviceAccount: { create: false, name: 'sync-sa' },
        },
      },
    });
    const deployment = syncDeployment(manifests);
    expect(deployment.spec!.replicas).toBe(1);
    expect(syncArgs(manifests)).toContain('60');
    expect(deployment.spec!.template.spec!.serviceAccountName).toBe('sync-sa');
    expect(deployment.spec!.template.spec!.containers[0]!.resources).toMatchObject({
      requests: { cpu: '5m' },
    });
    expect(all(manifests, 'ServiceAccount', syncName)).toEqual([]);
    expect(one<V1ClusterRoleBinding>(manifests, 'ClusterRoleBinding', syncName).subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sync-sa', namespace },
    ]);
  });

  it('accepts a target name that only a rule injects', async () => {
    const manifests = await chart.render({
      values: {
        secretSync: { enabled: true, targetName: 'regcred-ghcr' },
        config: {
          rules: [
            { registry: 'docker.io', proxy: 'harbor.ingress.local/proxy_cache' },
            { registry: 'ghcr.io', proxy: 'harbor.ingress.local/ghcr', pullSecrets: ['regcred-ghcr'] },
          ],
        },
      },
    });
    expect(syncArgs(manifests)).toContain('regcred-ghcr');
  });

  it.each([
    {
      name: 'a target name no Pod gets',
      values: { secretSync: { enabled: true, targetName: 'typo' } },
      message: 'secretSync: the copies are named "typo", but no Pod gets that pull secret',
    },
    {
      name: 'an existing ServiceAccount without a name',
      values: { secretSync: { enabled: true, serviceAccount: { create: false } } },
      message: 'secretSync.serviceAccount.name is required when secretSync.serviceAccount.create is false',
    },
  ])('fails on $name with an explanation', async ({ values, message }) => {
    expect(await chart.renderError({ values })).toContain(message);
  });
});

describe('secretSync availability', () => {
  it('keeps a replica through a drain and prefers the replicas on different nodes', async () => {
    const manifests = await chart.render({ values: enabled });
    const deployment = syncDeployment(manifests);
    const selector = deployment.spec!.selector.matchLabels!;
    const budget = one<{
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    }>(manifests, 'PodDisruptionBudget', syncName);
    expect(budget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector } });
    const [term] =
      deployment.spec!.template.spec!.affinity!.podAntiAffinity!
        .preferredDuringSchedulingIgnoredDuringExecution!;
    expect(term!.podAffinityTerm).toEqual({
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: selector },
    });
    // The webhook's own budget does not select the sync Pods, nor the sync's the webhook's.
    const webhookBudget = one<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
      manifests,
      'PodDisruptionBudget',
      fullname,
    );
    expect(webhookBudget.spec.selector.matchLabels).not.toEqual(selector);
    const webhookPodLabels = one<V1Deployment>(manifests, 'Deployment', fullname).spec!.template.metadata!
      .labels!;
    const syncPodLabels = deployment.spec!.template.metadata!.labels!;
    const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
    expect(selects(webhookBudget.spec.selector.matchLabels, webhookPodLabels)).toBe(true);
    expect(selects(webhookBudget.spec.selector.matchLabels, syncPodLabels)).toBe(false);
    expect(selects(selector, syncPodLabels)).toBe(true);
    expect(selects(selector, webhookPodLabels)).toBe(false);
  });

  it('takes a given affinity as is, and the budget can be turned off', async () => {
    const affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
    };
    const manifests = await chart.render({
      values: { secretSync: { enabled: true, affinity, podDisruptionBudget: { enabled: false } } },
    });
    expect(syncDeployment(manifests).spec!.template.spec!.affinity).toEqual(affinity);
    expect(all(manifests, 'PodDisruptionBudget', syncName)).toEqual([]);
  });
});
