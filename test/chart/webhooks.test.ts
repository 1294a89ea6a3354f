import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { endpointsFor, fullname, namespace, useChart, webhook, webhookConfiguration } from './render.js';

const chart = useChart();

const scopes = ['cluster', 'opt-in'] as const;
const modes = ['enforce', 'audit'] as const;
const certOptions = {
  'self-managed certificates': {},
  'cert-manager': { certManager: { enabled: true } },
  'an external webhook URL': { webhook: { url: 'https://127.0.0.1:8443', caBundle: 'Zm9v' } },
} as const;

type Scope = (typeof scopes)[number];
type Mode = (typeof modes)[number];
type NamespaceLabel = 'unlabelled' | 'enabled' | 'audit' | 'disabled';

/** The README's selector table: namespace label x scope x mode -> endpoints called. */
const routes: Record<Scope, Record<Mode, Record<NamespaceLabel, string[]>>> = {
  cluster: {
    enforce: { unlabelled: ['/mutate'], enabled: ['/mutate'], audit: ['/audit'], disabled: [] },
    audit: { unlabelled: ['/audit'], enabled: ['/audit'], audit: ['/audit'], disabled: [] },
  },
  'opt-in': {
    enforce: { unlabelled: [], enabled: ['/mutate'], audit: ['/audit'], disabled: [] },
    audit: { unlabelled: [], enabled: ['/audit'], audit: ['/audit'], disabled: [] },
  },
};

const combinations = scopes.flatMap((scope) =>
  modes.flatMap((mode) =>
    Object.entries(certOptions).map(([cert, values]) => [scope, mode, cert, values] as const),
  ),
);

describe.each(combinations)('with scope %s, mode %s and %s', (scope, mode, _cert, values) => {
  let config: V1MutatingWebhookConfiguration;
  beforeAll(async () => {
    const manifests = await chart.render({
      values: { ...values, scope, mode, excludedNamespaces: ['harbor'] },
    });
    config = webhookConfiguration(manifests);
  });

  const rows = Object.entries(routes[scope][mode]).map(
    ([label, endpoints]) =>
      [
        label === 'unlabelled' ? 'an unlabelled namespace' : `a namespace labelled ${label}`,
        endpoints.length > 0 ? `is sent to ${endpoints.join(' and ')}` : 'is sent nowhere',
        label,
        endpoints,
      ] as const,
  );

  it.each(rows)('a Pod in %s %s', (_where, _target, label, endpoints) => {
    const namespaceLabels: Record<string, string> =
      label === 'unlabelled' ? {} : { 'pullthrough.io/rewrite': label };
    expect(endpointsFor(config, { namespace: 'apps', namespaceLabels })).toEqual(endpoints);
  });

  it.each(['kube-system', namespace, 'harbor'])(
    'a Pod in %s is sent nowhere, even when the namespace is labelled enabled or audit',
    (excluded) => {
      for (const label of ['enabled', 'audit']) {
        const namespaceLabels = { 'pullthrough.io/rewrite': label };
        expect(endpointsFor(config, { namespace: excluded, namespaceLabels })).toEqual([]);
      }
    },
  );

  it('a Pod labelled pullthrough.io/rewrite=disabled is sent nowhere, whatever its namespace says', () => {
    const podLabels = { 'pullthrough.io/rewrite': 'disabled' };
    for (const label of ['enabled', 'audit']) {
      const namespaceLabels = { 'pullthrough.io/rewrite': label };
      expect(endpointsFor(config, { namespace: 'apps', namespaceLabels, podLabels })).toEqual([]);
    }
  });

  it('renders the /mutate webhook only in enforce mode, and the /audit webhook always', () => {
    const names = config.webhooks?.map((w) => w.name);
    expect(names).toEqual(
      mode === 'enforce' ? ['mutate.pullthrough.io', 'audit.pullthrough.io'] : ['audit.pullthrough.io'],
    );
  });

  it('excludes kube-system and the release namespace by name, merged with the user exclusions', () => {
    for (const hook of config.webhooks ?? []) {
      expect(hook.namespaceSelector?.matchExpressions).toContainEqual({
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: ['kube-system', namespace, 'harbor'],
      });
    }
  });

  it('honours the pod opt-out label with an objectSelector on every webhook', () => {
    for (const hook of config.webhooks ?? []) {
      expect(hook.objectSelector).toEqual({
        matchExpressions: [{ key: 'pullthrough.io/rewrite', operator: 'NotIn', values: ['disabled'] }],
      });
    }
  });
});

describe('every webhook', () => {
  let config: V1MutatingWebhookConfiguration;
  beforeAll(async () => {
    config = webhookConfiguration(await chart.render());
  });

  it('speaks AdmissionReview v1, has no side effects and fails open within 5 seconds', () => {
    for (const hook of config.webhooks ?? []) {
      expect(hook).toMatchObject({
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Ignore',
        timeoutSeconds: 5,
        matchPolicy: 'Equivalent',
        reinvocationPolicy: 'IfNeeded',
      });
    }
  });

  it('matches Pod CREATE, Pod UPDATE (narrowed by matchConditions) and the UPDATE of ephemeralcontainers, nothing else', () => {
    for (const hook of config.webhooks ?? []) {
      expect(hook.rules).toEqual([
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['pods'],
          scope: 'Namespaced',
        },
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['UPDATE'],
          resources: ['pods/ephemeralcontainers'],
          scope: 'Namespaced',
        },
      ]);
    }
  });

  it('calls the Service on port 443 at /mutate and /audit', () => {
    expect(webhook(config, 'mutate.pullthrough.io').clientConfig).toEqual({
      service: { name: fullname, namespace, path: '/mutate', port: 443 },
    });
    expect(webhook(config, 'audit.pullthrough.io').clientConfig).toEqual({
      service: { name: fullname, namespace, path: '/audit', port: 443 },
    });
  });

  it('leaves caBundle and the cert-manager annotation out with self-managed certificates', () => {
    expect(config.metadata?.annotations?.['cert-manager.io/inject-ca-from']).toBeUndefined();
    for (const hook of config.webhooks ?? []) expect(hook.clientConfig.caBundle).toBeUndefined();
  });
});

describe('webhook values', () => {
  it('sets failurePolicy Fail and another timeout on both webhooks when asked', async () => {
    const config = webhookConfiguration(
      await chart.render({ values: { webhook: { failurePolicy: 'Fail', timeoutSeconds: 12 } } }),
    );
    for (const hook of config.webhooks ?? []) {
      expect(hook.failurePolicy).toBe('Fail');
      expect(hook.timeoutSeconds).toBe(12);
    }
  });

  it('points both webhooks at <url>/mutate and <url>/audit with the given caBundle when webhook.url is set', async () => {
    const config = webhookConfiguration(
      await chart.render({ values: { webhook: { url: 'https://127.0.0.1:18443/', caBundle: 'Q0EK' } } }),
    );
    expect(webhook(config, 'mutate.pullthrough.io').clientConfig).toEqual({
      url: 'https://127.0.0.1:18443/mutate',
      caBundle: 'Q0EK',
    });
    expect(webhook(config, 'audit.pullthrough.io').clientConfig).toEqual({
      url: 'https://127.0.0.1:18443/audit',
      caBundle: 'Q0EK',
    });
  });

  it('names the cert-manager Certificate in the inject-ca-from annotation when cert-manager is on', async () => {
    const config = webhookConfiguration(await chart.render({ values: { certManager: { enabled: true } } }));
    expect(config.metadata?.annotations).toEqual({
      'cert-manager.io/inject-ca-from': `${namespace}/${fullname}-tls`,
    });
  });

  it('keeps user annotations on the webhook configuration next to the cert-manager one', async () => {
    const config = webhookConfiguration(
      await chart.render({
        values: {
          certManager: { enabled: true },
          webhook: { annotations: { 'example.com/owner': 'platform' } },
        },
      }),
    );
    expect(config.metadata?.annotations).toEqual({
      'example.com/owner': 'platform',
      'cert-manager.io/inject-ca-from': `${namespace}/${fullname}-tls`,
    });
  });

  it('does not let excludedNamespaces repeat the mandatory ones', async () => {
    const config = webhookConfiguration(
      await chart.render({ values: { excludedNamespaces: ['kube-system', 'harbor', namespace] } }),
    );
    expect(webhook(config, 'mutate.pullthrough.io').namespaceSelector?.matchExpressions?.[0]?.values).toEqual(
      ['kube-system', namespace, 'harbor'],
    );
  });
});

describe('the mirror-pod and image-changed matchConditions', () => {
  const mirrorPodCondition = {
    name: 'not-a-mirror-pod',
    expression:
      "!has(object.metadata.annotations) || !('kubernetes.io/config.mirror' in object.metadata.annotations)",
  };
  // Its behaviour against a real API server is in test/e2e (a label update never reaches the webhook).
  const imageChangedCondition = {
    name: 'image-changed-on-update',
    expression: [
      "request.operation != 'UPDATE'",
      // Guarded: `image` is optional, and `c.image` on a container without one is a CEL error.
      "|| object.spec.containers.map(c, has(c.image) ? c.image : '')",
      "!= oldObject.spec.containers.map(c, has(c.image) ? c.image : '')",
      "|| (has(object.spec.initContainers) ? object.spec.initContainers.map(c, has(c.image) ? c.image : '') : [])",
      "!= (has(oldObject.spec.initContainers) ? oldObject.spec.initContainers.map(c, has(c.image) ? c.image : '') : [])",
      '|| (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers.map(c, c.name) : [])',
      '!= (has(oldObject.spec.ephemeralContainers) ? oldObject.spec.ephemeralContainers.map(c, c.name) : [])',
    ].join(' '),
  };

  it.each(['1.30.0', '1.34.0'])(
    'registers Pod UPDATE on every webhook for Kubernetes %s',
    async (kubeVersion) => {
      const config = webhookConfiguration(await chart.render({ kubeVersion }));
      for (const hook of config.webhooks ?? []) {
        expect(hook.rules?.[0]?.operations).toEqual(['CREATE', 'UPDATE']);
        expect(hook.rules?.[1]).toMatchObject({
          operations: ['UPDATE'],
          resources: ['pods/ephemeralcontainers'],
        });
      }
    },
  );

  it.each([
    { name: 'Kubernetes 1.29', kubeVersion: '1.29.5', values: {} },
    {
      name: 'matchConditions disabled',
      kubeVersion: '1.34.0',
      values: { webhook: { matchConditions: { enabled: false } } },
    },
  ])(
    'leaves Pod UPDATE out with $name: unfiltered, every label change would call the webhook',
    async ({ kubeVersion, values }) => {
      const config = webhookConfiguration(await chart.render({ kubeVersion, values }));
      for (const hook of config.webhooks ?? []) expect(hook.rules?.[0]?.operations).toEqual(['CREATE']);
    },
  );

  it.each(['1.30.0', '1.34.0'])('is rendered on every webhook for Kubernetes %s', async (kubeVersion) => {
    const config = webhookConfiguration(await chart.render({ kubeVersion }));
    for (const hook of config.webhooks ?? []) {
      expect(hook.matchConditions).toEqual([mirrorPodCondition, imageChangedCondition]);
    }
  });

  it('is left out for Kubernetes 1.29, where matchConditions are not GA', async () => {
    const config = webhookConfiguration(await chart.render({ kubeVersion: '1.29.5' }));
    for (const hook of config.webhooks ?? []) expect(hook.matchConditions).toBeUndefined();
  });

  it('is left out when webhook.matchConditions.enabled is false', async () => {
    const config = webhookConfiguration(
      await chart.render({
        kubeVersion: '1.34.0',
        values: { webhook: { matchConditions: { enabled: false } } },
      }),
    );
    for (const hook of config.webhooks ?? []) expect(hook.matchConditions).toBeUndefined();
  });
});
