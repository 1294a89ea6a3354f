// The reason pullthrough exists, end to end: a Docker Hub image in a Deployment is rewritten at
// admission, the rewritten reference is pulled through the Harbor stand-in with the Pod's own pull
// secret, the cache keeps the image, and when the upstream registry (Docker Hub) goes away the cached
// image still resolves ("Harbor serves the cache when Docker Hub is unreachable"). An image pushed
// for this run only makes the before/after of the cache unambiguous.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cluster, skopeo, uniqueName, waitFor, type E2eEnv } from './harness.js';
import { httpsCall } from './webhook-process.js';
import {
  inspectProxied,
  proxied,
  proxyCatalog,
  pullCredentials,
  pullProxied,
  pushUpstream,
  upstreamDigest,
  type Credentials,
} from './registries.js';
import { kubectlCreate, waitForPods } from './cluster.js';
import { Pullthrough } from './webhook.js';

const env: E2eEnv = inject('e2eEnv');

function deployment(name: string, image: string): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

describe('the rewritten image through the pull-through cache, with and without the upstream', () => {
  let pt: Pullthrough;
  let ns: string;
  let work: string;
  const id = uniqueName('run');
  const cached = `e2e-webhook/cached-${id}:v1`;
  const neverPulled = `e2e-webhook/never-pulled-${id}:v1`;
  let pod: any;
  let creds: Credentials;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-cache-'));
    for (const img of [cached, neverPulled]) await pushUpstream(env, img, work);
    pt = await Pullthrough.start(env, { name: 'cache', capture: false });
    ns = await pt.namespaces.create('e2e-cache');
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    // Whatever happened, leave the upstream running for the other test files.
    await cluster(env, ['start', 'upstream-registry']);
    await pt?.close();
  });

  it('a Deployment of a Docker Hub image gets the proxied reference, which a first pull puts in the cache', async () => {
    await kubectlCreate(env, ns, deployment('cached', `docker.io/${cached}`));
    [pod] = await waitForPods(env, ns, 'app=cached');
    const image = proxied(env, cached);
    expect(pod.spec.containers[0].image).toBe(image);

    const repo = cached.split(':')[0]!;
    expect(await proxyCatalog(env)).not.toContain(repo);
    creds = await pullCredentials(env, pod, image);
    expect((await inspectProxied(env, image, creds)).Digest).toBe(await upstreamDigest(env, cached));
    await pullProxied(env, image, creds, join(work, 'online'));
    expect(await proxyCatalog(env)).toContain(repo);
  });

  it('with the upstream registry stopped, the cached image still resolves and pulls whole through the proxy', async () => {
    const image = proxied(env, cached);
    const online = await pullProxied(env, image, creds, join(work, 'online'));
    await cluster(env, ['stop', 'upstream-registry']);
    try {
      await expect(
        skopeo(env, ['inspect', '--tls-verify=false', `docker://${env.E2E_UPSTREAM_REGISTRY}/${cached}`]),
      ).rejects.toThrow();

      // Admission does not depend on the upstream: a new Pod is still rewritten...
      await kubectlCreate(env, ns, deployment('offline', `docker.io/${neverPulled}`));
      const [offlinePod] = await waitForPods(env, ns, 'app=offline');
      expect(offlinePod.spec.containers[0].image).toBe(proxied(env, neverPulled));
      // ...and the proxy itself stays healthy for pullthrough's prober (it answers /v2/).
      const metrics = await httpsCall(`${pt.webhook.url}/metrics`, { ca: pt.webhook.caPem });
      expect(metrics.body).toMatch(/^pullthrough_proxy_healthy\{[^}]*\} 1$/m);

      // The cached image resolves and pulls whole (the proxy stores blobs while it streams them, so
      // allow it a moment, as the harness's smoke test does)...
      const offline = await waitFor(
        'an offline pull from the cache',
        () => pullProxied(env, image, creds, join(work, 'offline')),
        15_000,
        500,
      );
      expect(offline).toEqual(online);
      // ...while an image the cache never saw does not: the cache is what keeps Pods pulling.
      await expect(inspectProxied(env, proxied(env, neverPulled), creds)).rejects.toThrow(
        /manifest unknown|not found/i,
      );
    } finally {
      await cluster(env, ['start', 'upstream-registry']);
    }
    expect(await upstreamDigest(env, cached)).toMatch(/^sha256:/);
  });
});
