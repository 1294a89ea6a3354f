// The e2e node itself (test/e2e/cluster.sh, no webhook): one Ready, schedulable Node whose kubelet
// and containerd run Pods from the seeded images, resolve docker.io and quay.io to the upstream
// stand-ins, give Pods the `kubernetes` Service, and leave the host's sysctls alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kubectl, kubectlJson, type E2eEnv } from './harness.js';
import { directPulls, hasNode, imageDigestOf, servedBy, waitForPhase } from './node.js';
import { Namespaces, pod } from './cluster.js';
import { upstreamDigest } from './registries.js';

const env: E2eEnv = inject('e2eEnv');

describe.skipIf(!hasNode(env))('e2e node', () => {
  const namespaces = new Namespaces(env);

  afterAll(async () => {
    await namespaces.deleteAll();
  });

  it('has one Node, Ready and schedulable, with the kubelet of the pinned version', async () => {
    const nodes = await kubectlJson<{ items: any[] }>(env, ['get', 'nodes']);
    expect(nodes.items.map((n) => n.metadata.name)).toEqual([env.E2E_NODE_NAME]);
    const node = nodes.items[0];
    expect(node.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    expect(node.spec.unschedulable).toBeUndefined();
    expect(node.spec.taints ?? []).toEqual([]);
    expect(node.status.nodeInfo.kubeletVersion).toBe(env.E2E_K8S_VERSION);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/1\./);
  });

  it('runs Pods of docker.io and quay.io images pulled from the upstream stand-ins, with `kubectl logs` and the `kubernetes` Service', async () => {
    const ns = await namespaces.create('e2e-node', {}, { pullSecret: false });
    const check =
      'echo "service=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; ' +
      'nc -w 5 "$KUBERNETES_SERVICE_HOST" "$KUBERNETES_SERVICE_PORT" </dev/null && echo reachable';
    const manifest = pod('two', { web: 'busybox:1.36', quay: 'quay.io/prometheus/node-exporter:v1.8.2' });
    manifest.spec.containers[1].command = ['/bin/sh', '-c', `${check}; exec sleep 3600`];
    await kubectl(env, ['-n', ns, 'create', '-f', '-'], { input: JSON.stringify(manifest) });

    const p = await waitForPhase(env, ns, 'two');
    const statusOf = (name: string): any => p.status.containerStatuses.find((s: any) => s.name === name);
    const [web, quay] = [statusOf('web'), statusOf('quay')];
    expect(imageDigestOf(p, 'web')).toBe(await upstreamDigest(env, 'library/busybox:1.36'));
    // containerd asked the upstream registry itself, as Docker Hub's mirror (hosts.toml).
    expect(directPulls(env, 'library/busybox').length).toBeGreaterThan(0);
    expect(web.imageID).toMatch(/@sha256:/);
    expect(quay.imageID).toMatch(/@sha256:/);
    expect(imageDigestOf(p, 'quay')).toBe(
      await upstreamDigest(env, 'prometheus/node-exporter:v1.8.2', env.E2E_QUAY_REGISTRY),
    );
    expect(await servedBy(p)).toBe('docker.io/library/busybox:1.36');
    // The API server reaches the kubelet (its client cert, the node's InternalIP).
    const logs = await kubectl(env, ['-n', ns, 'logs', 'two', '-c', 'quay']);
    expect(logs).toContain('service=10.0.0.1:443');
    expect(logs).toContain('reachable');
  });

  it("leaves the host's kernel settings alone: the kubelet's sysctl writes land in files of its own mount namespace", () => {
    const before = new Map(
      readFileSync(join(env.E2E_NODE_DIR, 'host-sysctl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    expect(before.size).toBeGreaterThanOrEqual(3);
    for (const [key, value] of before)
      expect(readFileSync(`/proc/sys/${key}`, 'utf8').trim(), key).toBe(value);
    // What the kubelet set (it insists on vm.overcommit_memory=1 and kernel.panic=10) went to the stand-ins.
    const written = (key: string): string =>
      readFileSync(join(env.E2E_NODE_DIR, 'fake-sysctl', key.replace(/\//g, '_')), 'utf8').trim();
    expect(written('vm/overcommit_memory')).toBe('1');
    expect(written('kernel/panic')).toBe('10');
  });
});
