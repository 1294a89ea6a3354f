import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1Role,
  V1RoleBinding,
  V1Secret,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { all, fullname, type Manifest, namespace, one, useChart } from './render.js';

const chart = useChart();

interface Certificate {
  metadata: { name: string };
  spec: {
    isCA?: boolean;
    secretName: string;
    commonName?: string;
    dnsNames?: string[];
    duration?: string;
    renewBefore?: string;
    issuerRef: { group: string; kind: string; name: string };
  };
}

interface Issuer {
  metadata: { name: string };
  spec: { selfSigned?: object; ca?: { secretName: string } };
}

function args(manifests: Manifest[]): string[] {
  return one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.containers[0]!.args!;
}

const selfManagedRbac = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];

describe('self-managed certificates (the default)', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await chart.render();
  });

  it('starts the server with --cert-secret, --webhook-config, --service and --namespace from the downward API', () => {
    expect(args(manifests)).toEqual([
      'serve',
      '--config',
      '/etc/pullthrough/config.yaml',
      '--port',
      '8443',
      '--log-level',
      'info',
      '--shutdown-delay',
      '5',
      '--drain-timeout',
      '20',
      '--cert-secret',
      `${fullname}-tls`,
      '--webhook-config',
      fullname,
      '--service',
      fullname,
      '--namespace',
      '$(POD_NAMESPACE)',
    ]);
    const container = one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.containers[0]!;
    expect(container.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
  });

  it('lets the server read and write only its own Secret, and create none (the placeholder is the one it fills)', () => {
    const role = one<V1Role>(manifests, 'Role', fullname);
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [`${fullname}-tls`],
        verbs: ['get', 'update'],
      },
    ]);
    expect(one<V1Secret>(manifests, 'Secret', `${fullname}-tls`).type).toBe('Opaque');
  });

  it('lets the server get and patch only this release’s MutatingWebhookConfiguration', () => {
    const clusterRole = one<V1ClusterRole>(manifests, 'ClusterRole', fullname);
    expect(clusterRole.rules).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        resourceNames: [fullname],
        verbs: ['get', 'patch'],
      },
    ]);
    expect(one(manifests, 'MutatingWebhookConfiguration').metadata.name).toBe(fullname);
  });

  it('binds both roles to the chart’s ServiceAccount, which the Deployment runs as', () => {
    const subject = { kind: 'ServiceAccount', name: fullname, namespace };
    expect(one<V1RoleBinding>(manifests, 'RoleBinding').subjects).toEqual([subject]);
    expect(one<V1RoleBinding>(manifests, 'RoleBinding').roleRef).toMatchObject({
      kind: 'Role',
      name: fullname,
    });
    expect(one<V1ClusterRoleBinding>(manifests, 'ClusterRoleBinding').subjects).toEqual([subject]);
    expect(one<V1ClusterRoleBinding>(manifests, 'ClusterRoleBinding').roleRef).toMatchObject({
      kind: 'ClusterRole',
      name: fullname,
    });
    expect(one(manifests, 'ServiceAccount').metadata.name).toBe(fullname);
    expect(one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.serviceAccountName).toBe(fullname);
    expect(one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.automountServiceAccountToken).toBe(
      true,
    );
  });

  it('renders an empty Opaque placeholder for the server’s Secret, so that uninstall deletes it', () => {
    const secret = one<V1Secret>(manifests, 'Secret', `${fullname}-tls`);
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  it('creates no cert-manager resources and mounts no certificate files', () => {
    expect(all(manifests, 'Certificate')).toEqual([]);
    expect(all(manifests, 'Issuer')).toEqual([]);
    const volume = one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.volumes![0]!;
    expect(volume.projected!.sources!.map((source) => Object.keys(source)[0])).toEqual(['configMap']);
  });
});

describe('cert-manager certificates', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await chart.render({ values: { certManager: { enabled: true } } });
  });

  it('chains a self-signed Issuer, a CA Certificate, a CA Issuer and the serving Certificate', () => {
    const selfSigned = one<Issuer>(manifests, 'Issuer', `${fullname}-selfsigned`);
    expect(selfSigned.spec).toEqual({ selfSigned: {} });

    const ca = one<Certificate>(manifests, 'Certificate', `${fullname}-ca`);
    expect(ca.spec).toMatchObject({
      isCA: true,
      secretName: `${fullname}-ca`,
      issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: `${fullname}-selfsigned` },
    });

    const caIssuer = one<Issuer>(manifests, 'Issuer', `${fullname}-ca`);
    expect(caIssuer.spec).toEqual({ ca: { secretName: `${fullname}-ca` } });

    const serving = one<Certificate>(manifests, 'Certificate', `${fullname}-tls`);
    expect(serving.spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'Issuer',
      name: `${fullname}-ca`,
    });
  });

  it('issues the serving certificate for the Service’s three DNS names into <fullname>-tls', () => {
    const serving = one<Certificate>(manifests, 'Certificate', `${fullname}-tls`);
    expect(serving.spec.secretName).toBe(`${fullname}-tls`);
    expect(serving.spec.dnsNames).toEqual([
      fullname,
      `${fullname}.${namespace}`,
      `${fullname}.${namespace}.svc`,
    ]);
    expect(serving.spec).toMatchObject({ duration: '2160h', renewBefore: '360h' });
  });

  it('mounts the Secret at /etc/pullthrough/tls and passes --tls-cert and --tls-key', () => {
    expect(args(manifests)).toEqual([
      'serve',
      '--config',
      '/etc/pullthrough/config.yaml',
      '--port',
      '8443',
      '--log-level',
      'info',
      '--shutdown-delay',
      '5',
      '--drain-timeout',
      '20',
      '--tls-cert',
      '/etc/pullthrough/tls/tls.crt',
      '--tls-key',
      '/etc/pullthrough/tls/tls.key',
    ]);
    const pod = one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!;
    expect(pod.containers[0]!.volumeMounts).toContainEqual({
      name: 'etc',
      mountPath: '/etc/pullthrough',
      readOnly: true,
    });
    const etc = pod.volumes!.find((volume) => volume.name === 'etc')!;
    expect(etc.projected!.sources).toContainEqual({
      secret: {
        name: `${fullname}-tls`,
        items: [
          { key: 'tls.crt', path: 'tls/tls.crt' },
          { key: 'tls.key', path: 'tls/tls.key' },
        ],
      },
    });
  });

  it('grants pullthrough no RBAC and renders no placeholder Secret', () => {
    for (const kind of selfManagedRbac) expect(all(manifests, kind)).toEqual([]);
    expect(all(manifests, 'Secret')).toEqual([]);
  });

  it('mounts no ServiceAccount token, since the server never calls the API', () => {
    expect(one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!.automountServiceAccountToken).toBe(
      false,
    );
  });

  it('mounts a token again when verification reads its credentials from a Secret', async () => {
    const verifying = await chart.render({
      values: {
        certManager: { enabled: true },
        config: {
          verify: { enabled: true, credentialsSecret: { namespace: 'pullthrough', name: 'regcred-harbor' } },
        },
      },
    });
    expect(one<V1Deployment>(verifying, 'Deployment').spec!.template.spec!.automountServiceAccountToken).toBe(
      true,
    );
  });

  it('uses an existing issuer instead of the chart’s own CA when issuerRef.name is set', async () => {
    const withIssuer = await chart.render({
      values: { certManager: { enabled: true, issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } } },
    });
    expect(all(withIssuer, 'Issuer')).toEqual([]);
    expect(all<Certificate>(withIssuer, 'Certificate').map((c) => c.metadata.name)).toEqual([
      `${fullname}-tls`,
    ]);
    expect(one<Certificate>(withIssuer, 'Certificate').spec.issuerRef).toEqual({
      group: 'cert-manager.io',
      kind: 'ClusterIssuer',
      name: 'corp-ca',
    });
  });
});

describe('an external webhook URL', () => {
  it('renders only the webhook configuration and the ConfigMap, since the server runs elsewhere', async () => {
    const manifests = await chart.render({ values: { webhook: { url: 'https://127.0.0.1:8443' } } });
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'MutatingWebhookConfiguration']);
  });
});

describe('a proxy with a private CA', () => {
  it('mounts proxyCAConfigMap at /etc/pullthrough/proxy-ca/ca.crt for probe.caFile', async () => {
    const manifests = await chart.render({
      values: {
        proxyCAConfigMap: 'harbor-ca',
        config: {
          rules: [
            {
              registry: 'docker.io',
              proxy: 'harbor.internal/proxy_cache',
              probe: { caFile: '/etc/pullthrough/proxy-ca/ca.crt' },
            },
          ],
        },
      },
    });
    const spec = one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!;
    const sources = spec.volumes!.find((volume) => volume.name === 'etc')!.projected!.sources!;
    expect(sources).toContainEqual({
      configMap: { name: 'harbor-ca', items: [{ key: 'ca.crt', path: 'proxy-ca/ca.crt' }] },
    });
  });

  it('mounts nothing extra by default', async () => {
    const spec = one<V1Deployment>(await chart.render(), 'Deployment').spec!.template.spec!;
    const sources = spec.volumes!.find((volume) => volume.name === 'etc')!.projected!.sources!;
    expect(sources.filter((source) => source.configMap?.name === 'harbor-ca')).toEqual([]);
    expect(sources).toHaveLength(1);
  });
});
