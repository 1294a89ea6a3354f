import { describe, expect, it } from 'vitest';
import {
  ListExpiredError,
  auditCluster,
  workloadOfPod,
  type ClusterLister,
  type PodListRequest,
} from '../../src/audit/cluster.js';
import { mutationSettingsOf } from '../../src/admission/runtime.js';
import type { NamespaceLabels, ScopeSettings } from '../../src/core/scope.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';

const settings = mutationSettingsOf(DEFAULT_CONFIG);
const cluster: ScopeSettings = { scope: 'cluster', mode: 'enforce', excludedNamespaces: [] };

function pod(namespace: string, name: string, image: string, extra: Record<string, unknown> = {}): any {
  return { metadata: { namespace, name, ...extra }, spec: { containers: [{ name: 'main', image }] } };
}

/**
 * An in-memory API server for the two reads: Pods served in pages of `limit` with opaque continue
 * tokens, namespace labels from a map. Every request is recorded.
 */
class FakeCluster implements ClusterLister {
  readonly requests: PodListRequest[] = [];
  namespaceCalls = 0;
  /** Make the continue token of this page number (1-based) expire. */
  expireAt: number | undefined;
  labelsError: Error | undefined;

  constructor(
    readonly pods: any[],
    readonly labels: Record<string, NamespaceLabels> = {},
  ) {}

  listPods(request: PodListRequest): Promise<{ items: unknown[]; continueToken: string | undefined }> {
    this.requests.push(request);
    const all = this.pods.filter(
      (p) => request.namespace === undefined || p.metadata.namespace === request.namespace,
    );
    const start =
      request.continueToken === undefined ? 0 : Number(request.continueToken.replace('page-', ''));
    if (request.continueToken !== undefined && this.expireAt === this.requests.length) {
      return Promise.reject(new ListExpiredError('HTTP 410: The provided continue parameter is too old'));
    }
    const end = request.limit === undefined ? all.length : Math.min(all.length, start + request.limit);
    const continueToken = end < all.length ? `page-${end}` : undefined;
    return Promise.resolve({ items: all.slice(start, end), continueToken });
  }

  namespaceLabels(namespace: string | undefined): Promise<ReadonlyMap<string, NamespaceLabels>> {
    this.namespaceCalls += 1;
    if (this.labelsError !== undefined) return Promise.reject(this.labelsError);
    const entries = Object.entries(this.labels).filter(
      ([name]) => namespace === undefined || name === namespace,
    );
    return Promise.resolve(new Map(entries));
  }
}

const manyPods = (count: number) =>
  Array.from({ length: count }, (_, i) => pod(`ns${i % 3}`, `p${i}`, 'httpd'));

describe('live mode', () => {
  it('follows continue tokens page by page, with the page size asked for, and reports progress', async () => {
    const fake = new FakeCluster(manyPods(1234));
    const progress: number[] = [];
    const report = await auditCluster(
      fake,
      { namespace: undefined, pageSize: 500, onProgress: (listed) => progress.push(listed) },
      settings,
      cluster,
    );
    expect(fake.requests).toEqual([
      { namespace: undefined, limit: 500, continueToken: undefined },
      { namespace: undefined, limit: 500, continueToken: 'page-500' },
      { namespace: undefined, limit: 500, continueToken: 'page-1000' },
    ]);
    expect(progress).toEqual([500, 1000, 1234]);
    expect(report.summary).toMatchObject({
      source: 'cluster',
      pods: 1234,
      images: 1234,
      podsToRewrite: 1234,
    });
    expect(new Set(report.items.map((item) => item.pod)).size).toBe(1234);
  });

  it('reads the labels of all namespaces with one call, and lists one namespace when asked', async () => {
    const fake = new FakeCluster(manyPods(10), { ns1: {} });
    const report = await auditCluster(fake, { namespace: 'ns1', pageSize: 2 }, settings, cluster);
    expect(fake.namespaceCalls).toBe(1);
    expect(fake.requests.every((request) => request.namespace === 'ns1')).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(report.items.map((item) => item.pod)).toEqual(['p1', 'p4', 'p7']);
  });

  it('predicts every namespace label and scope the way the webhook configuration selects', async () => {
    const pods = [
      pod('plain', 'a', 'httpd'),
      pod('opted-in', 'b', 'httpd'),
      pod('watched', 'c', 'httpd'),
      pod('quiet', 'd', 'httpd'),
      pod('kube-system', 'e', 'httpd'),
      pod('harbor', 'f', 'httpd'),
    ];
    const labels = {
      plain: {},
      'opted-in': { 'pullthrough.io/rewrite': 'enabled' },
      watched: { 'pullthrough.io/rewrite': 'audit' },
      quiet: { 'pullthrough.io/rewrite': 'disabled' },
      'kube-system': {},
      harbor: {},
    };
    const outcome = async (scope: ScopeSettings) =>
      (
        await auditCluster(
          new FakeCluster(pods, labels),
          { namespace: undefined, pageSize: 100 },
          settings,
          scope,
        )
      ).items.map(
        (item) => `${item.namespace}: ${item.reason}${item.mode === null ? '' : ` (${item.mode})`}`,
      );
    expect(await outcome({ ...cluster, excludedNamespaces: ['harbor'] })).toEqual([
      'plain: rewritten (enforce)',
      'opted-in: rewritten (enforce)',
      'watched: rewritten (audit)',
      'quiet: namespace-disabled',
      'kube-system: namespace-excluded',
      'harbor: namespace-excluded',
    ]);
    expect(await outcome({ scope: 'opt-in', mode: 'enforce', excludedNamespaces: [] })).toEqual([
      'plain: namespace-not-enabled',
      'opted-in: rewritten (enforce)',
      'watched: rewritten (audit)',
      'quiet: namespace-disabled',
      'kube-system: namespace-excluded',
      'harbor: namespace-not-enabled',
    ]);
    expect(await outcome({ scope: 'cluster', mode: 'audit', excludedNamespaces: [] })).toEqual([
      'plain: rewritten (audit)',
      'opted-in: rewritten (audit)',
      'watched: rewritten (audit)',
      'quiet: namespace-disabled',
      'kube-system: namespace-excluded',
      'harbor: rewritten (audit)',
    ]);
  });

  it('tells Pods already proxied from Pods not yet proxied, and counts only enforced ones to restart', async () => {
    const pods = [
      pod('shop', 'new', 'harbor.ingress.local/proxy_cache/library/nginx:1.26-alpine', {
        annotations: { 'pullthrough.io/original-images': '{"containers/main":"nginx:1.26-alpine"}' },
      }),
      pod('shop', 'old', 'nginx:1.26-alpine'),
      pod('watched', 'audited', 'nginx:1.26-alpine'),
      pod('shop', 'opted-out', 'nginx:1.26-alpine', { labels: { 'pullthrough.io/rewrite': 'disabled' } }),
    ];
    const report = await auditCluster(
      new FakeCluster(pods, { watched: { 'pullthrough.io/rewrite': 'audit' } }),
      { namespace: undefined, pageSize: 500 },
      settings,
      cluster,
    );
    expect(report.items.map((item) => [item.pod, item.reason, item.wouldRewrite])).toEqual([
      ['new', 'already-proxied', false],
      ['old', 'rewritten', true],
      ['audited', 'rewritten', true],
      ['opted-out', 'opt-out-label', false],
    ]);
    expect(report.summary).toMatchObject({ wouldRewrite: 2, wouldRewriteAuditOnly: 1, podsToRewrite: 1 });
  });

  it('restarts the listing once without pages when a continue token expires (410), counting no Pod twice', async () => {
    const fake = new FakeCluster(manyPods(25));
    fake.expireAt = 3;
    const report = await auditCluster(fake, { namespace: undefined, pageSize: 10 }, settings, cluster);
    expect(fake.requests.map((request) => [request.limit, request.continueToken])).toEqual([
      [10, undefined],
      [10, 'page-10'],
      [10, 'page-20'],
      [undefined, undefined],
    ]);
    expect(report.summary.pods).toBe(25);
    expect(report.items).toHaveLength(25);
  });

  it('goes on with unlabelled namespaces, and says so, when namespace labels cannot be read', async () => {
    const fake = new FakeCluster([pod('watched', 'a', 'httpd')]);
    fake.labelsError = new Error('HTTP 403: namespaces is forbidden');
    const report = await auditCluster(fake, { namespace: undefined, pageSize: 10 }, settings, cluster);
    expect(report.items[0]).toMatchObject({ reason: 'rewritten', mode: 'enforce' });
    expect(report.errors).toEqual([
      {
        source: 'cluster',
        line: null,
        column: null,
        message:
          'cannot read namespace labels (HTTP 403: namespaces is forbidden); every namespace is taken as unlabelled',
      },
    ]);
  });

  it('rejects when Pods cannot be listed', async () => {
    const lister: ClusterLister = {
      listPods: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
      namespaceLabels: () => Promise.resolve(new Map()),
    };
    await expect(
      auditCluster(lister, { namespace: undefined, pageSize: 10 }, settings, cluster),
    ).rejects.toThrow('ECONNREFUSED');
  });

  it('names the workload of a Pod after its controller, and a ReplicaSet of a Deployment after the Deployment', () => {
    const owned = (kind: string, name: string, apiVersion: string, labels = {}) => ({
      metadata: {
        name: 'p',
        labels,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Node', name: 'node-1', controller: false },
          { apiVersion, kind, name, controller: true },
        ],
      },
    });
    expect(
      workloadOfPod(owned('ReplicaSet', 'web-7d9f8c', 'apps/v1', { 'pod-template-hash': '7d9f8c' })),
    ).toEqual({
      kind: 'Deployment',
      name: 'web',
    });
    expect(workloadOfPod(owned('ReplicaSet', 'standalone', 'apps/v1'))).toEqual({
      kind: 'ReplicaSet',
      name: 'standalone',
    });
    expect(workloadOfPod(owned('StatefulSet', 'db', 'apps/v1'))).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(workloadOfPod(owned('Job', 'nightly-28900', 'batch/v1'))).toEqual({
      kind: 'Job',
      name: 'nightly-28900',
    });
    expect(workloadOfPod(owned('Cluster', 'pg', 'postgresql.cnpg.io/v1'))).toEqual({
      kind: 'Cluster',
      name: 'pg',
    });
    expect(workloadOfPod({ metadata: { name: 'bare' } })).toEqual({ kind: 'Pod', name: 'bare' });
  });
});
