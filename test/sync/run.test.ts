// Two in-process secret sync instances (startSecretSync, the whole wiring) against the loopback fake
// API server: one leader writes, the metrics server answers, and a stopped leader hands over.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSecretSync, type RunningSecretSync } from '../../src/sync/run.js';
import { FakeApiServer } from '../helpers/fake-api-server.js';
import { captureLogger } from '../helpers/logger.js';
import { DOCKER_CONFIG, ROTATED_CONFIG } from './fixtures.js';

let api: FakeApiServer;
const running: RunningSecretSync[] = [];

beforeEach(async () => {
  api = new FakeApiServer();
  await api.start();
  api.putNamespace('pullthrough');
  api.putNamespace('apps', { 'pullthrough.io/rewrite': 'enabled' });
  api.putNamespace('plain');
  api.putSecret('pullthrough', {
    metadata: { name: 'regcred-harbor' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': DOCKER_CONFIG },
  });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((instance) => instance.stop()));
  await api.stop();
});

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function instance(identity: string): Promise<RunningSecretSync> {
  const started = await startSecretSync({
    kubeConfig: api.kubeConfig(),
    sourceNamespace: 'pullthrough',
    sourceName: 'regcred-harbor',
    targetName: 'regcred-harbor',
    scope: { scope: 'opt-in', mode: 'enforce', excludedNamespaces: ['pullthrough'] },
    leaseNamespace: 'pullthrough',
    leaseName: 'pullthrough-secret-sync',
    identity,
    timings: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 1_000 },
    resyncMs: 60_000,
    metrics: { host: '127.0.0.1', port: 0 },
    logger: captureLogger(),
  });
  running.push(started);
  return started;
}

describe('startSecretSync', () => {
  it('elects one writer, copies into opted-in namespaces, serves metrics, and hands over on stop', async () => {
    const a = await instance('a');
    const b = await instance('b');
    await until('a copy in apps', () => api.secrets.get('apps/regcred-harbor'));
    expect(api.secrets.has('plain/regcred-harbor')).toBe(false);
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    expect(follower.isLeader()).toBe(false);
    expect(api.leases.get('pullthrough/pullthrough-secret-sync')?.spec.holderIdentity).toBe(
      leader === a ? 'a' : 'b',
    );

    const metrics = await (await fetch(`${leader.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^pullthrough_secret_sync_leader 1$/m);
    expect(metrics).toMatch(/^pullthrough_secret_sync_target_namespaces 1$/m);
    expect(metrics).toMatch(/^pullthrough_secret_sync_writes_total\{action="create",result="success"\} 1$/m);
    expect(await (await fetch(`${follower.metricsUrl}/metrics`)).text()).toMatch(
      /^pullthrough_secret_sync_leader 0$/m,
    );
    for (const path of ['/healthz', '/readyz']) {
      expect((await fetch(`${follower.metricsUrl}${path}`)).status, path).toBe(200);
    }
    expect((await fetch(`${follower.metricsUrl}/nope`)).status).toBe(404);

    // The source is rotated: the copy follows.
    api.putSecret('pullthrough', {
      metadata: { name: 'regcred-harbor' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': ROTATED_CONFIG },
    });
    await until(
      'the rotated copy',
      () => api.secrets.get('apps/regcred-harbor')?.data['.dockerconfigjson'] === ROTATED_CONFIG,
    );

    // The leader stops: it releases the Lease and the follower takes over at its next attempt.
    const stoppedAt = Date.now();
    await leader.stop();
    running.splice(running.indexOf(leader), 1);
    expect(api.leases.get('pullthrough/pullthrough-secret-sync')?.spec.holderIdentity).toBe('');
    await until('the follower leads', () => follower.isLeader());
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
    api.putNamespace('later', { 'pullthrough.io/rewrite': 'enabled' });
    await until('a copy in the new namespace', () => api.secrets.get('later/regcred-harbor'));
    api.putNamespace('apps');
    await until('the copy removed from apps', () => !api.secrets.has('apps/regcred-harbor'));
  });

  it('leaves nothing running after stop()', async () => {
    const a = await instance('a');
    await until('the copy', () => api.secrets.get('apps/regcred-harbor'));
    await a.stop();
    running.splice(0);
    await until('no open watch', () => api.openWatches === 0);
    await expect(fetch(`${a.metricsUrl}/healthz`)).rejects.toThrow();
  });
});
