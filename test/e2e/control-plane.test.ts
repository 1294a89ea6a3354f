// Smoke test of the end-to-end harness itself (no webhook): the control plane built from the
// k8s.io/kubernetes module, the controllers the product's e2e tests rely on, and the Harbor-like
// pull-through cache (TLS + basic auth + /proxy_cache path prefix) in front of the upstream registry.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cluster,
  kubectl,
  kubectlJson,
  registrySourceArgs,
  repoRoot,
  skopeo,
  uniqueName,
  waitFor,
  type E2eEnv,
} from './harness.js';
import { directPulls, hasNode, servedBy, waitForPhase } from './node.js';
import { proxyCatalog, pullProxied, pushUpstream } from './registries.js';

const env: E2eEnv = inject('e2eEnv');

function pinnedK8sVersion(): string {
  const goMod = readFileSync(join(repoRoot, 'hack/k8s-bins/go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v\d+\.\d+\.\d+\S*)/m.exec(goMod);
  if (!m) throw new Error('no k8s.io/kubernetes requirement in hack/k8s-bins/go.mod');
  return m[1]!;
}

function isNotFound(err: unknown): boolean {
  return err instanceof k8s.ApiException && err.code === 404;
}

describe('e2e control plane', () => {
  const kc = new k8s.KubeConfig();
  let core: k8s.CoreV1Api;
  const namespaces: string[] = [];

  beforeAll(() => {
    kc.loadFromFile(env.KUBECONFIG);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    for (const name of namespaces) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    }
  });

  async function newNamespace(prefix: string): Promise<string> {
    const name = uniqueName(prefix);
    await core.createNamespace({ body: { metadata: { name } } });
    namespaces.push(name);
    return name;
  }

  it('serves /version as the pinned Kubernetes version (server and kubectl)', async () => {
    const pinned = pinnedK8sVersion();
    expect(env.E2E_K8S_VERSION).toBe(pinned);

    const info = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(info.gitVersion).toBe(pinned);
    const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(pinned)!;
    expect(info.major).toBe(major);
    expect(info.minor).toBe(minor);

    const v = JSON.parse(await kubectl(env, ['version', '-o', 'json']));
    expect(v.clientVersion.gitVersion).toBe(pinned);
    expect(v.serverVersion.gitVersion).toBe(pinned);
  });

  it('gives a new namespace its default ServiceAccount and kube-root-ca.crt', async () => {
    const ns = await newNamespace('e2e-cp-sa');
    const sa = await waitFor('ServiceAccount default', async () => {
      try {
        return await core.readNamespacedServiceAccount({ name: 'default', namespace: ns });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
    expect(sa.metadata?.name).toBe('default');
    const cm = await waitFor('ConfigMap kube-root-ca.crt', async () => {
      try {
        return await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: ns });
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
    expect(cm.data?.['ca.crt']).toBe(readFileSync(env.E2E_CLUSTER_CA, 'utf8'));
  });

  it('runs a Deployment through kube-controller-manager to a Pod (ServiceAccount admission on)', async () => {
    const ns = await newNamespace('e2e-cp-deploy');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app-with-kustomize', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'app-with-kustomize' } },
        template: {
          metadata: { labels: { app: 'app-with-kustomize' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.26-alpine' }] },
        },
      },
    };
    await kubectl(env, ['apply', '-f', '-'], { input: JSON.stringify(deployment) });

    const pod = await waitFor(
      'a Pod of the Deployment',
      async () => {
        const list = await kubectlJson<k8s.V1PodList>(env, [
          '-n',
          ns,
          'get',
          'pods',
          '-l',
          'app=app-with-kustomize',
        ]);
        return list.items[0];
      },
      90_000,
    );
    expect(pod.spec!.containers[0]!.image).toBe('nginx:1.26-alpine');
    // Created by a ReplicaSet owned by the Deployment.
    const owner = pod.metadata!.ownerReferences?.[0];
    expect(owner?.kind).toBe('ReplicaSet');
    const rs = await kubectlJson<k8s.V1ReplicaSet>(env, ['-n', ns, 'get', 'replicaset', owner!.name]);
    expect(rs.metadata!.ownerReferences?.[0]?.kind).toBe('Deployment');
    expect(rs.metadata!.ownerReferences?.[0]?.name).toBe('app-with-kustomize');
    // The ServiceAccount admission plugin ran: default SA and the projected token volume.
    expect(pod.spec!.serviceAccountName).toBe('default');
    expect(pod.spec!.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    if (hasNode(env)) {
      // The scheduler binds it to the node, whose kubelet pulls the seeded image (docker.io -> the
      // upstream registry, containerd's hosts.toml) and runs it.
      const running = await waitForPhase(env, ns, pod.metadata!.name!);
      expect(running.spec.nodeName).toBe(env.E2E_NODE_NAME);
      expect(directPulls(env, 'library/nginx').length).toBeGreaterThan(0);
      expect(await servedBy(running)).toBe('docker.io/library/nginx:1.26-alpine');
    } else {
      // No scheduler and no kubelet: the Pod stays Pending.
      expect(pod.status?.phase).toBe('Pending');
    }
  });

  it('deletes a namespace (namespace controller)', async () => {
    const ns = await newNamespace('e2e-cp-del');
    await kubectl(env, ['-n', ns, 'create', 'configmap', 'x', '--from-literal=a=b']);
    await core.deleteNamespace({ name: ns });
    await waitFor(
      `namespace ${ns} to be gone`,
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return undefined;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      90_000,
    );
  });
});

describe('e2e pull-through registry', () => {
  // A seeded image, and two images unique to this run (so the test can be rerun on a reused cluster:
  // one goes through the cache, the other never does).
  const seeded = 'library/nginx:1.26-alpine';
  const id = uniqueName('run');
  const cached = `e2e-smoke/cached-${id}:v1`;
  const uncached = `e2e-smoke/uncached-${id}:v1`;
  const viaProxy = (img: string) => `docker://${env.E2E_REGISTRY_PREFIX}/${img}`;
  const viaUpstream = (img: string) => `docker://${env.E2E_UPSTREAM_REGISTRY}/${img}`;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pullthrough-e2e-cp-'));
    for (const img of [cached, uncached]) await pushUpstream(env, img, work);
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    // Whatever happened, leave the upstream running for the other test files.
    await cluster(env, ['start', 'upstream-registry']);
  });

  async function digestOf(ref: string, args: string[]): Promise<string> {
    return JSON.parse(await skopeo(env, ['inspect', ...args, ref])).Digest as string;
  }

  const pullThroughProxy = (img: string, dest: string): Promise<unknown> =>
    pullProxied(
      env,
      `${env.E2E_REGISTRY_PREFIX}/${img}`,
      { username: env.E2E_REGISTRY_USER, password: env.E2E_REGISTRY_PASSWORD },
      dest,
    );

  it('seeds the upstream registries with every listed image', async () => {
    const images = env.E2E_UPSTREAM_IMAGES.split(',');
    expect(images).toEqual(
      expect.arrayContaining([
        'library/nginx:1.26-alpine',
        'library/httpd:latest',
        'grafana/grafana:11.1.3',
        'library/busybox:1.31.1',
        'curlimages/curl:7.85.0',
      ]),
    );
    for (const img of images) {
      const out = JSON.parse(await skopeo(env, ['inspect', '--tls-verify=false', viaUpstream(img)]));
      expect(out.Labels['org.opencontainers.image.title']).toBe(`docker.io/${img}`);
    }
    for (const img of env.E2E_QUAY_IMAGES.split(',')) {
      await skopeo(env, ['inspect', '--tls-verify=false', `docker://${env.E2E_QUAY_REGISTRY}/${img}`]);
    }
  });

  it('refuses the proxy without credentials, with a wrong password, or without its CA', async () => {
    const certDir = ['--cert-dir', env.E2E_REGISTRY_CERT_DIR];
    await expect(skopeo(env, ['inspect', ...certDir, '--no-creds', viaProxy(seeded)])).rejects.toThrow(
      /unauthorized|authentication required/i,
    );
    await expect(
      skopeo(env, ['inspect', ...certDir, '--creds', `${env.E2E_REGISTRY_USER}:wrong`, viaProxy(seeded)]),
    ).rejects.toThrow(/unauthorized|authentication required/i);
    await expect(
      skopeo(env, [
        'inspect',
        '--creds',
        `${env.E2E_REGISTRY_USER}:${env.E2E_REGISTRY_PASSWORD}`,
        viaProxy(seeded),
      ]),
    ).rejects.toThrow(/certificate|x509/i);
  });

  it('resolves /proxy_cache/<path> through nginx + auth, and the cache then holds the image', async () => {
    // The seeded Docker Hub stand-in image, by tag, gives the upstream's digest.
    expect(await digestOf(viaProxy(seeded), registrySourceArgs(env))).toBe(
      await digestOf(viaUpstream(seeded), ['--tls-verify=false']),
    );

    const repo = cached.split(':')[0]!;
    expect(await proxyCatalog(env)).not.toContain(repo);
    expect(await digestOf(viaProxy(cached), registrySourceArgs(env))).toBe(
      await digestOf(viaUpstream(cached), ['--tls-verify=false']),
    );
    // A full pull (manifest, config, layer) through the proxy, with the auth file tests use for Secrets.
    await skopeo(env, [
      'copy',
      '--quiet',
      '--src-cert-dir',
      env.E2E_REGISTRY_CERT_DIR,
      '--src-authfile',
      env.E2E_REGISTRY_AUTH_FILE,
      viaProxy(cached),
      `dir:${join(work, 'online')}`,
    ]);
    expect(await proxyCatalog(env)).toEqual(expect.arrayContaining([repo, seeded.split(':')[0]]));
  });

  it('serves the cached image when the upstream registry is down', async () => {
    const online = JSON.parse(readFileSync(join(work, 'online', 'manifest.json'), 'utf8'));
    await cluster(env, ['stop', 'upstream-registry']);

    // The upstream is really gone, and an image never pulled through the cache is not available...
    await expect(skopeo(env, ['inspect', '--tls-verify=false', viaUpstream(cached)])).rejects.toThrow();
    await expect(skopeo(env, ['inspect', ...registrySourceArgs(env), viaProxy(uncached)])).rejects.toThrow(
      /manifest unknown|not found/i,
    );
    // ...but the cached ones still resolve, and pull whole. (The proxy stores blobs in the background
    // while it streams them, so allow it a moment.)
    await skopeo(env, ['inspect', ...registrySourceArgs(env), viaProxy(seeded)]);
    const offline = await waitFor(
      'an offline pull from the cache',
      () => pullThroughProxy(cached, join(work, 'offline')),
      15_000,
      500,
    );
    expect(offline).toEqual(online);

    await cluster(env, ['start', 'upstream-registry']);
    await skopeo(env, ['inspect', '--tls-verify=false', viaUpstream(cached)]);
  });
});
