/**
 * The chart's guards beyond RBAC (issue #13, items 7, 8 and 14): ValidatingAdmissionPolicies that
 * narrow the webhook's and secret-sync's ServiceAccounts (enforced for real in
 * test/e2e/admission-policies.test.ts), and the optional NetworkPolicy.
 */
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { all, fullname, type Manifest, namespace, one, useChart } from './render.js';

const chart = useChart();

interface Policy {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] };
    matchConditions: { expression: string }[];
    validations: { expression: string; message: string }[];
  };
}
interface Binding {
  spec: { policyName: string; validationActions: string[] };
}

const policies = (manifests: Manifest[]) => all<Policy>(manifests, 'ValidatingAdmissionPolicy');

describe('ValidatingAdmissionPolicies', () => {
  it('guard the webhook’s configuration on 1.30+, each with a Deny binding, for the webhook’s ServiceAccount only', async () => {
    const manifests = await chart.render({ kubeVersion: '1.30.0' });
    const [guard, ...others] = policies(manifests);
    expect(others).toEqual([]);
    expect(guard!.metadata.name).toBe(`${fullname}-webhook-config-guard`);
    expect(guard!.spec.failurePolicy).toBe('Fail');
    expect(guard!.spec.matchConstraints.resourceRules[0]!.resources).toEqual([
      'mutatingwebhookconfigurations',
    ]);
    expect(guard!.spec.matchConditions[0]!.expression).toBe(
      `request.userInfo.username == "system:serviceaccount:${namespace}:${fullname}"`,
    );
    const checks = guard!.spec.validations.map((v) => v.expression).join('\n');
    // Every field of a webhook but caBundle is compared with the old object.
    for (const field of [
      'rules',
      'namespaceSelector',
      'objectSelector',
      'failurePolicy',
      'clientConfig.url',
      'clientConfig.service',
      'matchConditions',
      'timeoutSeconds',
      'sideEffects',
    ])
      expect(checks).toContain(`w.${field} == o.${field}`);
    expect(checks).not.toContain('caBundle');
    const binding = one<Binding>(manifests, 'ValidatingAdmissionPolicyBinding', guard!.metadata.name);
    expect(binding.spec).toEqual({ policyName: guard!.metadata.name, validationActions: ['Deny'] });
  });

  it('restrict secret-sync to labelled dockerconfigjson copies by name, outside every excluded namespace', async () => {
    const manifests = await chart.render({
      kubeVersion: '1.34.0',
      values: { secretSync: { enabled: true }, excludedNamespaces: ['monitoring'] },
    });
    const guard = policies(manifests).find(
      (p) => p.metadata.name === `${fullname}-secret-sync-secret-guard`,
    )!;
    expect(guard.spec.matchConstraints.resourceRules[0]).toMatchObject({
      resources: ['secrets'],
      operations: ['CREATE', 'UPDATE', 'DELETE'],
    });
    expect(guard.spec.matchConditions[0]!.expression).toContain(
      `system:serviceaccount:${namespace}:${fullname}-secret-sync`,
    );
    const checks = guard.spec.validations.map((v) => v.expression).join('\n');
    expect(checks).toContain(`!(request.namespace in ["kube-system","${namespace}","monitoring"])`);
    expect(checks).toContain("object.type == 'kubernetes.io/dockerconfigjson'");
    expect(checks).toContain("object.metadata.labels['pullthrough.io/managed-by'] == 'secret-sync'");
    expect(checks).toContain('object.metadata.name == "regcred-harbor"');
    expect(
      one<Binding>(manifests, 'ValidatingAdmissionPolicyBinding', guard.metadata.name).spec.validationActions,
    ).toEqual(['Deny']);
  });

  it('are not rendered before 1.30 (no admissionregistration.k8s.io/v1 policies), nor when turned off', async () => {
    expect(
      policies(await chart.render({ kubeVersion: '1.29.9', values: { secretSync: { enabled: true } } })),
    ).toEqual([]);
    const off = await chart.render({
      kubeVersion: '1.34.0',
      values: { admissionPolicies: { enabled: false } },
    });
    expect(policies(off)).toEqual([]);
  });

  it('the webhook guard is not rendered when the webhook has no API access (cert-manager)', async () => {
    const manifests = await chart.render({
      kubeVersion: '1.34.0',
      values: { certManager: { enabled: true } },
    });
    expect(policies(manifests)).toEqual([]);
  });
});

describe('NetworkPolicy', () => {
  it('is off by default', async () => {
    expect(all(await chart.render(), 'NetworkPolicy')).toEqual([]);
  });

  it('admits ingress only to the HTTPS port of the webhook Pods, from any source or the given peers', async () => {
    const open = one<V1NetworkPolicy>(
      await chart.render({ values: { networkPolicy: { enabled: true } } }),
      'NetworkPolicy',
    );
    expect(open.spec!.policyTypes).toEqual(['Ingress']);
    expect(open.spec!.podSelector?.matchLabels).toEqual({
      'app.kubernetes.io/name': 'pullthrough',
      'app.kubernetes.io/instance': 'pullthrough',
      'app.kubernetes.io/component': 'webhook',
    });
    expect(open.spec!.ingress).toEqual([{ ports: [{ port: 'https', protocol: 'TCP' }] }]);
    const from = [{ ipBlock: { cidr: '10.0.0.0/24' } }];
    const narrowed = one<V1NetworkPolicy>(
      await chart.render({ values: { networkPolicy: { enabled: true, from } } }),
      'NetworkPolicy',
    );
    expect(narrowed.spec!.ingress).toEqual([{ ports: [{ port: 'https', protocol: 'TCP' }], from }]);
  });
});
