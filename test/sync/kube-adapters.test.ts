// The client-node adapters of the secret sync against a loopback fake API server: what is listed
// and watched (and how), restarts after errors, the writes' requests, and the Lease's MicroTime.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/kube/api-errors.js';
import { kubeSecretWriter, kubeSyncSources, type SyncSources } from '../../src/sync/kube-adapters.js';
import { kubeLeaseStore } from '../../src/sync/kube-lease-store.js';
import { FakeApiServer } from '../helpers/fake-api-server.js';
import { captureLogger } from '../helpers/logger.js';
import { DOCKER_CONFIG, ROTATED_CONFIG } from './fixtures.js';

let api: FakeApiServer;
beforeEach(async () => {
  api = new FakeApiServer();
  await api.start();
});
afterEach(async () => {
  await api.stop();
});

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pullSecret = (name: string, data = DOCKER_CONFIG): Record<string, any> => ({
  metadata: { name },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': data },
});

describe('kubeSyncSources', () => {
  let sources: SyncSources | undefined;
  let changes = 0;
  const restarts: string[] = [];
  const start = (): SyncSources => {
    sources = kubeSyncSources({
      kubeConfig: api.kubeConfig(),
      sourceNamespace: 'pullthrough',
      sourceName: 'regcred-src',
      targetName: 'regcred-harbor',
      logger: captureLogger(),
      onChange: () => (changes += 1),
      onRestart: (collection) => restarts.push(collection),
    });
    sources.start();
    return sources;
  };
  beforeEach(() => {
    changes = 0;
    restarts.length = 0;
    api.putNamespace('pullthrough');
    api.putNamespace('apps', { 'pullthrough.io/rewrite': 'enabled' });
    api.putSecret('pullthrough', pullSecret('regcred-src'));
    api.putSecret('pullthrough', pullSecret('other-secret'));
    api.putSecret('apps', pullSecret('regcred-harbor'));
    api.putSecret('apps', pullSecret('not-a-copy'));
  });
  afterEach(async () => {
    await sources?.stop();
    sources = undefined;
  });

  it('lists, then watches, namespaces, the source and the Secrets of the target name only', async () => {
    const s = start();
    await until('synced', () => s.synced());
    await until('a change after the lists', () => changes > 0);
    await until('three watches', () => api.openWatches === 3);
    const snapshot = s.snapshot();
    expect(snapshot.namespaces.map((ns) => ns.metadata?.name).sort()).toEqual(['apps', 'pullthrough']);
    expect(snapshot.source?.metadata).toMatchObject({ namespace: 'pullthrough', name: 'regcred-src' });
    expect(snapshot.secrets.map((x) => `${x.metadata?.namespace}/${x.metadata?.name}`)).toEqual([
      'apps/regcred-harbor',
    ]);

    const secretRequests = api.requests.filter((r) => r.path.endsWith('/secrets'));
    expect(secretRequests.length).toBeGreaterThanOrEqual(4);
    for (const request of secretRequests) {
      expect(request.query.get('fieldSelector'), request.path).toMatch(
        /^metadata\.name=regcred-(src|harbor)$/,
      );
    }
    const watches = api.requests.filter((r) => r.query.get('watch') === 'true');
    expect(watches.map((r) => r.path).sort()).toEqual([
      '/api/v1/namespaces',
      '/api/v1/namespaces/pullthrough/secrets',
      '/api/v1/secrets',
    ]);
    for (const watch of watches) {
      expect(watch.query.has('sendInitialEvents')).toBe(false); // etcd 3.4 cannot serve watch-list
      expect(Number(watch.query.get('resourceVersion'))).toBeGreaterThan(0);
    }
  });

  it('follows changes through the watches', async () => {
    const s = start();
    await until('synced', () => s.synced());
    api.putNamespace('new', { 'pullthrough.io/rewrite': 'enabled' });
    api.putSecret('pullthrough', pullSecret('regcred-src', ROTATED_CONFIG));
    api.putSecret('new', pullSecret('regcred-harbor'));
    api.deleteSecret('apps', 'regcred-harbor');
    await until('the rotation', () => s.snapshot().source?.data?.['.dockerconfigjson'] === ROTATED_CONFIG);
    await until(
      'the new namespace and copy',
      () => s.snapshot().secrets.length === 1 && s.snapshot().namespaces.length === 3,
    );
    expect(s.snapshot().secrets[0]?.metadata?.namespace).toBe('new');
  });

  it('re-watches from the last resourceVersion when the server ends the streams, without listing again', async () => {
    const s = start();
    await until('synced', () => s.synced());
    await until('three watches', () => api.openWatches === 3);
    const lists = api.requests.filter((r) => r.query.get('watch') !== 'true').length;
    api.closeWatches();
    api.putNamespace('during-the-gap');
    await until('the namespace created while not watching', () =>
      s.snapshot().namespaces.some((ns) => ns.metadata?.name === 'during-the-gap'),
    );
    await until('three watches again', () => api.openWatches === 3);
    expect(api.requests.filter((r) => r.query.get('watch') !== 'true').length).toBe(lists);
  });

  it('backs off when every watch stream ends at once, instead of spinning', async () => {
    const s = start();
    await until('three watches', () => api.openWatches === 3);
    const watchesBefore = api.requests.filter((r) => r.query.get('watch') === 'true').length;
    for (let i = 0; i < 8; i++) {
      await until('the watches back', () => api.openWatches === 3);
      api.closeWatches();
    }
    await until('a restart of each collection', () => restarts.length >= 3);
    expect(new Set(restarts)).toEqual(new Set(['namespaces', 'source', 'copies']));
    const during = api.requests.filter((r) => r.query.get('watch') === 'true').length - watchesBefore;
    expect(during).toBeLessThanOrEqual(3 * 7);
    await until('watching again after the backoff', () => api.openWatches === 3);
    api.putNamespace('after-the-storm');
    await until('the namespace seen', () =>
      s.snapshot().namespaces.some((ns) => ns.metadata?.name === 'after-the-storm'),
    );
  });

  it('restarts a collection whose list failed, with backoff, and syncs then', async () => {
    api.failures.push({ method: 'GET', url: /^\/api\/v1\/secrets(\?|$)/, status: 500, times: 1 });
    const s = start();
    await until('the restart', () => restarts.length > 0);
    expect(restarts).toEqual(['copies']);
    expect(s.synced()).toBe(false);
    await until('synced after the restart', () => s.synced(), 5_000);
    expect(s.snapshot().secrets).toHaveLength(1);
  });

  it('leaves no watch open after stop()', async () => {
    const s = start();
    await until('three watches', () => api.openWatches === 3);
    await s.stop();
    sources = undefined;
    await until('no watch', () => api.openWatches === 0);
  });
});

describe('kubeSecretWriter', () => {
  const copy = (ns: string, data = DOCKER_CONFIG): Record<string, any> => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred-harbor',
      namespace: ns,
      labels: { 'pullthrough.io/managed-by': 'secret-sync' },
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': data },
  });

  it('creates, and reports an existing Secret as a conflict', async () => {
    const writer = kubeSecretWriter(api.kubeConfig());
    await writer.create(copy('apps'));
    expect(api.secrets.get('apps/regcred-harbor')).toMatchObject({
      metadata: { labels: { 'pullthrough.io/managed-by': 'secret-sync' } },
      data: { '.dockerconfigjson': DOCKER_CONFIG },
    });
    const post = api.requests.find((r) => r.method === 'POST')!;
    expect(post.query.get('fieldManager')).toBe('pullthrough-secret-sync');
    await expect(writer.create(copy('apps'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('updates only the version read', async () => {
    const writer = kubeSecretWriter(api.kubeConfig());
    const stored = api.putSecret('apps', copy('apps'));
    const update = { ...copy('apps', ROTATED_CONFIG), metadata: { ...stored.metadata } };
    await writer.update(update);
    expect(api.secrets.get('apps/regcred-harbor')?.data['.dockerconfigjson']).toBe(ROTATED_CONFIG);
    await expect(writer.update(update)).rejects.toBeInstanceOf(ConflictError); // stale resourceVersion
    await expect(writer.update(copy('gone'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('deletes with uid and resourceVersion preconditions; an already deleted Secret is fine', async () => {
    const writer = kubeSecretWriter(api.kubeConfig());
    const stored = api.putSecret('apps', copy('apps'));
    await expect(
      writer.delete('apps', 'regcred-harbor', {
        uid: 'someone-else',
        resourceVersion: stored.metadata.resourceVersion,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      writer.delete('apps', 'regcred-harbor', { uid: stored.metadata.uid, resourceVersion: '1' }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(api.secrets.has('apps/regcred-harbor')).toBe(true);
    await writer.delete('apps', 'regcred-harbor', {
      uid: stored.metadata.uid,
      resourceVersion: stored.metadata.resourceVersion,
    });
    expect(api.secrets.has('apps/regcred-harbor')).toBe(false);
    const del = api.requests.filter((r) => r.method === 'DELETE').at(-1)!;
    expect(del.body).toMatchObject({
      preconditions: { uid: stored.metadata.uid, resourceVersion: stored.metadata.resourceVersion },
    });
    await writer.delete('apps', 'regcred-harbor', {
      uid: stored.metadata.uid,
      resourceVersion: stored.metadata.resourceVersion,
    });
  });

  it('passes other API errors on', async () => {
    const writer = kubeSecretWriter(api.kubeConfig());
    api.failures.push({ method: 'POST', url: /secrets(\?|$)/, status: 403, times: 1 });
    await expect(writer.create(copy('apps'))).rejects.toMatchObject({ code: 403 });
  });
});

describe('kubeLeaseStore', () => {
  it('reads a missing Lease as undefined, creates it with MicroTimes, and reads the record back', async () => {
    const store = kubeLeaseStore(api.kubeConfig(), 'pullthrough', 'sync');
    expect(store.description).toBe('pullthrough/sync');
    expect(await store.get()).toBeUndefined();
    const time = new Date('2026-11-28T12:34:56.789Z');
    const record = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: time,
      renewTime: time,
      leaseTransitions: 0,
    };
    const created = await store.create(record);
    expect(api.leases.get('pullthrough/sync')?.spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-11-28T12:34:56.789000Z',
      renewTime: '2026-11-28T12:34:56.789000Z',
      leaseTransitions: 0,
    });
    expect(created.record).toEqual(record);
    expect(await store.get()).toEqual(created);
  });

  it('updates only the version read, and refuses to create twice', async () => {
    const store = kubeLeaseStore(api.kubeConfig(), 'pullthrough', 'sync');
    const record = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: new Date(),
      renewTime: new Date(),
      leaseTransitions: 0,
    };
    const created = await store.create(record);
    await expect(store.create(record)).rejects.toBeInstanceOf(ConflictError);
    const updated = await store.update({ ...record, holderIdentity: '' }, created.resourceVersion);
    expect(updated.record.holderIdentity).toBe('');
    await expect(store.update(record, created.resourceVersion)).rejects.toBeInstanceOf(ConflictError);
  });
});
