import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, rewritePolicyOf, type Config } from '../../src/config/config.js';
import { mutatePod, type MutationSettings } from '../../src/core/mutate-pod.js';
import { createRewriter } from '../../src/core/rewrite.js';

const { applyPatch } = fastJsonPatch;
const H = 'harbor.ingress.local/proxy_cache';

function settings(config: Config = DEFAULT_CONFIG, unhealthy: string[] = []): MutationSettings {
  return {
    rewriter: createRewriter(rewritePolicyOf(config)),
    pullSecrets: config.pullSecrets,
    excludedOwners: config.exclude.owners,
    rewriteOptions: { unhealthyProxies: new Set(unhealthy) },
  };
}

const create = { kind: 'create' } as const;

function apply(pod: any, config?: Config) {
  const mutation = mutatePod(pod, settings(config), create);
  return {
    mutation,
    pod: applyPatch(structuredClone(pod), mutation.patch as any, true, false).newDocument,
  };
}

describe('pull secrets', () => {
  it('adds the secret once when several images are rewritten', () => {
    const { pod } = apply({
      metadata: {},
      spec: {
        containers: [
          { name: 'a', image: 'nginx' },
          { name: 'b', image: 'redis' },
        ],
      },
    });
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred-harbor' }]);
  });

  it('does not add a secret that is already listed', () => {
    const { mutation } = apply({
      metadata: {},
      spec: { imagePullSecrets: [{ name: 'regcred-harbor' }], containers: [{ name: 'a', image: 'nginx' }] },
    });
    expect(mutation.pullSecretsAdded).toEqual([]);
    expect(mutation.patch.filter((op) => op.path.includes('imagePullSecrets'))).toEqual([]);
  });

  it('adds no secret when nothing was rewritten', () => {
    const { mutation } = apply({ metadata: {}, spec: { containers: [{ name: 'a', image: 'quay.io/a/b' }] } });
    expect(mutation.patch).toEqual([]);
  });

  it("uses each rule's own secrets, and the default for rules that name none", () => {
    const config = parseConfig(
      `rules:
  - {registry: docker.io, proxy: harbor.local/dh}
  - {registry: ghcr.io, proxy: harbor.local/ghcr, pullSecrets: [ghcr-secret]}
pullSecrets: [default-secret]
`,
      't',
    );
    const ghcrOnly = apply(
      { metadata: {}, spec: { containers: [{ name: 'a', image: 'ghcr.io/o/i:1' }] } },
      config,
    );
    expect(ghcrOnly.pod.spec.imagePullSecrets).toEqual([{ name: 'ghcr-secret' }]);
    const both = apply(
      {
        metadata: {},
        spec: {
          containers: [
            { name: 'a', image: 'ghcr.io/o/i:1' },
            { name: 'b', image: 'nginx' },
          ],
        },
      },
      config,
    );
    expect(both.pod.spec.imagePullSecrets).toEqual([{ name: 'ghcr-secret' }, { name: 'default-secret' }]);
  });

  it('replaces an imagePullSecrets that is null', () => {
    const { pod } = apply({
      metadata: {},
      spec: { imagePullSecrets: null, containers: [{ name: 'a', image: 'nginx' }] },
    });
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred-harbor' }]);
  });
});

describe('the original-images annotation', () => {
  it('keeps the first originals when a reinvocation rewrites an injected sidecar', () => {
    const first = apply({
      metadata: { annotations: { keep: 'me' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
    });
    // Another webhook injects a Docker Hub sidecar; the API server calls pullthrough again.
    first.pod.spec.containers.push({ name: 'istio-proxy', image: 'istio/proxyv2:1.22.0' });
    const second = apply(first.pod);
    expect(second.pod.spec.containers.map((c: any) => c.image)).toEqual([
      `${H}/library/nginx:1`,
      `${H}/istio/proxyv2:1.22.0`,
    ]);
    expect(second.pod.spec.imagePullSecrets).toEqual([{ name: 'regcred-harbor' }]);
    expect(second.pod.metadata.annotations.keep).toBe('me');
    expect(JSON.parse(second.pod.metadata.annotations['pullthrough.io/original-images'])).toEqual({
      'containers/app': 'nginx:1',
      'containers/istio-proxy': 'istio/proxyv2:1.22.0',
    });
  });

  it('replaces an annotation that is not JSON and says so', () => {
    const { mutation, pod } = apply({
      metadata: { annotations: { 'pullthrough.io/original-images': 'garbage{' } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    expect(JSON.parse(pod.metadata.annotations['pullthrough.io/original-images'])).toEqual({
      'containers/app': 'nginx',
    });
    expect(mutation.warnings).toEqual([
      'the pullthrough.io/original-images annotation was not JSON and has been replaced',
    ]);
  });

  it('creates metadata for an object that has none', () => {
    const { pod } = apply({ spec: { containers: [{ name: 'app', image: 'nginx' }] } });
    expect(pod.metadata.annotations['pullthrough.io/original-images']).toBe('{"containers/app":"nginx"}');
  });
});

describe('pods left alone', () => {
  it('skips pods owned by an excluded owner kind (operators that fight rewrites)', () => {
    const config = parseConfig('exclude: {owners: [{apiGroup: postgresql.cnpg.io, kind: Cluster}]}\n', 't');
    const pod = {
      metadata: {
        ownerReferences: [
          { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: 'pg', controller: true },
        ],
      },
      spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] },
    };
    expect(mutatePod(pod, settings(config), create)).toMatchObject({ skipped: 'excluded-owner', patch: [] });
    const other = {
      ...pod,
      metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r' }] },
    };
    expect(mutatePod(other, settings(config), create).skipped).toBeUndefined();
  });

  it('matches core-group owners by an empty apiGroup', () => {
    const config = parseConfig('exclude: {owners: [{kind: ReplicationController}]}\n', 't');
    const pod = {
      metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController' }] },
      spec: {},
    };
    expect(mutatePod(pod, settings(config), create).skipped).toBe('excluded-owner');
  });

  it('leaves images of an unhealthy proxy as written and adds no secret for them', () => {
    const pod = { metadata: {}, spec: { containers: [{ name: 'a', image: 'nginx' }] } };
    const mutation = mutatePod(pod, settings(DEFAULT_CONFIG, [`harbor.ingress.local/proxy_cache`]), create);
    expect(mutation.patch).toEqual([]);
    expect(mutation.images[0]!.decision.reason).toBe('proxy-unhealthy');
  });
});

describe('ephemeral containers (kubectl debug)', () => {
  const old = {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'app', image: 'nginx' }],
      ephemeralContainers: [{ name: 'dbg-1', image: 'busybox' }],
    },
  };

  it('rewrites only the new ephemeral containers, never other fields', () => {
    const pod = structuredClone(old);
    pod.spec.ephemeralContainers.push({ name: 'dbg-2', image: 'busybox:1.36' });
    const mutation = mutatePod(pod, settings(), { kind: 'ephemeral-update', oldPod: old });
    expect(mutation.patch).toEqual([
      { op: 'replace', path: '/spec/ephemeralContainers/1/image', value: `${H}/library/busybox:1.36` },
    ]);
  });

  it('warns when the pod lacks the pull secret the new image needs', () => {
    const pod = structuredClone(old);
    pod.spec.ephemeralContainers.push({ name: 'dbg-2', image: 'busybox:1.36' });
    const mutation = mutatePod(pod, settings(), { kind: 'ephemeral-update', oldPod: old });
    expect(mutation.warnings).toEqual([
      'ephemeral container images were proxied but the Pod lacks imagePullSecrets regcred-harbor; they cannot be added to a running Pod, so the pull may fail',
    ]);
  });
});

describe('unknown fields', () => {
  it('are never in the patch and survive it untouched and in order', () => {
    const pod = {
      zzz: 1,
      metadata: { name: 'x', aaa: { nested: [1, 2] } },
      spec: {
        futureField: { a: 1 },
        containers: [{ name: 'c', futureContainerField: true, image: 'nginx', args: ['b', 'a'] }],
      },
    };
    const { mutation, pod: patched } = apply(pod);
    for (const op of mutation.patch)
      expect(op.path).toMatch(/^\/(spec\/containers\/0\/image|spec\/imagePullSecrets|metadata\/annotations)/);
    expect(Object.keys(patched)).toEqual(['zzz', 'metadata', 'spec']);
    expect(Object.keys(patched.spec.containers[0])).toEqual([
      'name',
      'futureContainerField',
      'image',
      'args',
    ]);
    expect(patched.spec.futureField).toEqual({ a: 1 });
  });
});

describe('Pod updates that change an image (kubectl set image pod/...)', () => {
  const original = `${H}/library/nginx:1.26`;
  const running = () => ({
    metadata: {
      name: 'web',
      labels: { app: 'web' },
      annotations: { 'pullthrough.io/original-images': JSON.stringify({ 'containers/web': 'nginx:1.26' }) },
    },
    spec: {
      imagePullSecrets: [{ name: 'regcred-harbor' }],
      initContainers: [{ name: 'init', image: `${H}/library/busybox:1.36` }],
      containers: [
        { name: 'web', image: original },
        { name: 'sidecar', image: 'quay.io/prometheus/node-exporter:v1.8.2' },
      ],
    },
  });
  const update = (old: unknown) => ({ kind: 'update', oldPod: old }) as const;

  it('rewrites the changed image and records the new original, touching nothing else', () => {
    const old = running();
    const pod = running();
    pod.spec.containers[0]!.image = 'nginx:1.27';
    const mutation = mutatePod(pod, settings(), update(old));
    expect(mutation.patch).toEqual([
      { op: 'replace', path: '/spec/containers/0/image', value: `${H}/library/nginx:1.27` },
      {
        op: 'replace',
        path: '/metadata/annotations/pullthrough.io~1original-images',
        value: JSON.stringify({ 'containers/web': 'nginx:1.27' }),
      },
    ]);
    expect(mutation.images.map((image) => image.name)).toEqual(['web']);
    expect(mutation.warnings).toEqual([]);
  });

  it('rewrites a changed init container image too', () => {
    const old = running();
    const pod = running();
    pod.spec.initContainers[0]!.image = 'busybox:1.37';
    const mutation = mutatePod(pod, settings(), update(old));
    expect(mutation.patch[0]).toEqual({
      op: 'replace',
      path: '/spec/initContainers/0/image',
      value: `${H}/library/busybox:1.37`,
    });
  });

  it('leaves the image and warns when the Pod lacks the pull secret, which cannot be added', () => {
    const old = running();
    const pod = running();
    old.spec.imagePullSecrets = [];
    pod.spec.imagePullSecrets = [];
    pod.spec.containers[0]!.image = 'nginx:1.27';
    const mutation = mutatePod(pod, settings(), update(old));
    expect(mutation.patch).toEqual([]);
    expect(mutation.images[0]!.decision).toMatchObject({
      input: 'nginx:1.27',
      output: 'nginx:1.27',
      rewritten: false,
      reason: 'pull-secret-missing',
    });
    expect(mutation.warnings).toEqual([
      'containers/web: image "nginx:1.27" left as written: the Pod lacks imagePullSecrets regcred-harbor, which cannot be added to a running Pod',
    ]);
  });

  it('elides a long image in the warning so the reason survives the warning length cap', () => {
    const old = running();
    const pod = running();
    old.spec.imagePullSecrets = [];
    pod.spec.imagePullSecrets = [];
    const long = `team/${'a'.repeat(200)}:1`;
    pod.spec.containers[0]!.image = long;
    const [warning] = mutatePod(pod, settings(), update(old)).warnings;
    expect(warning).toContain('…');
    expect(warning).not.toContain(long);
    expect(warning).toContain('the Pod lacks imagePullSecrets regcred-harbor');
    expect(warning!.length).toBeLessThan(256);
  });

  it("checks the secrets of the image's own rule", () => {
    const config = parseConfig(
      `rules:
  - {registry: docker.io, proxy: "${H}"}
  - {registry: quay.io, proxy: harbor.local/quay, pullSecrets: [regcred-quay]}
`,
      'test.yaml',
    );
    const old = running();
    const pod = running();
    pod.spec.containers[1]!.image = 'quay.io/prometheus/node-exporter:v1.9.0';
    const mutation = mutatePod(pod, settings(config), update(old));
    expect(mutation.patch).toEqual([]);
    expect(mutation.images[0]!.decision.reason).toBe('pull-secret-missing');
    pod.spec.imagePullSecrets.push({ name: 'regcred-quay' });
    expect(mutatePod(pod, settings(config), update(old)).patch[0]).toEqual({
      op: 'replace',
      path: '/spec/containers/1/image',
      value: 'harbor.local/quay/prometheus/node-exporter:v1.9.0',
    });
  });

  it('yields an empty patch for an update that changes no image (labels only)', () => {
    const old = running();
    const pod = running();
    pod.metadata.labels.app = 'web-2';
    const mutation = mutatePod(pod, settings(), update(old));
    expect(mutation).toMatchObject({ patch: [], images: [], warnings: [] });
  });

  it('never rewrites an unchanged image that is not proxied (that would restart its container)', () => {
    const old = running();
    old.spec.containers[0]!.image = 'nginx:1.26';
    const pod = structuredClone(old);
    pod.metadata.labels.app = 'web-2';
    expect(mutatePod(pod, settings(), update(old)).patch).toEqual([]);
  });

  it('sees its own earlier rewrite on re-invocation and changes nothing', () => {
    const old = running();
    const pod = running();
    pod.spec.containers[0]!.image = `${H}/library/nginx:1.27`;
    const mutation = mutatePod(pod, settings(), update(old));
    expect(mutation.patch).toEqual([]);
    expect(mutation.images[0]!.decision.reason).toBe('already-proxied');
  });

  it('does nothing without an old object to compare with', () => {
    const pod = running();
    pod.spec.containers[0]!.image = 'nginx:1.27';
    expect(mutatePod(pod, settings(), update(undefined)).images).toEqual([]);
  });

  it('leaves an opted-out Pod alone on update as on create', () => {
    const old = running();
    const pod = running();
    (pod.metadata.labels as Record<string, string>)['pullthrough.io/rewrite'] = 'disabled';
    pod.spec.containers[0]!.image = 'nginx:1.27';
    expect(mutatePod(pod, settings(), update(old))).toMatchObject({ skipped: 'opt-out-label', patch: [] });
  });
});
