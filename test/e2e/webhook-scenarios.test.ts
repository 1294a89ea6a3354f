// The user scenarios (the README and docs/rewriting.md) against the real kube-apiserver of the e2e harness:
// pullthrough serve (the build in dist/) runs on 127.0.0.1, the chart's MutatingWebhookConfiguration
// (url mode) points the API server at it through a recording proxy, and each test checks the stored
// Pod, the AdmissionReview the API server sent, and (where it matters) that the rewritten reference
// really resolves through the Harbor stand-in with the Pod's own pull secret.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSelfSignedServing } from '../../src/tls/self-signed.js';
import { GRAFANA_LIKE_CHART, KUSTOMIZE_BASE } from '../audit/fixtures.js';
import { kubectl, kubectlJson, run, uniqueName, waitFor, type E2eEnv } from './harness.js';
import {
  goldenOf,
  readFixture,
  RECORD,
  recordFixture,
  REVIEWS_DIR,
  type NormalizeContext,
} from './review-fixtures.js';
import {
  featureEnabled,
  imagesOf,
  kubectlCreate,
  kubectlFull,
  originalImagesOf,
  pod,
  PULL_SECRET,
  waitForPods,
} from './cluster.js';
import { helmBinary } from './chart.js';
import { httpsCall, startWebhook, type WebhookProcess } from './webhook-process.js';
import {
  inspectProxied,
  proxied,
  proxyCatalog,
  pullCredentials,
  pullProxied,
  upstreamDigest,
} from './registries.js';
import { patchOf, type CapturedReview } from './capture-proxy.js';
import { Pullthrough } from './webhook.js';

const env: E2eEnv = inject('e2eEnv');

/** Real reviews kept as golden fixtures (see review-fixtures.ts), filled by the tests that provoke them. */
const recorded = new Map<string, { captured: CapturedReview; ctx: NormalizeContext; description: string }>();

describe('pullthrough admission against the e2e API server', () => {
  let pt: Pullthrough;
  let work: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-scn-'));
    const t0 = Date.now();
    pt = await Pullthrough.start(env, { name: 'scn', scope: 'cluster', mode: 'enforce' });
    timings.setup = Date.now() - t0;
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await pt?.close();
    console.error(
      `e2e webhook scenarios: setup ${timings.setup} ms (webhook, proxy, configuration, first call)`,
    );
  });

  /** Asserts the image resolves through the proxy with the Pod's pull secret, to the upstream digest. */
  async function expectResolves(p: any, image: string, upstreamPath: string): Promise<void> {
    const creds = await pullCredentials(env, p, image);
    const inspected = await inspectProxied(env, image, creds);
    expect(inspected.Digest).toBe(await upstreamDigest(env, upstreamPath));
  }

  it('scenario 1: the Kustomize base applied with kubectl apply -k: the ReplicaSet Pod is proxied, has the pull secret, and resolves through the cache, which then holds it', async () => {
    const ns = await pt.namespaces.create('e2e-wh-kustomize');
    const base = join(work, 'kustomize-base');
    mkdirSync(base);
    for (const [file, text] of Object.entries(KUSTOMIZE_BASE)) writeFileSync(join(base, file), text);
    await kubectl(env, ['-n', ns, 'apply', '-k', base]);

    const [p] = await waitForPods(env, ns, 'app=app-with-kustomize');
    const image = proxied(env, 'library/nginx:1.26-alpine');
    expect(p.spec.containers[0].image).toBe(image);
    expect(p.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
    expect(originalImagesOf(p)).toEqual({ 'containers/nginx': 'nginx:1.26-alpine' });
    expect(p.metadata.ownerReferences[0].kind).toBe('ReplicaSet');

    // What the API server sent: a CREATE of a Pod with only generateName, from the controller manager.
    const reviews = pt.reviewsIn(ns);
    expect(reviews).toHaveLength(1);
    const { request } = reviews[0]!.review;
    expect(reviews[0]!.endpoint).toBe('/mutate');
    expect(request).toMatchObject({ operation: 'CREATE', dryRun: false, kind: { kind: 'Pod' } });
    expect(request.object.metadata.generateName).toMatch(/^app-with-kustomize-[a-z0-9]+-$/);
    expect(request.object.metadata.name).toBeUndefined();
    expect(request.options).toEqual({ kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
    recorded.set('apiserver-replicaset-create', {
      captured: reviews[0]!,
      ctx: { namespace: ns, proxyPrefix: env.E2E_REGISTRY_PREFIX },
      description:
        'Scenario 1, recorded from kube-apiserver v1.34: the Pod the ReplicaSet of app-with-kustomize (kubectl apply -k) creates',
    });

    // The rewritten reference resolves through the Harbor stand-in with the Pod's own secret, and a
    // full pull leaves the image in the cache.
    await expectResolves(p, image, 'library/nginx:1.26-alpine');
    await pullProxied(env, image, await pullCredentials(env, p, image), join(work, 'nginx'));
    expect(await proxyCatalog(env)).toContain('library/nginx');
  });

  it('scenario 2: a Grafana-chart-like Deployment: Docker Hub init containers and Grafana are proxied, the Quay sidecar is not, one pull secret', async () => {
    const ns = await pt.namespaces.create('e2e-wh-grafana');
    const chart = join(work, 'grafana');
    for (const [file, text] of Object.entries(GRAFANA_LIKE_CHART)) {
      mkdirSync(dirname(join(chart, file)), { recursive: true });
      writeFileSync(join(chart, file), text);
    }
    const { stdout } = await run(await helmBinary(env), [
      'template',
      'grafana',
      chart,
      '--namespace',
      ns,
      '--skip-tests',
      '--set',
      'persistence.enabled=true',
      '--set',
      'sidecar.dashboards.enabled=true',
      '--set',
      'dashboards.enabled=true',
    ]);
    await kubectl(env, ['-n', ns, 'apply', '-f', '-'], { input: stdout });

    const [p] = await waitForPods(env, ns, 'app.kubernetes.io/name=grafana');
    expect(imagesOf(p)).toEqual({
      'initContainers/init-chown-data': proxied(env, 'library/busybox:1.31.1'),
      'initContainers/download-dashboards': proxied(env, 'curlimages/curl:7.85.0'),
      'containers/grafana-sc-dashboard': 'quay.io/kiwigrid/k8s-sidecar:1.27.4',
      'containers/grafana': proxied(env, 'grafana/grafana:11.1.3'),
    });
    expect(p.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
    expect(originalImagesOf(p)).toEqual({
      'initContainers/init-chown-data': 'docker.io/library/busybox:1.31.1',
      'initContainers/download-dashboards': 'docker.io/curlimages/curl:7.85.0',
      'containers/grafana': 'docker.io/grafana/grafana:11.1.3',
    });
    for (const path of ['library/busybox:1.31.1', 'curlimages/curl:7.85.0', 'grafana/grafana:11.1.3']) {
      await expectResolves(p, proxied(env, path), path);
    }
  });

  it('scenario 3: httpd with no tag becomes <proxy>/library/httpd:latest, which resolves', async () => {
    const ns = await pt.namespaces.create('e2e-wh-httpd');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dummy' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'dummy' } },
        template: {
          metadata: { labels: { app: 'dummy' } },
          spec: { containers: [{ name: 'httpd', image: 'httpd' }] },
        },
      },
    };
    await kubectl(env, ['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(deployment) });
    const [p] = await waitForPods(env, ns, 'app=dummy');
    const image = proxied(env, 'library/httpd:latest');
    expect(p.spec.containers[0].image).toBe(image);
    expect(originalImagesOf(p)).toEqual({ 'containers/httpd': 'httpd' });
    await expectResolves(p, image, 'library/httpd:latest');
  });

  it('kubectl create --dry-run=server shows the rewrite, stores nothing, and the webhook is told it is a dry run', async () => {
    const ns = await pt.namespaces.create('e2e-wh-dryrun');
    const created = await kubectlCreate(env, ns, pod('preview', { web: 'httpd' }), { dryRun: true });
    expect(created.object.spec.containers[0].image).toBe(proxied(env, 'library/httpd:latest'));
    expect(created.object.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
    // The README's one-liner, too.
    const run1 = await kubectlFull(env, [
      '-n',
      ns,
      'run',
      'probe',
      '--image=httpd',
      '--dry-run=server',
      '-o',
      'json',
    ]);
    expect(JSON.parse(run1.stdout).spec.containers[0].image).toBe(proxied(env, 'library/httpd:latest'));

    const pods = await kubectlJson<{ items: unknown[] }>(env, ['-n', ns, 'get', 'pods']);
    expect(pods.items).toEqual([]);
    const reviews = pt.reviewsIn(ns);
    expect(reviews.map((r) => [r.review.request.name, r.review.request.dryRun])).toEqual([
      ['preview', true],
      ['probe', true],
    ]);
  });

  it('kubectl debug: the ephemeral container image is proxied; on a Pod without the pull secret kubectl shows the warning', async () => {
    const ns = await pt.namespaces.create('e2e-wh-debug');
    // A rewritten Pod: it has the pull secret, so no warning.
    await kubectlCreate(env, ns, pod('web', { nginx: 'nginx:1.26-alpine' }));
    const debugged = await kubectlFull(env, [
      '-n',
      ns,
      'debug',
      'web',
      '--image=busybox:1.36',
      '--target=nginx',
      '--container=debugger',
      '--profile=general',
    ]);
    let p = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'web']);
    expect(p.spec.ephemeralContainers).toEqual([
      expect.objectContaining({ name: 'debugger', image: proxied(env, 'library/busybox:1.36') }),
    ]);
    expect(debugged.stderr).not.toContain('imagePullSecrets');

    // A Pod whose images are all from Quay: nothing was rewritten, so it has no pull secret, and one
    // cannot be added to an existing Pod: the debug image is proxied and kubectl prints why it may fail.
    // Bound to a node that does not exist, so it never starts: the recorded review (the Pod before and
    // after) carries no kubelet status, with or without the e2e node.
    const toolPod = pod('tool', { exporter: 'quay.io/prometheus/node-exporter:v1.8.2' });
    toolPod.spec.nodeName = 'e2e-no-such-node';
    await kubectlCreate(env, ns, toolPod);
    const warned = await kubectlFull(env, [
      '-n',
      ns,
      'debug',
      'tool',
      '--image=busybox:1.36',
      '--target=exporter',
      '--container=debugger',
      '--profile=general',
    ]);
    p = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'tool']);
    expect(p.spec.imagePullSecrets).toBeUndefined();
    expect(p.spec.ephemeralContainers[0].image).toBe(proxied(env, 'library/busybox:1.36'));
    expect(warned.stderr).toContain(
      'Warning: ephemeral container images were proxied but the Pod lacks imagePullSecrets regcred-harbor',
    );

    // The API server sends the pods/ephemeralcontainers UPDATE with the Pod before and after.
    const updates = pt.reviewsIn(ns).filter((r) => r.review.request.operation === 'UPDATE');
    expect(updates.map((r) => [r.review.request.name, r.review.request.subResource, r.endpoint])).toEqual([
      ['web', 'ephemeralcontainers', '/mutate'],
      ['tool', 'ephemeralcontainers', '/mutate'],
    ]);
    const tool = updates[1]!;
    expect(tool.review.request.oldObject.spec.ephemeralContainers).toBeUndefined();
    expect(tool.review.request.options).toMatchObject({ kind: 'UpdateOptions' });
    recorded.set('apiserver-debug-ephemeral-update', {
      captured: tool,
      ctx: { namespace: ns, proxyPrefix: env.E2E_REGISTRY_PREFIX },
      description:
        'kubectl debug, recorded from kube-apiserver v1.34: the pods/ephemeralcontainers UPDATE of a Pod without the pull secret (only the debug container is proxied, with a warning)',
    });
  });

  it('an image volume: pullthrough is sent and rewrites it; the API server keeps it only with the ImageVolume gate on', async () => {
    const ns = await pt.namespaces.create('e2e-wh-imagevol');
    const gate = await featureEnabled(env, 'ImageVolume');
    const manifest = pod('with-volume', { web: 'httpd' });
    manifest.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data', readOnly: true }];
    manifest.spec.volumes = [
      { name: 'data', image: { reference: 'busybox:1.36', pullPolicy: 'IfNotPresent' } },
    ];
    const { object } = await kubectlCreate(env, ns, manifest);

    // Mutating admission runs before the API server drops fields of disabled features, so the review
    // carries the image volume and pullthrough's patch rewrites it either way.
    const [review] = pt.reviewsIn(ns);
    expect(review!.review.request.object.spec.volumes).toContainEqual({
      name: 'data',
      image: { reference: 'busybox:1.36', pullPolicy: 'IfNotPresent' },
    });
    expect(patchOf(review!.response)).toContainEqual({
      op: 'replace',
      path: '/spec/volumes/0/image/reference',
      value: proxied(env, 'library/busybox:1.36'),
    });
    expect(originalImagesOf(object)).toEqual({ 'containers/web': 'httpd', 'volumes/data': 'busybox:1.36' });
    if (gate) {
      expect(imagesOf(object)['volumes/data']).toBe(proxied(env, 'library/busybox:1.36'));
    } else {
      // v1.34: ImageVolume is beta and off by default; the API server silently drops the volume and
      // its mount after admission (no error, no warning), so the stored Pod has neither.
      expect(object.spec.volumes.map((v: any) => v.name)).not.toContain('data');
      expect(object.spec.containers[0].volumeMounts.map((m: any) => m.name)).not.toContain('data');
      console.error(
        `e2e: ImageVolume is off in ${env.E2E_K8S_VERSION}: image volumes are dropped by the API server`,
      );
    }
    recorded.set('apiserver-image-volume-create', {
      captured: review!,
      ctx: { namespace: ns, proxyPrefix: env.E2E_REGISTRY_PREFIX },
      description:
        'kubectl create of a Pod with an untagged image and an image volume, recorded from kube-apiserver v1.34 (the review carries the volume even with the ImageVolume gate off)',
    });
  });

  it('reinvocation: a sidecar injected by a later webhook is proxied too, and listed in original-images', async () => {
    const ns = await pt.namespaces.create('e2e-wh-reinvoke');
    const injector = await startSidecarInjector();
    // Webhooks are called in the order of their configurations' names: pullthrough-e2e-scn < zz-...,
    // so the injector runs after pullthrough, which must then be reinvoked (reinvocationPolicy IfNeeded).
    const name = `zz-${uniqueName('e2e-sidecar-injector')}`;
    const config = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name },
      webhooks: [
        {
          name: 'inject.e2e.pullthrough.io',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          reinvocationPolicy: 'IfNeeded',
          clientConfig: {
            url: `${injector.url}/inject`,
            caBundle: Buffer.from(injector.caPem).toString('base64'),
          },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        },
      ],
    };
    try {
      expect([pt.name, name].sort()).toEqual([pt.name, name]);
      await kubectl(env, ['apply', '-f', '-'], { input: JSON.stringify(config) });
      await waitFor('the API server to call the sidecar injector', async () => {
        const { object } = await kubectlCreate(env, ns, pod('probe', { app: 'busybox:1.36' }), {
          dryRun: true,
        });
        return object.spec.containers.length === 2 ? true : undefined;
      });

      const { object } = await kubectlCreate(env, ns, pod('app', { app: 'nginx:1.26-alpine' }));
      expect(imagesOf(object)).toEqual({
        'containers/app': proxied(env, 'library/nginx:1.26-alpine'),
        'containers/injected-sidecar': proxied(env, 'curlimages/curl:7.85.0'),
      });
      expect(object.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      expect(originalImagesOf(object)).toEqual({
        'containers/app': 'nginx:1.26-alpine',
        'containers/injected-sidecar': 'curlimages/curl:7.85.0',
      });

      // pullthrough was called twice for this Pod: first without the sidecar, then (reinvoked) with it.
      const calls = pt.reviewsIn(ns).filter((r) => r.review.request.name === 'app');
      expect(calls.map((r) => Object.keys(imagesOf(r.review.request.object)))).toEqual([
        ['containers/app'],
        ['containers/app', 'containers/injected-sidecar'],
      ]);
      // Each call is its own request: the reinvocation carries a new uid, not the first call's.
      expect(calls[0]!.review.request.uid).not.toBe(calls[1]!.review.request.uid);
      // The second patch only proxies the sidecar and extends the annotation; no second pull secret.
      expect(patchOf(calls[1]!.response).map((op: any) => `${op.op} ${op.path}`)).toEqual([
        'replace /spec/containers/1/image',
        'replace /metadata/annotations/pullthrough.io~1original-images',
      ]);
      // And the injector saw the Pod after pullthrough: its app container already proxied.
      const seen = injector.seen.find((p) => p.metadata?.name === 'app');
      expect(seen.spec.containers[0].image).toBe(proxied(env, 'library/nginx:1.26-alpine'));
    } finally {
      await kubectl(env, ['delete', 'mutatingwebhookconfiguration', name, '--ignore-not-found']);
      await injector.close();
    }
  });

  it('the API server sends what the apiserver-* golden fixtures hold (E2E_RECORD_FIXTURES=1 rewrites them)', async () => {
    expect([...recorded.keys()].sort()).toEqual([
      'apiserver-debug-ephemeral-update',
      'apiserver-image-volume-create',
      'apiserver-replicaset-create',
    ]);
    for (const [name, { captured, ctx, description }] of recorded) {
      const golden = goldenOf(captured, ctx, description);
      if (RECORD) {
        await recordFixture(name, golden);
        continue;
      }
      const stored = readFixture(name);
      expect(stored, `${name}: not recorded yet (E2E_RECORD_FIXTURES=1)`).toBeDefined();
      expect(golden.review, `${name}: the API server's review changed; re-record`).toEqual(stored!.review);
      expect(golden.expected, `${name}: pullthrough's answer changed; re-record`).toEqual(stored!.expected);
    }
  });
});

/** A second mutating webhook that adds a Docker Hub sidecar to every Pod it is sent (once). */
async function startSidecarInjector(): Promise<{
  url: string;
  caPem: string;
  seen: any[];
  close: () => Promise<void>;
}> {
  const { ca, material } = await createSelfSignedServing();
  const seen: any[] = [];
  const server: Server = createServer({ cert: material.cert, key: material.key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const review = JSON.parse(body);
      const object = review.request.object;
      seen.push(object);
      const has = object.spec.containers.some((c: any) => c.name === 'injected-sidecar');
      const patch = has
        ? []
        : [
            {
              op: 'add',
              path: '/spec/containers/-',
              value: { name: 'injected-sidecar', image: 'curlimages/curl:7.85.0' },
            },
          ];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: {
            uid: review.request.uid,
            allowed: true,
            ...(patch.length > 0
              ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
              : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: ca.cert,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('operability: the admission log line', () => {
  let webhook: WebhookProcess;

  beforeAll(async () => {
    // One review as this API server sends it (the recorded fixture), straight to a fresh server.
    webhook = await startWebhook();
    const review = readFileSync(join(REVIEWS_DIR, 'apiserver-replicaset-create.json'), 'utf8');
    const reply = await httpsCall(`${webhook.url}/mutate`, {
      ca: webhook.caPem,
      method: 'POST',
      body: review,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).response.patchType).toBe('JSONPatch');
  });

  afterAll(async () => {
    await webhook?.stop();
  });

  // A quiet webhook's admission line must reach `kubectl logs` at once, not after 4 KiB of buffer.
  it('is on stdout within 2 s of the admission', async () => {
    await waitFor(
      'the admission log line',
      () => Promise.resolve(webhook.output().includes('"msg":"admission"') ? true : undefined),
      2000,
      100,
    );
  });

  it('is written at the latest when the server stops', async () => {
    await webhook.stop();
    const line = webhook
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"admission"'));
    expect(JSON.parse(line!)).toMatchObject({ endpoint: 'mutate', operation: 'CREATE', outcome: 'patched' });
  });
});
