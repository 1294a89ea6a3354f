// The Helm chart against the real kube-apiserver: every rendered variant passes server-side
// validation (`kubectl apply --dry-run=server`), and the self-managed certificate flow works for
// real: two `pullthrough serve --cert-secret ...` replicas, running with the chart's own
// ServiceAccount and least-privilege RBAC, fill the chart's placeholder Secret with one CA, patch it
// into the configuration's caBundle, and the API server then calls them over TLS; and a rotation
// (driven in-process with a movable clock: the CLI has no flag for short lifetimes) changes the
// Secret and the caBundle while the API server keeps getting answers.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../src/admission/runtime.js';
import { loadConfig } from '../../src/config/load.js';
import { REWRITE_LABEL } from '../../src/core/mutate-pod.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { startCertificateManager } from '../../src/kube/certificate-manager.js';
import { serviceDnsNames } from '../../src/kube/certificate-plan.js';
import { kubeCertificateStore } from '../../src/kube/kube-certificate-store.js';
import { attachTlsReload, secureContextOptions } from '../../src/tls/attach.js';
import { isIssuedBy, sameCertificates, splitPemCertificates } from '../../src/tls/tls-material.js';
import { kubectl, kubectlJson, waitFor, type E2eEnv } from './harness.js';
import {
  asList,
  chartFullname,
  e2eConfigValues,
  helmTemplate,
  parseManifests,
  type Manifest,
} from './chart.js';
import { freePort, servedCertificate, sleep, startWebhook, type WebhookProcess } from './webhook-process.js';
import { kubectlFull, Namespaces, pod } from './cluster.js';
import { proxied } from './registries.js';

const env: E2eEnv = inject('e2eEnv');
const MINUTE = 60_000;

/** Kinds whose CRDs this API server does not have (cert-manager, Prometheus Operator). */
const NO_CRD_GROUPS = ['cert-manager.io', 'monitoring.coreos.com'];
const groupOf = (m: Manifest): string => (m.apiVersion.includes('/') ? m.apiVersion.split('/')[0]! : '');

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

describe('the chart, validated by the real API server', () => {
  const namespaces = new Namespaces(env);
  let ns: string;

  beforeAll(async () => {
    ns = await namespaces.create('pt-e2e-chart', {}, { pullSecret: false });
  });

  afterAll(async () => {
    await namespaces.deleteAll();
  });

  const variants: Array<[string, Record<string, unknown>, string[]]> = [
    ['defaults (self-managed certificates, in-cluster Service)', {}, []],
    [
      'scope opt-in, mode audit, excluded namespaces, failurePolicy Fail',
      {
        scope: 'opt-in',
        mode: 'audit',
        excludedNamespaces: ['harbor'],
        webhook: { failurePolicy: 'Fail', timeoutSeconds: 10 },
      },
      [],
    ],
    [
      'webhook.url (server outside the cluster)',
      { webhook: { url: 'https://127.0.0.1:8443', caBundle: Buffer.from('not checked').toString('base64') } },
      [],
    ],
    [
      'pull-secret sync and verify credentials',
      { secretSync: { enabled: true }, verifyCredentialsSecret: 'regcred-harbor' },
      [],
    ],
    [
      'cert-manager (its Issuers and Certificates left out: no CRDs here)',
      { certManager: { enabled: true } },
      ['Issuer', 'Certificate', 'Issuer', 'Certificate'],
    ],
    ['ServiceMonitor (left out: no CRD here)', { serviceMonitor: { enabled: true } }, ['ServiceMonitor']],
  ];

  it.each(variants)(
    '%s: kubectl apply --dry-run=server accepts every object',
    async (_name, values, skipped) => {
      const manifests = parseManifests(await helmTemplate(env, 'pullthrough', ns, values));
      const kept = manifests.filter((m) => !NO_CRD_GROUPS.includes(groupOf(m)));
      expect(
        manifests
          .filter((m) => NO_CRD_GROUPS.includes(groupOf(m)))
          .map((m) => m.kind)
          .sort(),
      ).toEqual([...skipped].sort());
      const { stdout } = await kubectlFull(env, ['apply', '--dry-run=server', '-f', '-'], asList(kept));
      for (const m of kept) {
        expect(stdout).toContain(`${m.metadata.name} created (server dry run)`);
      }
      // Nothing was stored.
      const stored = await kubectl(env, [
        'get',
        'mutatingwebhookconfiguration',
        'pullthrough',
        '--ignore-not-found',
      ]);
      expect(stored.trim()).toBe('');
    },
  );
});

describe('self-managed certificates against the real API server', () => {
  const namespaces = new Namespaces(env);
  let ns: string;
  let appNs: string;
  let dir: string;
  let configFile: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-certs-'));
    ns = await namespaces.create('pt-e2e-certs', {}, { pullSecret: false });
    appNs = await namespaces.create('e2e-certs-app', { [REWRITE_LABEL]: 'enabled' });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await namespaces.deleteAll();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The chart in url mode for `release`: the MutatingWebhookConfiguration calling `url`, scope opt-in
   * (only the `enabled` app namespace is affected) and failurePolicy Fail (a TLS failure is an error,
   * not a silently unchanged Pod). No caBundle: the server patches it in.
   */
  async function applyUrlModeConfiguration(release: string, url: string): Promise<any> {
    const manifests = parseManifests(
      await helmTemplate(env, release, ns, {
        scope: 'opt-in',
        config: e2eConfigValues(env),
        webhook: { url, failurePolicy: 'Fail', timeoutSeconds: 5 },
      }),
    );
    const mwc = manifests.find((m) => m.kind === 'MutatingWebhookConfiguration')!;
    await kubectl(env, ['apply', '-f', '-'], { input: asList([mwc]) });
    cleanups.push(() =>
      kubectl(env, ['delete', 'mutatingwebhookconfiguration', mwc.metadata.name, '--ignore-not-found']),
    );
    return mwc;
  }

  /** A dry-run Pod in the app namespace, rewritten: the API server called us over TLS and trusted us. */
  async function expectCalled(what: string, timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    await waitFor(
      what,
      async () => {
        const { stdout } = await kubectlFull(
          env,
          ['-n', appNs, 'create', '-f', '-', '-o', 'json', '--dry-run=server'],
          JSON.stringify(pod('probe', { web: 'httpd' })),
        );
        const image = JSON.parse(stdout).spec.containers[0].image;
        return image === proxied(env, 'library/httpd:latest') ? true : undefined;
      },
      timeoutMs,
      250,
    );
    return Date.now() - started;
  }

  it('two replicas with the chart RBAC fill the placeholder Secret with one CA, patch the caBundle, and the API server calls either', async () => {
    const release = 'pullthrough-e2e-certs';
    const fullname = chartFullname(release);
    // The in-cluster render gives the placeholder Secret, the ServiceAccount, its RBAC and the ConfigMap.
    const inCluster = parseManifests(await helmTemplate(env, release, ns, { config: e2eConfigValues(env) }));
    const wanted = [
      'ServiceAccount',
      'Secret',
      'ConfigMap',
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
      // The replicas patch the caBundle under the policy that allows nothing else.
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ];
    const objects = inCluster.filter((m) => wanted.includes(m.kind));
    expect(objects.map((m) => m.kind).sort()).toEqual([...wanted].sort());
    await kubectl(env, ['apply', '-f', '-'], { input: asList(objects) });
    cleanups.push(() =>
      kubectl(env, ['delete', 'clusterrole,clusterrolebinding', fullname, '--ignore-not-found']),
    );
    cleanups.push(() =>
      kubectl(env, [
        'delete',
        'validatingadmissionpolicy,validatingadmissionpolicybinding',
        `${fullname}-webhook-config-guard`,
        '--ignore-not-found',
      ]),
    );
    const placeholder = await kubectlJson<any>(env, ['-n', ns, 'get', 'secret', `${fullname}-tls`]);
    expect(placeholder.type).toBe('Opaque');
    expect(placeholder.data).toBeUndefined();
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, (objects.find((m) => m.kind === 'ConfigMap') as any).data['config.yaml']);

    const portA = await freePort();
    await applyUrlModeConfiguration(release, `https://127.0.0.1:${portA}`);

    // The replicas authenticate as the chart's ServiceAccount, so its RBAC is what is tested.
    const token = (await kubectl(env, ['-n', ns, 'create', 'token', fullname, '--duration=1h'])).trim();
    const kubeconfig = join(dir, 'sa.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'e2e',
            cluster: { server: env.E2E_APISERVER_URL, 'certificate-authority': env.E2E_CLUSTER_CA },
          },
        ],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'sa', context: { cluster: 'e2e', user: 'sa', namespace: ns } }],
        'current-context': 'sa',
      }),
    );
    const args = ['--cert-secret', `${fullname}-tls`, '--webhook-config', fullname, '--service', fullname];
    args.push('--namespace', ns, '--tls-dns', '127.0.0.1');
    const replicaEnv: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: kubeconfig };
    delete replicaEnv.POD_NAMESPACE;
    const started = Date.now();
    // Both at once: the API server's optimistic concurrency must leave one CA.
    const replicas: WebhookProcess[] = await Promise.all(
      [portA, undefined].map((port) =>
        startWebhook({ configFile, port, args, env: replicaEnv, readyTimeoutMs: 60_000 }),
      ),
    );
    for (const r of replicas) cleanups.push(() => r.stop());
    const readyMs = Date.now() - started;

    const secret = await kubectlJson<any>(env, ['-n', ns, 'get', 'secret', `${fullname}-tls`]);
    expect(secret.type).toBe('Opaque'); // the placeholder's type is kept (it cannot change)
    expect(secret.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const caPem = decode(secret.data['ca.crt']);
    expect(splitPemCertificates(caPem)).toHaveLength(1);
    const leaf = new X509Certificate(decode(secret.data['tls.crt']));
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain(`DNS:${fullname}.${ns}.svc`);
    // Both replicas serve the Secret's certificate, which verifies against its CA.
    for (const r of replicas) {
      expect((await servedCertificate(r.port, caPem)).fingerprint256).toBe(leaf.fingerprint256);
    }
    // Every webhook of the configuration carries that CA.
    const mwc = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', fullname]);
    expect(mwc.webhooks.length).toBeGreaterThan(0);
    for (const hook of mwc.webhooks)
      expect(sameCertificates(decode(hook.clientConfig.caBundle), caPem)).toBe(true);

    // The API server calls replica A over TLS with that caBundle...
    const calledA = await expectCalled('the API server to call replica A');
    // ...and replica B just as well (same CA, same leaf): re-point the configuration at it. kubectl
    // apply leaves the caBundle alone, since the chart never renders it.
    await replicas[0]!.stop();
    await applyUrlModeConfiguration(release, replicas[1]!.url);
    const after = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', fullname]);
    for (const hook of after.webhooks)
      expect(sameCertificates(decode(hook.clientConfig.caBundle), caPem)).toBe(true);
    const calledB = await expectCalled('the API server to call replica B');

    console.error(
      `e2e self-managed certs: 2 replicas ready in ${readyMs} ms; API server trusted A after ${calledA} ms, B after ${calledB} ms`,
    );
  });

  it('the chart RBAC is what the server needs and no more', async () => {
    const fullname = chartFullname('pullthrough-e2e-certs');
    const as = `--as=system:serviceaccount:${ns}:${fullname}`;
    const can = async (...args: string[]): Promise<string> => {
      const { stdout } = await kubectlFull(env, ['auth', 'can-i', as, ...args]).catch((err) => ({
        stdout: (err as { stdout: string }).stdout,
      }));
      return stdout.trim();
    };
    expect(await can('-n', ns, 'get', `secret/${fullname}-tls`)).toBe('yes');
    expect(await can('-n', ns, 'update', `secret/${fullname}-tls`)).toBe('yes');
    expect(await can('-n', ns, 'get', 'secret/some-other-secret')).toBe('no');
    expect(await can('-n', ns, 'list', 'secrets')).toBe('no');
    // No create: it cannot be scoped by name, and the chart's placeholder is the Secret the server fills.
    expect(await can('-n', ns, 'create', 'secrets')).toBe('no');
    expect(await can('-n', appNs, 'create', 'secrets')).toBe('no');
    expect(await can('patch', `mutatingwebhookconfiguration/${fullname}`)).toBe('yes');
    expect(await can('patch', 'mutatingwebhookconfiguration/someone-else')).toBe('no');
  });

  it('rotation: a renewed leaf, then a new CA, reach the Secret and the caBundle while the API server keeps getting answers', async () => {
    const release = 'pullthrough-e2e-rotate';
    const fullname = chartFullname(release);
    const secretName = `${fullname}-tls`;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(env.KUBECONFIG);

    // Lifetimes of an hour and 40 minutes, and a clock the test moves forward: 10 minutes later the
    // leaf is due (less than a third of its life left), 50 minutes later the CA. Certificates are
    // backdated an hour, so one issued at "now + 50 min" is already valid for the API server's clock.
    let offset = 0;
    const manager = await startCertificateManager({
      store: kubeCertificateStore({ kubeConfig: kc, namespace: ns, secretName, webhookConfigName: fullname }),
      dnsNames: serviceDnsNames(fullname, ns),
      ipAddresses: ['127.0.0.1'],
      now: () => Date.now() + offset,
      checkIntervalMs: 60 * MINUTE, // the test calls reconcile() itself
      caValidityDays: 1 / 24,
      leafValidityDays: 40 / (24 * 60),
      caBundleRetry: { initialMs: 200, maxMs: 1000 },
    });
    cleanups.push(() => manager.close());

    // The server as `serve` wires it, with this manager as its certificate source.
    const { config } = await loadConfig(configFile);
    const runtime = createRuntime(config);
    const app = buildApp({
      runtime: () => runtime,
      metrics: createMetrics({ defaultMetrics: false }),
      isReady: () => true,
      https: secureContextOptions(manager.current()),
    });
    const detach = attachTlsReload(app.server as unknown as HttpsServer, manager);
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      detach();
      await app.close();
    });
    const port = (app.server.address() as AddressInfo).port;

    // The configuration is created after the manager started: its retry must find it and patch it.
    await applyUrlModeConfiguration(release, `https://127.0.0.1:${port}`);
    const read = async (): Promise<{ secret: any; caBundles: string[]; mwcVersion: string }> => {
      const secret = await kubectlJson<any>(env, ['-n', ns, 'get', 'secret', secretName]);
      const mwc = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', fullname]);
      return {
        secret,
        caBundles: mwc.webhooks.map((h: any) => decode(h.clientConfig.caBundle ?? '')),
        mwcVersion: mwc.metadata.resourceVersion,
      };
    };
    const first = await waitFor('the caBundle patched in', async () => {
      const state = await read();
      return state.caBundles.every((b) => b.includes('BEGIN CERTIFICATE')) ? state : undefined;
    });
    expect(first.secret.type).toBe('kubernetes.io/tls'); // created by the manager: there was no placeholder
    const ca1 = decode(first.secret.data['ca.crt']);
    for (const b of first.caBundles) expect(sameCertificates(b, ca1)).toBe(true);
    await expectCalled('the API server to call the rotating server');

    // Traffic through the API server during both rotations: every Pod must be rewritten (with
    // failurePolicy Fail, a handshake the API server rejects would be an error here).
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const results: Array<{ ok: boolean; detail: string; at: number }> = [];
    let traffic = true;
    const loop = (async () => {
      for (let i = 0; traffic; i++) {
        try {
          const created = await core.createNamespacedPod({
            namespace: appNs,
            body: pod(`traffic-${i}`, { web: 'httpd' }),
            dryRun: 'All',
          });
          const image = created.spec!.containers[0]!.image!;
          results.push({ ok: image === proxied(env, 'library/httpd:latest'), detail: image, at: Date.now() });
        } catch (err) {
          const body = (err as { body?: string }).body ?? String(err);
          results.push({ ok: false, detail: String(body).slice(0, 300), at: Date.now() });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    try {
      // 1. The leaf is due: a new leaf from the same CA; the caBundle is not touched.
      offset = 10 * MINUTE;
      await manager.reconcile();
      const second = await read();
      expect(decode(second.secret.data['ca.crt'])).toBe(ca1);
      expect(second.secret.data['tls.crt']).not.toBe(first.secret.data['tls.crt']);
      expect(second.mwcVersion).toBe(first.mwcVersion);
      const leaf2 = decode(second.secret.data['tls.crt']);
      expect((await servedCertificate(port, ca1)).fingerprint256).toBe(
        new X509Certificate(leaf2).fingerprint256,
      );
      await sleep(2000);

      // 2. The CA is due: a new CA first in the bundle, the old one kept while it is valid; the
      // caBundle follows, and the served leaf is signed by the new CA.
      offset = 50 * MINUTE;
      const rotatedAt = Date.now();
      await manager.reconcile();
      const third = await read();
      const bundle = decode(third.secret.data['ca.crt']);
      const [ca2, kept] = splitPemCertificates(bundle);
      expect(splitPemCertificates(bundle)).toHaveLength(2);
      expect(kept!.trim()).toBe(ca1.trim());
      expect(ca2!.trim()).not.toBe(ca1.trim());
      for (const b of third.caBundles) expect(sameCertificates(b, bundle)).toBe(true);
      const served = await servedCertificate(port, bundle);
      expect(isIssuedBy(served.toString(), ca2!)).toBe(true);
      await sleep(3000);

      traffic = false;
      await loop;
      const failures = results.filter((r) => !r.ok);
      const afterRotation = failures.filter((r) => r.at >= rotatedAt);
      console.error(
        `e2e rotation: ${results.length} API server calls during the rotations, ${failures.length} failed` +
          (afterRotation.length
            ? ` (first ${afterRotation[0]!.at - rotatedAt} ms after the CA rotation: ${afterRotation[0]!.detail})`
            : ''),
      );
      expect(failures).toEqual([]);
      expect(results.length).toBeGreaterThan(10);
    } finally {
      traffic = false;
      await loop;
    }
  });
});
