// pullthrough the way users run it, on the e2e node: the image built from the repository's Dockerfile
// (hack/e2e-image.sh, pushed to the upstream registry by cluster.sh), the chart installed with
// `helm install` (2 replicas, self-managed certificates, the API server calling the Service), and
// Pods whose images the kubelet really pulls through the Harbor stand-in. Every pull a test counts on
// is proven three ways: the Pod's imageID (the digest the kubelet got), the proxy cache's catalog, and
// the Harbor stand-in's access log with the pull secret's user.
//
// The tests run in order and share one release; each leaves it installed and healthy for the next.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GRAFANA_LIKE_CHART, KUSTOMIZE_BASE } from '../audit/fixtures.js';
import { REWRITE_LABEL } from '../../src/core/mutate-pod.js';
import { cluster, kubectl, kubectlJson, repoRoot, run, uniqueName, waitFor, type E2eEnv } from './harness.js';
import {
  authenticatedPulls,
  containerLog,
  containerPid,
  directPulls,
  eventMessages,
  hasNode,
  imageDigestOf,
  processUids,
  rootIsReadOnly,
  servedBy,
  waitForPhase,
  waitForRunningPods,
} from './node.js';
import { CHART_DIR, helmBinary } from './chart.js';
import { kubectlCreate, Namespaces, pod, PULL_SECRET } from './cluster.js';
import { proxied, proxyCatalog, pushUpstream, upstreamDigest } from './registries.js';
import { sleep } from './webhook-process.js';

const env: E2eEnv = inject('e2eEnv');
const RELEASE = 'pullthrough';
const RELEASE_NS = 'pullthrough';
const SELECTOR = 'app.kubernetes.io/name=pullthrough';
const PROXY_CA_CONFIGMAP = 'harbor-ca';
const OPTED_IN = { [REWRITE_LABEL]: 'enabled' };
const IMAGE_UID = 65532;
const WEBHOOK_TIMEOUT_S = 5;

/** `repo[:port]/path:tag` -> chart `image.repository` and `image.tag`. */
function splitImage(ref: string): { repository: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at <= ref.lastIndexOf('/')) throw new Error(`image ${ref} has no tag`);
  return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
}

/** A one-container Pod whose image the kubelet resolves at the registry every time. */
function pulledAlways(name: string, image: string): any {
  return { ...pod(name, {}), spec: { containers: [{ name: 'app', image, imagePullPolicy: 'Always' }] } };
}

/**
 * The values of the install, as docs/install.md shows them: the image, the e2e Harbor stand-in as
 * the docker.io rule's proxy (its private CA from a ConfigMap, probed at the address Pods reach it
 * on), opt-in scope, and fast health probes so the cache-down test need not wait 30 s.
 */
function chartValues(): Record<string, unknown> {
  return {
    image: splitImage(env.E2E_PULLTHROUGH_IMAGE),
    replicaCount: 2,
    scope: 'opt-in',
    proxyCAConfigMap: PROXY_CA_CONFIGMAP,
    config: {
      rules: [
        {
          registry: 'docker.io',
          proxy: env.E2E_REGISTRY_PREFIX,
          probe: {
            url: `https://${env.E2E_REGISTRY_FOR_PODS}/v2/`,
            caFile: '/etc/pullthrough/proxy-ca/ca.crt',
          },
        },
      ],
      pullSecrets: [PULL_SECRET],
      health: {
        enabled: true,
        intervalSeconds: 1,
        timeoutSeconds: 1,
        failureThreshold: 2,
        successThreshold: 1,
      },
    },
  };
}

describe.skipIf(!hasNode(env) || !env.E2E_PULLTHROUGH_IMAGE)(
  'pullthrough installed with helm, on the e2e node',
  () => {
    const namespaces = new Namespaces(env);
    let work: string;
    let helm: string;
    const helmEnv = { ...process.env, KUBECONFIG: env.KUBECONFIG };
    const creationMs: { before?: number; after?: number } = {};

    async function helmRun(args: string[], timeoutMs = 180_000): Promise<string> {
      const { stdout } = await run(helm, args, { env: helmEnv, timeoutMs });
      return stdout;
    }

    /** Median time of `kubectl create --dry-run=server` of a Pod in an opted-in namespace (admission included). */
    async function medianCreationMs(ns: string): Promise<number> {
      const times: number[] = [];
      for (let i = 0; i < 9; i++) {
        times.push(
          (await kubectlCreate(env, ns, pod(`timing-${i}`, { c: 'busybox:1.36' }), { dryRun: true }))
            .elapsedMs,
        );
      }
      return times.sort((a, b) => a - b)[4]!;
    }

    async function webhookPods(): Promise<any[]> {
      return (await kubectlJson<{ items: any[] }>(env, ['-n', RELEASE_NS, 'get', 'pods', '-l', SELECTOR]))
        .items;
    }

    async function waitForReadyReplicas(count = 2, timeoutMs = 120_000): Promise<void> {
      await waitFor(
        `${count} ready replicas of deployment/${RELEASE}`,
        async () => {
          const d = await kubectlJson<any>(env, ['-n', RELEASE_NS, 'get', 'deployment', RELEASE]);
          const done =
            d.status?.readyReplicas === count &&
            d.status?.updatedReplicas === count &&
            (d.status?.replicas ?? 0) === count;
          return done ? true : undefined;
        },
        timeoutMs,
        500,
      );
    }

    /** What the API server makes of a Pod now (dry run: the webhook is called, nothing is stored). */
    async function admittedImage(ns: string, image: string): Promise<string> {
      const { object } = await kubectlCreate(env, ns, pod(uniqueName('probe'), { c: image }), {
        dryRun: true,
      });
      return object.spec.containers[0].image as string;
    }

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-node-'));
      helm = await helmBinary(env);
      await kubectl(env, ['create', 'namespace', RELEASE_NS]);
      await kubectl(env, [
        '-n',
        RELEASE_NS,
        'create',
        'configmap',
        PROXY_CA_CONFIGMAP,
        `--from-file=ca.crt=${env.E2E_REGISTRY_CA}`,
      ]);
      const ns = await namespaces.create('e2e-node-timing', OPTED_IN);
      creationMs.before = await medianCreationMs(ns);
    });

    afterAll(async () => {
      // Whatever a failed test left stopped, started again (no-ops otherwise).
      for (const c of ['kubernetes-service', 'upstream-registry', 'nginx']) {
        await cluster(env, ['start', c]).catch(() => undefined);
      }
      await helmRun(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '60s']).catch(
        () => undefined,
      );
      await kubectl(env, ['delete', 'namespace', RELEASE_NS, '--wait=false', '--ignore-not-found']).catch(
        () => undefined,
      );
      await namespaces.deleteAll();
      rmSync(work, { recursive: true, force: true });
      console.error(
        `e2e node: Pod creation (dry run, median of 9) ${creationMs.before} ms before the install, ${creationMs.after} ms after the uninstall`,
      );
    });

    it('helm install while Pods cannot reach the API server: the certificate bootstrap keeps retrying (never exits), then both replicas serve', async () => {
      // Pods reach the API server through the `kubernetes` Service (10.0.0.1:443); cut that path.
      await cluster(env, ['stop', 'kubernetes-service']);
      const values = join(work, 'values.json');
      writeFileSync(values, JSON.stringify(chartValues()));
      await helmRun(['install', RELEASE, CHART_DIR, '--namespace', RELEASE_NS, '--values', values]);

      const retrying = await waitFor(
        'both replicas logging start-up retries',
        async () => {
          const pods = await webhookPods();
          const logs = pods.map((p) => containerLog(env, p, 'pullthrough'));
          const retries = logs.map((l) =>
            l.split('\n').filter((x) => x.includes('cannot set up the certificate Secret yet')),
          );
          return pods.length === 2 && retries.every((r) => r.length >= 2) ? pods : undefined;
        },
        120_000,
        500,
      );
      for (const p of retrying) {
        // Still the first run of the container: it neither exited (the old bug: status 0) nor restarted.
        expect(p.status.phase).toBe('Running');
        const status = p.status.containerStatuses[0];
        expect(status.restartCount).toBe(0);
        expect(status.state.running).toBeDefined();
        expect(status.ready).toBe(false);
        expect(containerLog(env, p, 'pullthrough')).not.toContain('pullthrough is serving');
      }

      await cluster(env, ['start', 'kubernetes-service']);
      await waitForReadyReplicas(2);
    });

    it('both replicas run the image built from the Dockerfile as UID 65532 with a read-only root, share one CA, and the API server calls them through the Service', async () => {
      const pods = await webhookPods();
      expect(pods).toHaveLength(2);
      for (const p of pods) {
        expect(p.spec.nodeName).toBe(env.E2E_NODE_NAME);
        expect(p.spec.containers[0].image).toBe(env.E2E_PULLTHROUGH_IMAGE);
        const pid = await containerPid(env, p, 'pullthrough');
        expect(processUids(pid)).toEqual({ real: IMAGE_UID, effective: IMAGE_UID });
        expect(rootIsReadOnly(pid)).toBe(true);
        expect(containerLog(env, p, 'pullthrough')).toContain('pullthrough is serving');
      }

      const secret = await kubectlJson<any>(env, ['-n', RELEASE_NS, 'get', 'secret', `${RELEASE}-tls`]);
      const ca = Buffer.from(secret.data['ca.crt'], 'base64').toString('utf8');
      expect(ca.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(1);

      const mwc = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', RELEASE]);
      expect(mwc.webhooks.length).toBeGreaterThan(0);
      for (const webhook of mwc.webhooks) {
        expect(Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8').trim()).toBe(ca.trim());
        expect(webhook.clientConfig.url).toBeUndefined();
        expect(webhook.clientConfig.service).toMatchObject({ name: RELEASE, namespace: RELEASE_NS });
      }
      // The Service has both replicas as endpoints, which the API server dials (aggregator routing).
      const endpoints = await kubectlJson<any>(env, ['-n', RELEASE_NS, 'get', 'endpoints', RELEASE]);
      const ips = (endpoints.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip));
      expect(ips.sort()).toEqual(pods.map((p) => p.status.podIP).sort());
    });

    it("the post's demo: `kubectl run web --image=httpd` in an opted-in namespace runs <proxy>/library/httpd:latest, pulled through the cache with the injected secret", async () => {
      const ns = await namespaces.create('e2e-node-demo', OPTED_IN);
      const pullsBefore = authenticatedPulls(env, 'library/httpd').length;
      await kubectl(env, ['-n', ns, 'run', 'web', '--image=httpd']);

      const p = await waitForPhase(env, ns, 'web');
      expect(p.spec.containers[0].image).toBe(proxied(env, 'library/httpd:latest'));
      expect(p.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      // The digest the kubelet got is Docker Hub's (the upstream's); the log lines below say by which way.

      expect(imageDigestOf(p, 'web')).toBe(await upstreamDigest(env, 'library/httpd:latest'));
      expect(await proxyCatalog(env)).toContain('library/httpd');
      expect(authenticatedPulls(env, 'library/httpd').length).toBeGreaterThan(pullsBefore);
      expect(await servedBy(p)).toBe('docker.io/library/httpd:latest');
    });

    it('scenario 1 and 2 on the node: the Kustomize base and the Grafana-like chart (helm install), every replica Running from the cache, Quay left alone', async () => {
      const ns = await namespaces.create('e2e-node-apps', OPTED_IN);
      const base = join(work, 'kustomize-base');
      const chart = join(work, 'grafana');
      for (const [dir, files] of [
        [base, KUSTOMIZE_BASE],
        [chart, GRAFANA_LIKE_CHART],
      ] as const) {
        for (const [file, text] of Object.entries(files)) {
          mkdirSync(dirname(join(dir, file)), { recursive: true });
          writeFileSync(join(dir, file), text);
        }
      }
      await kubectl(env, ['-n', ns, 'apply', '-k', base]);
      await helmRun([
        'install',
        'grafana',
        chart,
        '--namespace',
        ns,
        '--set',
        'sidecar.dashboards.enabled=true',
        '--set',
        'dashboards.enabled=true',
      ]);

      const [app] = await waitForRunningPods(env, ns, 'app=app-with-kustomize');
      expect(app.spec.containers[0].image).toBe(proxied(env, 'library/nginx:1.26-alpine'));
      expect(imageDigestOf(app, 'nginx')).toBe(await upstreamDigest(env, 'library/nginx:1.26-alpine'));

      const [grafana] = await waitForRunningPods(env, ns, 'app.kubernetes.io/name=grafana');
      expect(grafana.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      const images = Object.fromEntries(
        [...grafana.spec.initContainers, ...grafana.spec.containers].map((c: any) => [c.name, c.image]),
      );
      expect(images).toEqual({
        'download-dashboards': proxied(env, 'curlimages/curl:7.85.0'),
        'grafana-sc-dashboard': 'quay.io/kiwigrid/k8s-sidecar:1.27.4',
        grafana: proxied(env, 'grafana/grafana:11.1.3'),
      });
      expect(grafana.status.initContainerStatuses[0].state.terminated?.exitCode).toBe(0);
      for (const s of grafana.status.containerStatuses) expect(s.state.running).toBeDefined();
      expect(imageDigestOf(grafana, 'grafana')).toBe(await upstreamDigest(env, 'grafana/grafana:11.1.3'));
      expect(imageDigestOf(grafana, 'download-dashboards')).toBe(
        await upstreamDigest(env, 'curlimages/curl:7.85.0'),
      );
      // The Quay image came from the Quay stand-in (containerd's hosts.toml for quay.io), not the cache.
      expect(imageDigestOf(grafana, 'grafana-sc-dashboard')).toBe(
        await upstreamDigest(env, 'kiwigrid/k8s-sidecar:1.27.4', env.E2E_QUAY_REGISTRY),
      );
      const catalog = await proxyCatalog(env);
      for (const repo of ['library/nginx', 'grafana/grafana', 'curlimages/curl'])
        expect(catalog).toContain(repo);
      expect(catalog).not.toContain('kiwigrid/k8s-sidecar');
      for (const repo of ['library/nginx', 'grafana/grafana', 'curlimages/curl']) {
        expect(authenticatedPulls(env, repo).length, repo).toBeGreaterThan(0);
      }
    });

    it('Pods made by controllers (StatefulSet, DaemonSet, Job, CronJob) are rewritten and run from the cache', async () => {
      const ns = await namespaces.create('e2e-node-controllers', OPTED_IN);
      const template = (app: string, image: string, extra: Record<string, unknown> = {}): any => ({
        metadata: { labels: { app } },
        spec: { containers: [{ name: app, image, ...extra }] },
      });
      const once = { command: ['/bin/sh', '-c', 'cat /etc/pullthrough-e2e-image'] };
      const manifests = [
        // First: the CronJob controller starts its Job on the next full minute.
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'cron' },
          spec: {
            schedule: '* * * * *',
            jobTemplate: {
              spec: {
                template: {
                  ...template('cron', 'busybox:1.31.1', once),
                  spec: { ...template('cron', 'busybox:1.31.1', once).spec, restartPolicy: 'Never' },
                },
              },
            },
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'sts' },
          spec: {
            serviceName: 'sts',
            replicas: 1,
            selector: { matchLabels: { app: 'sts' } },
            template: template('sts', 'nginx:1.26-alpine'),
          },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'ds' },
          spec: { selector: { matchLabels: { app: 'ds' } }, template: template('ds', 'busybox:1.36') },
        },
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'job' },
          spec: {
            backoffLimit: 0,
            template: {
              ...template('job', 'curlimages/curl:7.85.0', once),
              spec: { ...template('job', 'curlimages/curl:7.85.0', once).spec, restartPolicy: 'Never' },
            },
          },
        },
      ];
      await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }),
      });

      const expected: Array<[string, string, string]> = [
        ['sts', 'nginx', 'library/nginx:1.26-alpine'],
        ['ds', 'busybox', 'library/busybox:1.36'],
        ['job', 'curl', 'curlimages/curl:7.85.0'],
        ['cron', 'busybox', 'library/busybox:1.31.1'],
      ];
      for (const [app, , path] of expected) {
        const [p] = await waitForRunningPods(env, ns, `app=${app}`, 1, 150_000);
        expect(p.spec.containers[0].image, app).toBe(proxied(env, path));
        expect(p.spec.imagePullSecrets, app).toEqual([{ name: PULL_SECRET }]);
        expect(imageDigestOf(p, app), app).toBe(await upstreamDigest(env, path));
      }
      // Each Pod really came from its controller.
      const owners = (await kubectlJson<{ items: any[] }>(env, ['-n', ns, 'get', 'pods'])).items.map(
        (p) => p.metadata.ownerReferences?.[0]?.kind,
      );
      expect(new Set(owners)).toEqual(new Set(['StatefulSet', 'DaemonSet', 'Job']));
      const cronJobs = await kubectlJson<{ items: any[] }>(env, ['-n', ns, 'get', 'jobs']);
      expect(cronJobs.items.some((j) => j.metadata.ownerReferences?.[0]?.kind === 'CronJob')).toBe(true);
      expect(authenticatedPulls(env, 'library/busybox').length).toBeGreaterThan(0);
    });

    it('a namespace without the pull secret: the rewritten Pod fails with the 401 the kubelet reports, and `pullthrough audit` names the missing secret', async () => {
      const ns = await namespaces.create('e2e-node-nosecret', OPTED_IN, { pullSecret: false });
      // Always: the node already holds this image, and a cached image would start without any secret.
      await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
        input: JSON.stringify(pulledAlways('nosecret', 'busybox:1.36')),
      });
      const events = await waitFor(
        'the kubelet reporting the failed pull',
        async () => {
          const all = await eventMessages(env, ns, 'nosecret');
          return all.some((e) => e.startsWith('Failed:') && /401 Unauthorized/.test(e)) ? all : undefined;
        },
        90_000,
        500,
      );
      expect(events.join('\n')).toContain(proxied(env, 'library/busybox:1.36'));
      const p = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'nosecret']);
      expect(p.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      expect(p.status.phase).toBe('Pending');

      const configYaml = (
        await kubectl(env, [
          '-n',
          RELEASE_NS,
          'get',
          'configmap',
          RELEASE,
          '-o',
          'jsonpath={.data.config\\.yaml}',
        ])
      ).trim();
      const configFile = join(work, 'audit-config.yaml');
      writeFileSync(configFile, configYaml);
      const { stdout } = await run(
        process.execPath,
        [
          join(repoRoot, 'dist/bin.js'),
          'audit',
          '--kubeconfig',
          env.KUBECONFIG,
          '--config',
          configFile,
          '--scope',
          'opt-in',
          '-n',
          ns,
        ],
        { timeoutMs: 60_000 },
      ).catch((err) => ({ stdout: String(err.stdout ?? '') }));
      const missing = stdout.split('\n').filter((line) => line.includes(ns) && line.includes(PULL_SECRET));
      expect(missing.join('\n'), stdout).toMatch(/missing|not found|absent/i);
    });

    it('the upstream stopped after a first pull: a fresh tag fails, the cached image still starts (imagePullPolicy Always)', async () => {
      const ns = await namespaces.create('e2e-node-upstream', OPTED_IN);
      const tag = uniqueName('e2e');
      const cached = `library/busybox:${tag}-cached`;
      const fresh = `library/busybox:${tag}-fresh`;
      await pushUpstream(env, cached, work);
      await pushUpstream(env, fresh, work);
      await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
        input: JSON.stringify(pulledAlways('first', `busybox:${tag}-cached`)),
      });
      const first = await waitForPhase(env, ns, 'first');
      const digest = imageDigestOf(first, 'app');

      await cluster(env, ['stop', 'upstream-registry']);
      try {
        await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
          input: JSON.stringify(pulledAlways('again', `busybox:${tag}-cached`)),
        });
        await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
          input: JSON.stringify(pulledAlways('fresh', `busybox:${tag}-fresh`)),
        });
        const again = await waitForPhase(env, ns, 'again');
        expect(again.spec.containers[0].image).toBe(proxied(env, cached));
        expect(imageDigestOf(again, 'app')).toBe(digest);
        const failed = await waitFor(
          'the fresh tag failing to pull',
          async () => {
            const all = await eventMessages(env, ns, 'fresh');
            return all.some((e) => e.startsWith('Failed:')) ? all : undefined;
          },
          90_000,
          500,
        );
        expect(failed.join('\n')).toContain(proxied(env, fresh));
      } finally {
        await cluster(env, ['start', 'upstream-registry']);
      }
    });

    it('the cache (nginx) stopped with proxy health on: new Pods are left as written and pull from the upstream directly; rewriting resumes when it is back', async () => {
      const ns = await namespaces.create('e2e-node-cachedown', OPTED_IN);
      /** `count` dry runs in a row give `want` (both replicas have switched). */
      const settle = async (image: string, want: string): Promise<void> => {
        let streak = 0;
        await waitFor(
          `${image} admitted as ${want} ${4} times in a row`,
          async () => {
            streak = (await admittedImage(ns, image)) === want ? streak + 1 : 0;
            return streak >= 4 ? true : undefined;
          },
          60_000,
          300,
        );
      };
      await cluster(env, ['stop', 'nginx']);
      try {
        await settle('busybox:1.36', 'busybox:1.36');
        const directBefore = directPulls(env, 'library/busybox').length;
        const { warnings } = await kubectlCreate(env, ns, pulledAlways('direct', 'busybox:1.36'));
        expect(warnings.join('\n')).toMatch(/unavailable/i);
        const direct = await waitForPhase(env, ns, 'direct');
        expect(direct.spec.containers[0].image).toBe('busybox:1.36');
        expect(direct.spec.imagePullSecrets).toBeUndefined();
        expect(imageDigestOf(direct, 'app')).toBe(await upstreamDigest(env, 'library/busybox:1.36'));
        // containerd asked "Docker Hub" (the upstream, through its hosts.toml) itself.
        expect(directPulls(env, 'library/busybox').length).toBeGreaterThan(directBefore);
      } finally {
        await cluster(env, ['start', 'nginx']);
      }
      await settle('busybox:1.36', proxied(env, 'library/busybox:1.36'));
      await kubectl(env, ['-n', ns, 'create', '-f', '-'], {
        input: JSON.stringify(pod('proxied', { app: 'busybox:1.36' })),
      });
      const back = await waitForPhase(env, ns, 'proxied');
      expect(back.spec.containers[0].image).toBe(proxied(env, 'library/busybox:1.36'));
    });

    it('a rolling `helm upgrade` while Pods are created in a loop: every Pod is created, and every one is rewritten', async () => {
      const ns = await namespaces.create('e2e-node-rollout', OPTED_IN);
      const before = new Set((await webhookPods()).map((p) => p.metadata.name));
      const results: Array<{ name: string; image?: string; error?: string }> = [];
      let stop = false;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          const name = `loop-${i}`;
          // A scheduling gate keeps the Pods off the node: admission is what is under test here.
          const manifest = { ...pod(name, { app: 'busybox:1.36' }) };
          manifest.spec.schedulingGates = [{ name: 'e2e.pullthrough.io/hold' }];
          try {
            const { object } = await kubectlCreate(env, ns, manifest);
            results.push({ name, image: object.spec.containers[0].image });
          } catch (err) {
            results.push({ name, error: (err as Error).message });
          }
          await sleep(100);
        }
      })();
      try {
        const values = join(work, 'values-upgrade.json');
        writeFileSync(
          values,
          JSON.stringify({
            ...chartValues(),
            podAnnotations: { 'e2e.pullthrough.io/rollout': uniqueName('r') },
          }),
        );
        await helmRun(['upgrade', RELEASE, CHART_DIR, '--namespace', RELEASE_NS, '--values', values]);
        await kubectl(
          env,
          ['-n', RELEASE_NS, 'rollout', 'status', `deployment/${RELEASE}`, '--timeout=180s'],
          {
            timeoutMs: 200_000,
          },
        );
        await waitFor(
          'the old replicas gone',
          async () => ((await webhookPods()).some((p) => before.has(p.metadata.name)) ? undefined : true),
          120_000,
          500,
        );
        await sleep(2000);
      } finally {
        stop = true;
        await loop;
      }
      const now = (await webhookPods()).map((p) => p.metadata.name);
      expect(now.filter((n) => before.has(n))).toEqual([]);
      expect(results.filter((r) => r.error)).toEqual([]);
      expect(results.length).toBeGreaterThan(20);
      expect(results.filter((r) => r.image !== proxied(env, 'library/busybox:1.36'))).toEqual([]);
    });

    it('both webhook replicas gone: Pods are still created, unchanged, within the webhook timeout (fail-open)', async () => {
      const ns = await namespaces.create('e2e-node-failopen', OPTED_IN);
      // Scaled to zero (not just deleted: the ReplicaSet would replace them within seconds).
      await kubectl(env, ['-n', RELEASE_NS, 'scale', `deployment/${RELEASE}`, '--replicas=0']);
      await waitFor(
        'no webhook Pod left',
        async () => ((await webhookPods()).length === 0 ? true : undefined),
        90_000,
        500,
      );
      try {
        for (let i = 0; i < 3; i++) {
          const { object, elapsedMs } = await kubectlCreate(
            env,
            ns,
            pod(`open-${i}`, { app: 'busybox:1.36' }),
          );
          expect(object.spec.containers[0].image).toBe('busybox:1.36');
          expect(object.metadata.annotations?.['pullthrough.io/original-images']).toBeUndefined();
          expect(elapsedMs).toBeLessThan((WEBHOOK_TIMEOUT_S + 5) * 1000);
        }
      } finally {
        await kubectl(env, ['-n', RELEASE_NS, 'scale', `deployment/${RELEASE}`, '--replicas=2']);
      }
      await waitForReadyReplicas(2);
      expect(await admittedImage(ns, 'busybox:1.36')).toBe(proxied(env, 'library/busybox:1.36'));
    });

    it('`helm uninstall` removes the webhook configuration and everything the release made; Pods are then created as fast as before, and `httpd` pulls from the upstream directly', async () => {
      await helmRun(['uninstall', RELEASE, '--namespace', RELEASE_NS, '--wait', '--timeout', '120s']);
      expect(
        (
          await kubectl(env, [
            'get',
            'mutatingwebhookconfiguration',
            '-l',
            `app.kubernetes.io/instance=${RELEASE}`,
            '-o',
            'name',
          ])
        ).trim(),
      ).toBe('');
      await expect(kubectl(env, ['get', 'mutatingwebhookconfiguration', RELEASE])).rejects.toThrow(
        /NotFound/,
      );
      const left = await kubectl(env, [
        'get',
        'deployment,replicaset,service,endpoints,secret,configmap,serviceaccount,role,rolebinding,poddisruptionbudget,clusterrole,clusterrolebinding',
        '-A',
        '-l',
        `app.kubernetes.io/instance=${RELEASE}`,
        '-o',
        'name',
      ]);
      expect(left.trim()).toBe('');
      await waitFor(
        'the webhook Pods gone',
        async () => ((await webhookPods()).length === 0 ? true : undefined),
        90_000,
        500,
      );

      const ns = await namespaces.create('e2e-node-after', OPTED_IN);
      creationMs.after = await medianCreationMs(ns);
      expect(creationMs.after).toBeLessThan(creationMs.before! * 2 + 100);

      // The post's "before": the same command, nothing rewrites it, containerd pulls Docker Hub's httpd.
      const pullsBefore = authenticatedPulls(env, 'library/httpd').length;
      const directBefore = directPulls(env, 'library/httpd').length;
      await kubectl(env, ['-n', ns, 'run', 'web', '--image=httpd']);
      const p = await waitForPhase(env, ns, 'web');
      expect(p.spec.containers[0].image).toBe('httpd');
      expect(p.spec.imagePullSecrets).toBeUndefined();
      expect(imageDigestOf(p, 'web')).toBe(await upstreamDigest(env, 'library/httpd:latest'));
      // `httpd` means :latest, which the kubelet always resolves: at the upstream, not the cache.
      expect(directPulls(env, 'library/httpd').length).toBeGreaterThan(directBefore);
      expect(authenticatedPulls(env, 'library/httpd').length).toBe(pullsBefore);
      expect(await servedBy(p)).toBe('docker.io/library/httpd:latest');
    });
  },
);
