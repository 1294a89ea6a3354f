// Every cache shape a local process can stand for, on the real API server: the harness's
// `proxy-registry` is Docker's registry in proxy mode, serving Docker Hub at its root; the nginx
// Harbor stand-in serves it under a `proxy_cache` prefix with TLS and basic auth. One configuration
// uses both side by side, each with its own pull secret: `match` routes Grafana's images to the
// Harbor-style prefix, the rest of Docker Hub goes to the root-mounted cache, and curl's images fail
// over from the Harbor stand-in to the root-mounted cache when the stand-in goes down. Pod UPDATEs
// that change an image are rewritten; a label change never reaches the webhook (the recording proxy
// counts the calls). Needs only the control plane (E2E_NODE=0 is enough): what a node would pull is
// checked with skopeo against the very references and credentials the Pod carries.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cluster, kubectl, kubectlJson, skopeo, waitFor, type E2eEnv } from './harness.js';
import { httpsCall } from './webhook-process.js';
import {
  imagesOf,
  kubectlCreate,
  kubectlFull,
  originalImagesOf,
  pod,
  PULL_SECRET,
  warningsOf,
} from './cluster.js';
import { inspectProxied, pullCredentials, upstreamDigest } from './registries.js';
import { Pullthrough } from './webhook.js';

const env: E2eEnv = inject('e2eEnv');
const MIRROR_SECRET = 'regcred-mirror';

/** Docker's registry in proxy mode: Docker Hub at its root, plain HTTP. */
const mirror = (): string => env.E2E_PROXY_REGISTRY;
/** The Harbor stand-in's proxy-cache project. */
const harbor = (): string => env.E2E_REGISTRY_PREFIX;

function cachesConfig(): Record<string, unknown> {
  return {
    rules: [
      {
        registry: 'docker.io',
        match: ['docker.io/grafana/*'],
        proxy: harbor(),
        pullSecrets: [PULL_SECRET],
        probe: { url: `https://${env.E2E_REGISTRY}/v2/`, caFile: env.E2E_REGISTRY_CA },
      },
      {
        registry: 'docker.io',
        match: ['docker.io/curlimages/*'],
        proxies: [harbor(), mirror()],
        pullSecrets: [PULL_SECRET, MIRROR_SECRET],
      },
      {
        registry: 'docker.io',
        proxy: mirror(),
        pullSecrets: [MIRROR_SECRET],
        probe: { url: `http://${mirror()}/v2/` },
      },
    ],
    exclude: { images: [], owners: [] },
    pullSecrets: [PULL_SECRET],
    health: {
      enabled: true,
      intervalSeconds: 0.25,
      timeoutSeconds: 1,
      failureThreshold: 2,
      successThreshold: 1,
    },
  };
}

/** A dockerconfigjson Secret for the root-mounted cache (it needs none, but a real one would). */
async function createMirrorSecret(namespace: string): Promise<void> {
  await kubectl(env, [
    '-n',
    namespace,
    'create',
    'secret',
    'docker-registry',
    MIRROR_SECRET,
    `--docker-server=${mirror()}`,
    '--docker-username=puller',
    '--docker-password=unused',
  ]);
}

/** The digest the root-mounted cache serves for a reference under it (what a kubelet would pull). */
async function mirrorDigest(reference: string): Promise<string> {
  const out = await skopeo(env, ['inspect', '--tls-verify=false', `docker://${reference}`]);
  return (JSON.parse(out) as { Digest: string }).Digest;
}

describe('every cache shape: a root-mounted cache and a Harbor prefix side by side, routing, failover, Pod updates', () => {
  let pt: Pullthrough;
  let ns: string;

  beforeAll(async () => {
    pt = await Pullthrough.start(env, { name: 'caches', config: cachesConfig() });
    ns = await pt.namespaces.create('e2e-caches');
    await createMirrorSecret(ns);
  });

  afterAll(async () => {
    // The Harbor stand-in must be up for the files after this one, whatever happened here.
    await cluster(env, ['start', 'nginx']).catch(() => undefined);
    await pt?.close();
  });

  it('routes Grafana to the Harbor prefix and the rest of Docker Hub to the root-mounted cache, each with its own pull secret', async () => {
    const { object } = await kubectlCreate(
      env,
      ns,
      pod('side-by-side', { web: 'httpd', graf: 'grafana/grafana:11.1.3' }),
    );
    expect(imagesOf(object)).toEqual({
      'containers/web': `${mirror()}/library/httpd:latest`,
      'containers/graf': `${harbor()}/grafana/grafana:11.1.3`,
    });
    expect(object.spec.imagePullSecrets).toEqual([{ name: MIRROR_SECRET }, { name: PULL_SECRET }]);
    expect(originalImagesOf(object)).toEqual({
      'containers/web': 'httpd',
      'containers/graf': 'grafana/grafana:11.1.3',
    });
    // Both references resolve to the upstream's image: the root one anonymously over HTTP, the
    // Harbor one with the credentials of the Pod's own pull secret for that host.
    expect(await mirrorDigest(object.spec.containers[0].image)).toBe(
      await upstreamDigest(env, 'library/httpd:latest'),
    );
    const graf = object.spec.containers[1].image as string;
    const creds = await pullCredentials(env, object, graf);
    expect((await inspectProxied(env, graf, creds)).Digest).toBe(
      await upstreamDigest(env, 'grafana/grafana:11.1.3'),
    );
  });

  it('never prefixes an image already on the root-mounted cache, nor one under the Harbor prefix', async () => {
    const already = { web: `${mirror()}/library/httpd:latest`, graf: `${harbor()}/grafana/grafana:11.1.3` };
    const { object } = await kubectlCreate(env, ns, pod('already', already));
    expect(imagesOf(object)).toEqual({ 'containers/web': already.web, 'containers/graf': already.graf });
    expect(originalImagesOf(object)).toBeUndefined();
  });

  it('rewrites a Pod UPDATE that changes an image (kubectl set image) when the Pod has the pull secret', async () => {
    await kubectlCreate(env, ns, pod('set-image', { web: 'busybox:1.31.1' }));
    const { stderr } = await kubectlFull(env, [
      '-n',
      ns,
      'set',
      'image',
      'pod/set-image',
      'web=busybox:1.36',
    ]);
    expect(warningsOf(stderr)).toEqual([]);
    const updated = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'set-image']);
    expect(updated.spec.containers[0].image).toBe(`${mirror()}/library/busybox:1.36`);
    expect(originalImagesOf(updated)).toEqual({ 'containers/web': 'busybox:1.36' });
    expect(await mirrorDigest(updated.spec.containers[0].image)).toBe(
      await upstreamDigest(env, 'library/busybox:1.36'),
    );
  });

  it('leaves an updated image as written, with a warning, when the Pod lacks the pull secret', async () => {
    // No rule for the quay-like registry: created without any pull secret.
    await kubectlCreate(
      env,
      ns,
      pod('no-secret', { web: `${env.E2E_QUAY_REGISTRY}/prometheus/node-exporter:v1.8.2` }),
    );
    const { stderr } = await kubectlFull(env, [
      '-n',
      ns,
      'set',
      'image',
      'pod/no-secret',
      'web=busybox:1.36',
    ]);
    expect(warningsOf(stderr)).toEqual([
      expect.stringContaining(
        `containers/web: image "busybox:1.36" left as written: the Pod lacks imagePullSecrets ${MIRROR_SECRET}`,
      ),
    ]);
    const updated = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'no-secret']);
    expect(updated.spec.containers[0].image).toBe('busybox:1.36');
  });

  it('never calls the webhook for a Pod update that changes no image (a label), but does for one that does', async () => {
    await kubectlCreate(env, ns, pod('labelled', { web: 'httpd' }));
    const updatesOf = (): number =>
      pt
        .reviewsIn(ns)
        .filter((r) => r.review?.request?.operation === 'UPDATE' && r.review?.request?.name === 'labelled')
        .length;
    await kubectl(env, ['-n', ns, 'label', 'pod', 'labelled', 'tier=frontend']);
    await kubectl(env, ['-n', ns, 'annotate', 'pod', 'labelled', 'note=hello']);
    expect(updatesOf()).toBe(0);
    // The control: an image change on the same Pod does reach it (once per webhook: mutate and audit
    // are both registered, and only the namespaces' labels choose between them).
    await kubectl(env, ['-n', ns, 'set', 'image', 'pod/labelled', 'web=httpd:2.4']);
    expect(updatesOf()).toBeGreaterThanOrEqual(1);
    const updated = await kubectlJson<any>(env, ['-n', ns, 'get', 'pod', 'labelled']);
    expect(updated.spec.containers[0].image).toBe(`${mirror()}/library/httpd:2.4`);
    expect(updated.metadata.labels.tier).toBe('frontend');
  });

  it('fails over from the Harbor stand-in to the root-mounted cache while it is down, and back', async () => {
    const first = await kubectlCreate(env, ns, pod('curl-up', { curl: 'curlimages/curl:7.85.0' }));
    expect(first.object.spec.containers[0].image).toBe(`${harbor()}/curlimages/curl:7.85.0`);
    expect(first.object.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }, { name: MIRROR_SECRET }]);

    await cluster(env, ['stop', 'nginx']);
    try {
      const down = await waitFor(
        'pullthrough to see the Harbor stand-in down',
        async () => {
          const { object, warnings } = await kubectlCreate(
            env,
            ns,
            pod('curl-down', { curl: 'curlimages/curl:7.85.0', graf: 'grafana/grafana:11.1.3' }),
            { dryRun: true },
          );
          return object.spec.containers[0].image === `${mirror()}/curlimages/curl:7.85.0`
            ? { object, warnings }
            : undefined;
        },
        30_000,
        300,
      );
      // Grafana's rule has no second target: left as written, with the reason on the response.
      expect(down.object.spec.containers[1].image).toBe('grafana/grafana:11.1.3');
      expect(down.warnings).toEqual([
        `containers/graf: proxy ${harbor()} is unavailable; grafana/grafana:11.1.3 pulls from upstream`,
      ]);
      expect(await mirrorDigest(down.object.spec.containers[0].image)).toBe(
        await upstreamDigest(env, 'curlimages/curl:7.85.0'),
      );
      const metrics = (await httpsCall(`${pt.webhook.url}/metrics`, { ca: pt.webhook.caPem })).body;
      expect(metrics).toContain(
        `pullthrough_images_total{endpoint="mutate",reason="rewritten",registry="docker.io",proxy="${mirror()}"}`,
      );
      expect(metrics).toContain(`pullthrough_proxy_healthy{proxy="${harbor()}"} 0`);
    } finally {
      await cluster(env, ['start', 'nginx']);
    }
    await waitFor(
      'pullthrough to route to the Harbor stand-in again',
      async () => {
        const { object } = await kubectlCreate(
          env,
          ns,
          pod('curl-back', { curl: 'curlimages/curl:7.85.0' }),
          {
            dryRun: true,
          },
        );
        return object.spec.containers[0].image === `${harbor()}/curlimages/curl:7.85.0` ? true : undefined;
      },
      30_000,
      300,
    );
  });
});
