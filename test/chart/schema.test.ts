import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { useChart } from './render.js';

const chart = useChart();

describe('values.schema.json', () => {
  it.each([
    {
      name: 'a misspelt key',
      values: { webhook: { timeoutSecond: 3 } },
      message: "at '/webhook': additional properties 'timeoutSecond' not allowed",
    },
    {
      name: 'replicas instead of replicaCount',
      values: { replicas: 3 },
      message: "additional properties 'replicas' not allowed",
    },
    {
      name: 'a misspelt key inside config',
      values: {
        config: { rules: [{ registry: 'docker.io', proxy: 'harbor.example.com/hub', pullSecret: ['x'] }] },
      },
      message: "additional properties 'pullSecret' not allowed",
    },
    {
      name: 'a scope that is not cluster or opt-in',
      values: { scope: 'namespaced' },
      message: "at '/scope': value must be one of 'cluster', 'opt-in'",
    },
    {
      name: 'a mode that is not enforce or audit',
      values: { mode: 'dry-run' },
      message: "at '/mode': value must be one of 'enforce', 'audit'",
    },
    {
      name: 'a failurePolicy that is not Ignore or Fail',
      values: { webhook: { failurePolicy: 'ignore' } },
      message: "at '/webhook/failurePolicy': value must be one of 'Ignore', 'Fail'",
    },
    {
      name: 'timeoutSeconds 99',
      values: { webhook: { timeoutSeconds: 99 } },
      message: "at '/webhook/timeoutSeconds': maximum: got 99, want 30",
    },
    {
      name: 'timeoutSeconds 0',
      values: { webhook: { timeoutSeconds: 0 } },
      message: "at '/webhook/timeoutSeconds': minimum: got 0, want 1",
    },
    {
      name: 'zero replicas',
      values: { replicaCount: 0 },
      message: "at '/replicaCount': minimum: got 0, want 1",
    },
    {
      name: 'a webhook URL that is not https',
      values: { webhook: { url: 'http://127.0.0.1:8443' } },
      message: "at '/webhook/url'",
    },
    {
      name: 'a proxy with a scheme',
      values: { config: { rules: [{ registry: 'docker.io', proxy: 'https://harbor.example.com/hub' }] } },
      message: "at '/config/rules/0/proxy'",
    },
    {
      name: 'a mode inside config, where the top-level mode belongs',
      values: {
        config: { mode: 'audit', rules: [{ registry: 'docker.io', proxy: 'harbor.example.com/hub' }] },
      },
      message: "at '/config': additional properties 'mode' not allowed",
    },
    {
      name: 'an empty list of rules',
      values: { config: { rules: [] } },
      message: "at '/config/rules': minItems: got 0, want 1",
    },
    {
      name: 'a rule without a proxy',
      values: { config: { rules: [{ registry: 'docker.io' }] } },
      message: "at '/config/rules/0': missing property 'proxy'",
    },
    {
      name: 'a health interval below 50 ms',
      values: { config: { health: { intervalSeconds: 0.01 } } },
      message: "at '/config/health/intervalSeconds': minimum: got 0.01, want 0.05",
    },
    {
      name: 'a fractional failureThreshold',
      values: { config: { health: { failureThreshold: 1.5 } } },
      message: "at '/config/health/failureThreshold'",
    },
    {
      name: 'a misspelt health key',
      values: { config: { health: { interval: 5 } } },
      message: "at '/config/health': additional properties 'interval' not allowed",
    },
    {
      name: 'a verification budget over 10 s',
      values: { config: { verify: { budgetMilliseconds: 20000 } } },
      message: "at '/config/verify/budgetMilliseconds': maximum: got 20,000, want 10,000",
    },
    {
      name: 'a credentialsSecret without a name',
      values: { config: { verify: { credentialsSecret: { namespace: 'pullthrough' } } } },
      message: "at '/config/verify/credentialsSecret': missing property 'name'",
    },
    {
      name: 'a misspelt verify key',
      values: { config: { verify: { ttl: 5 } } },
      message: "at '/config/verify': additional properties 'ttl' not allowed",
    },
    {
      name: 'a probe URL that is not http(s)',
      values: {
        config: {
          rules: [{ registry: 'docker.io', proxy: 'harbor.example.com/hub', probe: { url: 'ftp://x' } }],
        },
      },
      message: "at '/config/rules/0/probe/url'",
    },
    {
      name: 'a misspelt probe key',
      values: {
        config: {
          rules: [{ registry: 'docker.io', proxy: 'harbor.example.com/hub', probe: { insecure: true } }],
        },
      },
      message: "at '/config/rules/0/probe': additional properties 'insecure' not allowed",
    },
    {
      name: 'a shutdown delay over 300 s',
      values: { shutdownDelaySeconds: 301 },
      message: "at '/shutdownDelaySeconds': maximum: got 301, want 300",
    },
    {
      name: 'a negative drain timeout',
      values: { drainTimeoutSeconds: -1 },
      message: "at '/drainTimeoutSeconds': minimum: got -1, want 0",
    },
    {
      name: 'a verifyCredentialsSecret that is not a Secret name',
      values: { verifyCredentialsSecret: 'Regcred' },
      message: "at '/verifyCredentialsSecret'",
    },
    {
      name: 'a privileged port (the server runs unprivileged)',
      values: { port: 443 },
      message: "at '/port': minimum: got 443, want 1,024",
    },
    {
      name: 'an extraEnv entry without a name',
      values: { extraEnv: [{ value: 'x' }] },
      message: "at '/extraEnv/0': missing property 'name'",
    },
    {
      name: 'extraArgs that are not strings',
      values: { extraArgs: [1] },
      message: "at '/extraArgs/0': got number, want string",
    },
    {
      name: 'a misspelt secretSync key',
      values: { secretSync: { enable: true } },
      message: "at '/secretSync': additional properties 'enable' not allowed",
    },
    {
      name: 'a secretSync source without a valid name',
      values: { secretSync: { source: { name: '' } } },
      message: "at '/secretSync/source/name'",
    },
    {
      name: 'zero secretSync replicas',
      values: { secretSync: { replicaCount: 0 } },
      message: "at '/secretSync/replicaCount': minimum: got 0, want 1",
    },
    {
      name: 'a rule with both proxy and proxies',
      values: {
        config: {
          rules: [{ registry: 'docker.io', proxy: 'a.example.com/x', proxies: ['b.example.com/y'] }],
        },
      },
      message: "at '/config/rules/0'",
    },
    {
      name: 'a failover target with a scheme',
      values: { config: { rules: [{ registry: 'docker.io', proxies: ['https://a.example.com/x'] }] } },
      message: "at '/config/rules/0/proxies/0'",
    },
    {
      name: 'a stripPrefix without its trailing slash',
      values: {
        config: { rules: [{ registry: 'docker.io', proxy: 'a.example.com/x', stripPrefix: 'library' }] },
      },
      message: "at '/config/rules/0/stripPrefix'",
    },
  ])('rejects $name with a message naming the value', async ({ values, message }) => {
    const stderr = await chart.renderError({ values });
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toContain(message);
  });

  it('accepts every documented value at once', async () => {
    await expect(
      chart.render({
        values: {
          scope: 'opt-in',
          mode: 'audit',
          excludedNamespaces: ['harbor'],
          webhook: {
            failurePolicy: 'Fail',
            timeoutSeconds: 30,
            matchConditions: { enabled: false },
            annotations: {},
          },
          certManager: {
            enabled: true,
            issuerRef: { name: 'corp', kind: 'ClusterIssuer', group: 'cert-manager.io' },
            duration: '720h',
            renewBefore: '240h',
            caDuration: '87600h',
          },
          replicaCount: 1,
          podDisruptionBudget: {
            enabled: true,
            minAvailable: '50%',
            unhealthyPodEvictionPolicy: 'AlwaysAllow',
          },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
          affinity: { nodeAffinity: {} },
          priorityClassName: 'system-cluster-critical',
          extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
          extraArgs: ['--tls-dns', 'webhook.example.com'],
          hostNetwork: true,
          port: 9443,
          serviceMonitor: { enabled: true, labels: { release: 'kps' }, interval: '1m', scrapeTimeout: '15s' },
          config: {
            rules: [
              {
                registry: 'docker.io',
                proxy: 'harbor.example.com/hub',
                pullSecrets: ['regcred-harbor'],
                probe: { url: 'http://harbor.example.com/v2/', caFile: '/ca.crt', insecureSkipVerify: true },
              },
            ],
            exclude: { images: [], owners: [] },
            pullSecrets: ['regcred-harbor'],
            health: {
              enabled: false,
              intervalSeconds: 30,
              timeoutSeconds: 5,
              failureThreshold: 5,
              successThreshold: 2,
            },
            verify: {
              enabled: true,
              ttlSeconds: 600,
              budgetMilliseconds: 500,
              caFile: '/ca.crt',
              insecureSkipVerify: false,
            },
          },
          verifyCredentialsSecret: 'regcred-harbor',
          shutdownDelaySeconds: 10,
          drainTimeoutSeconds: 30,
          secretSync: {
            enabled: true,
            source: { namespace: 'creds', name: 'regcred-harbor' },
            targetName: 'regcred-harbor',
            replicaCount: 1,
            resyncSeconds: 120,
            resources: { requests: { cpu: '5m' } },
            serviceAccount: { create: true, name: 'sync', annotations: {} },
          },
        },
      }),
    ).resolves.not.toEqual([]);
  });
});

describe('rule targets of every cache shape', () => {
  it('accepts a root-mounted cache, match routing, failover and stripPrefix, and the server accepts the file', async () => {
    const rules = [
      { registry: 'docker.io', match: ['docker.io/bitnami/*'], proxy: 'harbor.example.com/bitnami_cache' },
      { registry: 'docker.io', proxies: ['harbor.example.com/proxy_cache', 'mirror.local:5000'] },
      {
        registry: 'ghcr.io',
        proxy: 'gitlab.example.com/g/dependency_proxy/containers',
        stripPrefix: 'acme/',
      },
    ];
    const manifests = await chart.render({ values: { config: { rules } } });
    const configMap = manifests.find((manifest) => manifest.kind === 'ConfigMap') as
      { data: Record<string, string> } | undefined;
    expect(parseConfig(configMap!.data['config.yaml']!, 'the rendered ConfigMap').rules).toEqual(rules);
  });
});

describe('combinations the schema cannot express', () => {
  it.each([
    {
      name: 'webhook.url together with cert-manager',
      values: { webhook: { url: 'https://127.0.0.1:8443' }, certManager: { enabled: true } },
      message: 'webhook.url and certManager.enabled are exclusive',
    },
    {
      name: 'webhook.caBundle without webhook.url',
      values: { webhook: { caBundle: 'Zm9v' } },
      message: 'webhook.caBundle is used only with webhook.url',
    },
    {
      name: 'both minAvailable and maxUnavailable',
      values: { podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } },
      message: 'set at most one of minAvailable and maxUnavailable',
    },
    {
      name: 'an existing ServiceAccount without a name',
      values: { serviceAccount: { create: false } },
      message: 'serviceAccount.name is required when serviceAccount.create is false',
    },
  ])('fails on $name with an explanation', async ({ values, message }) => {
    expect(await chart.renderError({ values })).toContain(message);
  });
});
