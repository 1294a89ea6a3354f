// The server settings the chart renders beyond the rewrite rules: config.health, config.verify, each
// rule's probe, verifyCredentialsSecret (mounted registry credentials), and the shutdown timings.
import type { V1ConfigMap, V1Deployment, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/config.js';
import { all, fullname, type Manifest, namespace, one, useChart } from './render.js';

const chart = useChart();

function configFile(manifests: Manifest[]): Record<string, any> {
  return parse(one<V1ConfigMap>(manifests, 'ConfigMap', fullname).data!['config.yaml']!) as Record<
    string,
    any
  >;
}

function webhookPod(manifests: Manifest[]) {
  return one<V1Deployment>(manifests, 'Deployment', fullname).spec!.template.spec!;
}

describe('config.health, config.verify and rule probes', () => {
  it('renders every key into the ConfigMap, as a file the server accepts', async () => {
    const config = {
      rules: [
        {
          registry: 'docker.io',
          proxy: 'harbor.example.com/dockerhub',
          probe: {
            url: 'https://harbor.example.com/api/v2.0/health',
            caFile: '/etc/ssl/harbor/ca.crt',
            insecureSkipVerify: false,
          },
        },
        { registry: 'ghcr.io', proxy: 'harbor.example.com/ghcr' },
      ],
      health: {
        enabled: true,
        intervalSeconds: 0.5,
        timeoutSeconds: 0.25,
        failureThreshold: 2,
        successThreshold: 3,
      },
      verify: {
        enabled: true,
        credentialsFile: '/var/run/creds/.dockerconfigjson',
        ttlSeconds: 60,
        budgetMilliseconds: 250,
        caFile: '/etc/ssl/harbor/ca.crt',
        insecureSkipVerify: true,
      },
    };
    const manifests = await chart.render({ values: { config } });
    const file = configFile(manifests);
    expect(file).toMatchObject(config);
    const parsed = validateConfig(file, 'the rendered ConfigMap');
    expect(parsed.health).toEqual(config.health);
    expect(parsed.verify).toMatchObject({ ...config.verify, credentialsSecret: undefined });
    expect(parsed.rules[0]!.probe).toEqual(config.rules[0]!.probe);
  });

  it('grants get on config.verify.credentialsSecret, by name in its namespace, when verification is on', async () => {
    const credentialsSecret = { namespace: 'registry-creds', name: 'harbor-robot' };
    const manifests = await chart.render({
      values: { config: { verify: { enabled: true, credentialsSecret } } },
    });
    const role = one<V1Role>(manifests, 'Role', `${fullname}-verify-credentials`);
    expect(role.metadata!.namespace).toBe('registry-creds');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['harbor-robot'], verbs: ['get'] },
    ]);
    expect(one<V1RoleBinding>(manifests, 'RoleBinding', `${fullname}-verify-credentials`).subjects).toEqual([
      { kind: 'ServiceAccount', name: fullname, namespace },
    ]);
    expect(configFile(manifests).verify.credentialsSecret).toEqual(credentialsSecret);
  });

  it.each([
    [
      'verification off',
      { config: { verify: { enabled: false, credentialsSecret: { namespace: 'a', name: 'b' } } } },
    ],
    ['credentials from a file', { config: { verify: { enabled: true, credentialsFile: '/x' } } }],
    [
      'the server outside the cluster',
      {
        webhook: { url: 'https://127.0.0.1:8443', caBundle: 'Zm9v' },
        config: { verify: { enabled: true, credentialsSecret: { namespace: 'a', name: 'b' } } },
      },
    ],
  ])('grants nothing for the verify credentials with %s', async (_name, values) => {
    const manifests = await chart.render({ values });
    expect(all(manifests, 'Role', `${fullname}-verify-credentials`)).toEqual([]);
  });
});

describe('verifyCredentialsSecret', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await chart.render({
      values: { verifyCredentialsSecret: 'regcred-harbor', config: { verify: { enabled: true } } },
    });
  });

  it('mounts the Secret’s .dockerconfigjson into the projected /etc/pullthrough volume', () => {
    const etc = webhookPod(manifests).volumes!.find((volume) => volume.name === 'etc')!;
    expect(etc.projected!.sources).toEqual([
      { configMap: { name: fullname, items: [{ key: 'config.yaml', path: 'config.yaml' }] } },
      {
        secret: {
          name: 'regcred-harbor',
          items: [{ key: '.dockerconfigjson', path: 'registry/.dockerconfigjson' }],
        },
      },
    ]);
  });

  it('points config.verify.credentialsFile at it, keeping the other verify settings, and grants no RBAC for it', () => {
    const file = configFile(manifests);
    expect(file.verify).toEqual({
      enabled: true,
      credentialsFile: '/etc/pullthrough/registry/.dockerconfigjson',
      ttlSeconds: 300,
      budgetMilliseconds: 300,
      insecureSkipVerify: false,
    });
    expect(validateConfig(file, 'the rendered ConfigMap').verify.credentialsFile).toBe(
      '/etc/pullthrough/registry/.dockerconfigjson',
    );
    expect(all(manifests, 'Role', `${fullname}-verify-credentials`)).toEqual([]);
  });

  it('mounts nothing and sets no credentials file when empty (the default)', async () => {
    const defaults = await chart.render();
    const etc = webhookPod(defaults).volumes!.find((volume) => volume.name === 'etc')!;
    expect(etc.projected!.sources).toHaveLength(1);
    expect(configFile(defaults).verify.credentialsFile).toBeUndefined();
  });

  it.each([
    {
      name: 'verifyCredentialsSecret together with config.verify.credentialsFile',
      values: { verifyCredentialsSecret: 'x', config: { verify: { credentialsFile: '/y' } } },
      message: 'verifyCredentialsSecret sets config.verify.credentialsFile itself',
    },
    {
      name: 'verifyCredentialsSecret together with config.verify.credentialsSecret',
      values: {
        verifyCredentialsSecret: 'x',
        config: { verify: { credentialsSecret: { namespace: 'a', name: 'b' } } },
      },
      message: 'verifyCredentialsSecret sets config.verify.credentialsFile itself',
    },
    {
      name: 'verifyCredentialsSecret with the server outside the cluster',
      values: { verifyCredentialsSecret: 'x', webhook: { url: 'https://127.0.0.1:8443', caBundle: 'Zm9v' } },
      message: 'with webhook.url the server runs elsewhere',
    },
    {
      name: 'both config.verify.credentialsSecret and credentialsFile',
      values: {
        config: { verify: { credentialsFile: '/y', credentialsSecret: { namespace: 'a', name: 'b' } } },
      },
      message: 'config.verify: set credentialsSecret or credentialsFile, not both',
    },
  ])('fails on $name with an explanation', async ({ values, message }) => {
    expect(await chart.renderError({ values })).toContain(message);
  });
});

describe('shutdown timings', () => {
  it('passes --shutdown-delay 5 and --drain-timeout 20 by default, with a grace period of 30 s', async () => {
    const pod = webhookPod(await chart.render());
    const args = pod.containers[0]!.args!;
    expect(args.slice(args.indexOf('--shutdown-delay'), args.indexOf('--shutdown-delay') + 4)).toEqual([
      '--shutdown-delay',
      '5',
      '--drain-timeout',
      '20',
    ]);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  it('keeps the grace period above their sum when they change', async () => {
    const pod = webhookPod(
      await chart.render({ values: { shutdownDelaySeconds: 15, drainTimeoutSeconds: 60 } }),
    );
    expect(pod.containers[0]!.args).toEqual(expect.arrayContaining(['15', '60']));
    expect(pod.terminationGracePeriodSeconds).toBe(80);
  });
});
