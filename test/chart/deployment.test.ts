import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Service,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CONFIG, validateConfig } from '../../src/config/config.js';
import { all, chartDir, fullname, type Manifest, namespace, one, useChart } from './render.js';

const chart = useChart();

function podSpec(manifests: Manifest[]): V1PodSpec {
  return one<V1Deployment>(manifests, 'Deployment').spec!.template.spec!;
}

function container(manifests: Manifest[]): V1Container {
  return podSpec(manifests).containers[0]!;
}

function configFile(manifests: Manifest[]): unknown {
  return parse(one<V1ConfigMap>(manifests, 'ConfigMap', fullname).data!['config.yaml']!);
}

const selectorLabels = {
  'app.kubernetes.io/name': 'pullthrough',
  'app.kubernetes.io/instance': 'pullthrough',
  'app.kubernetes.io/component': 'webhook',
};

describe('the Deployment with default values', () => {
  let manifests: Manifest[];
  beforeAll(async () => {
    manifests = await chart.render();
  });

  it('runs two replicas and never takes one down before its replacement is up', () => {
    const deployment = one<V1Deployment>(manifests, 'Deployment', fullname);
    expect(deployment.spec!.replicas).toBe(2);
    expect(deployment.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    expect(deployment.spec!.selector.matchLabels).toEqual(selectorLabels);
  });

  it('runs as UID 65532, non-root, with the RuntimeDefault seccomp profile', () => {
    expect(podSpec(manifests).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('drops all capabilities, forbids privilege escalation and mounts the root filesystem read-only', () => {
    expect(container(manifests).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('serves everything on one HTTPS port 8443 named https, and probes /healthz and /readyz over HTTPS', () => {
    const main = container(manifests);
    expect(main.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    expect(main.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(main.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(main.livenessProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 3 });
  });

  it('requests the measured steady state (134 MB RSS, 32m CPU at 50 reviews/s on Node 24) and limits memory', () => {
    expect(container(manifests).resources).toEqual({
      requests: { cpu: '30m', memory: '144Mi' },
      limits: { memory: '256Mi' },
    });
  });

  it('stays off the host network and adds no environment or arguments of its own', () => {
    expect(podSpec(manifests).hostNetwork).toBeUndefined();
    expect(podSpec(manifests).dnsPolicy).toBeUndefined();
    expect(container(manifests).env?.map((variable) => variable.name)).toEqual(['POD_NAMESPACE']);
    expect(container(manifests).args?.at(-1)).toBe('$(POD_NAMESPACE)');
  });

  it('gives the server a writable emptyDir at /tmp and the config at /etc/pullthrough/config.yaml', () => {
    expect(container(manifests).volumeMounts).toEqual([
      { name: 'etc', mountPath: '/etc/pullthrough', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    const volumes = podSpec(manifests).volumes!;
    expect(volumes.find((v) => v.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(volumes.find((v) => v.name === 'etc')).toEqual({
      name: 'etc',
      projected: {
        sources: [{ configMap: { name: fullname, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }],
      },
    });
  });

  it('uses the chart’s appVersion as the image tag', () => {
    expect(container(manifests).image).toBe('pullthrough/pullthrough:0.1.0');
  });

  it('spreads the replicas over nodes with the Pods’ selector labels', () => {
    expect(podSpec(manifests).topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorLabels },
      },
    ]);
    expect(podSpec(manifests).nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
  });

  it('exposes port 443 named https on the Service, forwarding to the container’s https port', () => {
    const service = one<V1Service>(manifests, 'Service', fullname);
    expect(service.spec!.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    expect(service.spec!.selector).toEqual(selectorLabels);
  });

  it('keeps one replica up during a drain with a PodDisruptionBudget of maxUnavailable 1', () => {
    const pdb = one<V1PodDisruptionBudget>(manifests, 'PodDisruptionBudget', fullname);
    expect(pdb.spec).toEqual({ selector: { matchLabels: selectorLabels }, maxUnavailable: 1 });
  });

  it('puts every namespaced object in the release namespace, so helm template | kubectl apply works', () => {
    const clusterScoped = [
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ];
    for (const manifest of manifests) {
      expect(manifest.metadata.namespace, manifest.kind).toBe(
        clusterScoped.includes(manifest.kind) ? undefined : namespace,
      );
    }
  });

  it('renders no ServiceMonitor unless asked', () => {
    expect(all(manifests, 'ServiceMonitor')).toEqual([]);
  });
});

describe('the ConfigMap', () => {
  it('holds the embedded default config of the server with default values, but with health probing on', async () => {
    const manifests = await chart.render();
    expect(configFile(manifests)).toEqual({
      mode: 'enforce',
      rules: [{ registry: 'docker.io', proxy: 'harbor.ingress.local/proxy_cache' }],
      exclude: { images: [], owners: [] },
      pullSecrets: ['regcred-harbor'],
      health: { ...DEFAULT_CONFIG.health, enabled: true },
      verify: {
        enabled: false,
        ttlSeconds: DEFAULT_CONFIG.verify.ttlSeconds,
        budgetMilliseconds: DEFAULT_CONFIG.verify.budgetMilliseconds,
        insecureSkipVerify: false,
      },
    });
  });

  it('is a configuration the server accepts, with health probing on where the embedded default has it off', async () => {
    const document = configFile(await chart.render());
    const config = validateConfig(document, 'the chart’s ConfigMap');
    expect(config.health).toEqual({ ...DEFAULT_CONFIG.health, enabled: true });
    expect(DEFAULT_CONFIG.health.enabled).toBe(false);
    expect(config.verify).toEqual(DEFAULT_CONFIG.verify);
  });

  it('equals the config values plus the top-level mode', async () => {
    const config = {
      rules: [
        { registry: 'docker.io', proxy: 'harbor.example.com/dockerhub', pullSecrets: ['harbor-dockerhub'] },
        { registry: 'ghcr.io', proxy: 'harbor.example.com/ghcr' },
        { registry: 'localhost:5000', proxy: 'registry.example.com:8443/local/cache' },
      ],
      exclude: {
        images: ['docker.io/library/postgres', 'docker.io/bitnami/*'],
        owners: [{ apiGroup: 'postgresql.cnpg.io', kind: 'Cluster' }],
      },
      pullSecrets: ['regcred-harbor', 'other'],
    };
    const manifests = await chart.render({ values: { mode: 'audit', config } });
    const defaults = parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as { config: object };
    // Helm merges maps with the chart's defaults (health and verify stay), but replaces lists.
    expect(configFile(manifests)).toEqual({ mode: 'audit', ...defaults.config, ...config });
  });

  it('is the config the Deployment mounts', async () => {
    const manifests = await chart.render();
    expect(container(manifests).args!.slice(0, 3)).toEqual([
      'serve',
      '--config',
      '/etc/pullthrough/config.yaml',
    ]);
  });

  it('matches the defaults documented in values.yaml', async () => {
    const values = parse(await readFile(join(chartDir, 'values.yaml'), 'utf8')) as { config: object };
    expect(configFile(await chart.render())).toEqual({ mode: 'enforce', ...values.config });
  });
});

describe('Deployment values', () => {
  it('honours replicaCount, image tag and digest, logLevel and pod metadata', async () => {
    const manifests = await chart.render({
      values: {
        replicaCount: 3,
        image: {
          repository: 'registry.example.com/pullthrough',
          tag: '1.2.3',
          digest: `sha256:${'a'.repeat(64)}`,
        },
        logLevel: 'debug',
        podAnnotations: { 'example.com/team': 'platform' },
        podLabels: { tier: 'admission' },
      },
    });
    const deployment = one<V1Deployment>(manifests, 'Deployment');
    expect(deployment.spec!.replicas).toBe(3);
    expect(container(manifests).image).toBe(
      `registry.example.com/pullthrough:1.2.3@sha256:${'a'.repeat(64)}`,
    );
    expect(container(manifests).args).toContain('debug');
    expect(deployment.spec!.template.metadata!.annotations).toMatchObject({ 'example.com/team': 'platform' });
    expect(deployment.spec!.template.metadata!.labels).toEqual({ ...selectorLabels, tier: 'admission' });
  });

  it('keeps a user labelSelector in a topology spread constraint', async () => {
    const constraint = {
      maxSkew: 2,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'custom' } },
    };
    const manifests = await chart.render({ values: { topologySpreadConstraints: [constraint] } });
    expect(podSpec(manifests).topologySpreadConstraints).toEqual([constraint]);
  });

  it.each([
    [{ minAvailable: 1 }, { minAvailable: 1 }],
    [{ maxUnavailable: '50%' }, { maxUnavailable: '50%' }],
    [
      { unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    ],
  ])('renders the PodDisruptionBudget from %j', async (values, expected) => {
    const manifests = await chart.render({ values: { podDisruptionBudget: values } });
    expect(one<V1PodDisruptionBudget>(manifests, 'PodDisruptionBudget').spec).toEqual({
      selector: { matchLabels: selectorLabels },
      ...expected,
    });
  });

  it('renders no PodDisruptionBudget when it is disabled', async () => {
    const manifests = await chart.render({ values: { podDisruptionBudget: { enabled: false } } });
    expect(all(manifests, 'PodDisruptionBudget')).toEqual([]);
  });

  it('uses an existing ServiceAccount, and binds the roles to it, when serviceAccount.create is false', async () => {
    const manifests = await chart.render({ values: { serviceAccount: { create: false, name: 'webhooks' } } });
    expect(all(manifests, 'ServiceAccount')).toEqual([]);
    expect(podSpec(manifests).serviceAccountName).toBe('webhooks');
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      expect(one<{ subjects: object[] }>(manifests, kind).subjects).toEqual([
        { kind: 'ServiceAccount', name: 'webhooks', namespace },
      ]);
    }
  });
});

describe('the ServiceMonitor', () => {
  interface ServiceMonitor {
    metadata: { labels: Record<string, string> };
    spec: { endpoints: { port: string; scheme: string; path: string; tlsConfig: object }[] };
  }

  it('scrapes /metrics over HTTPS without verification by default', async () => {
    const manifests = await chart.render({
      values: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    });
    const monitor = one<ServiceMonitor>(manifests, 'ServiceMonitor');
    expect(monitor.metadata.labels).toMatchObject({ release: 'prometheus' });
    expect(monitor.spec.endpoints).toEqual([
      {
        port: 'https',
        scheme: 'https',
        path: '/metrics',
        interval: '30s',
        scrapeTimeout: '10s',
        tlsConfig: { insecureSkipVerify: true },
      },
    ]);
  });

  it('verifies the certificate against caFile and the Service DNS name when caFile is set', async () => {
    const manifests = await chart.render({
      values: { serviceMonitor: { enabled: true, caFile: '/etc/prometheus/secrets/pullthrough-ca/ca.crt' } },
    });
    expect(one<ServiceMonitor>(manifests, 'ServiceMonitor').spec.endpoints[0]!.tlsConfig).toEqual({
      caFile: '/etc/prometheus/secrets/pullthrough-ca/ca.crt',
      serverName: `${fullname}.${namespace}.svc`,
    });
  });
});

describe('values for the runtime users ask for', () => {
  it('adds extraEnv after POD_NAMESPACE and appends extraArgs to serve', async () => {
    const manifests = await chart.render({
      values: {
        extraEnv: [
          { name: 'NODE_OPTIONS', value: '--max-semi-space-size=16' },
          { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
        extraArgs: ['--tls-dns', 'webhook.example.com'],
      },
    });
    const main = container(manifests);
    expect(main.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=16' },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(main.args?.slice(0, 1)).toEqual(['serve']);
    expect(main.args?.slice(-2)).toEqual(['--tls-dns', 'webhook.example.com']);
  });

  it('runs on the host network with the port it is given: server, container port and probes agree', async () => {
    const manifests = await chart.render({ values: { hostNetwork: true, port: 10250 + 13 } });
    const spec = podSpec(manifests);
    expect(spec.hostNetwork).toBe(true);
    expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet');
    const main = container(manifests);
    expect(main.ports).toEqual([{ name: 'https', containerPort: 10263, protocol: 'TCP' }]);
    const args = main.args ?? [];
    expect(args[args.indexOf('--port') + 1]).toBe('10263');
    expect(main.readinessProbe?.httpGet?.port).toBe('https');
    // The Service still answers on 443 and forwards to the named port.
    expect(one<V1Service>(manifests, 'Service').spec?.ports).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('sets priorityClassName and pod metadata on the webhook Pods', async () => {
    const manifests = await chart.render({
      values: {
        priorityClassName: 'system-cluster-critical',
        podAnnotations: { a: 'b' },
        podLabels: { team: 'x' },
      },
    });
    const template = one<V1Deployment>(manifests, 'Deployment').spec!.template;
    expect(template.spec?.priorityClassName).toBe('system-cluster-critical');
    expect(template.metadata?.annotations).toEqual({ a: 'b' });
    expect(template.metadata?.labels).toMatchObject({ team: 'x' });
  });
});
