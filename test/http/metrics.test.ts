import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ReviewSummary } from '../../src/admission/handle-review.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createSyncMetrics } from '../../src/sync/metrics.js';
import { VERSION } from '../../src/platform/version.js';
import { testApp } from '../helpers/app.js';

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics as Prometheus users expect', () => {
  it("exports Node's default metrics under their conventional names", async () => {
    for (const registry of [createMetrics().registry, createSyncMetrics().registry]) {
      const text = await registry.metrics();
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      expect(text).not.toMatch(/pullthrough_process_|pullthrough_nodejs_/);
    }
  });

  it('has a pullthrough_build_info{version,node} gauge of 1 in both processes', async () => {
    for (const registry of [
      createMetrics({ defaultMetrics: false }).registry,
      createSyncMetrics({ defaultMetrics: false }).registry,
    ]) {
      const text = await registry.metrics();
      expect(sample(text, `pullthrough_build_info{version="${VERSION}",node="${process.version}"}`)).toBe(1);
    }
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('has every counter series at zero from start, so rate() works before the first event', async () => {
    const text = await createMetrics({
      defaultMetrics: false,
      rules: [
        { registry: 'docker.io', proxies: ['harbor-a.example.com/hub', 'harbor-b.example.com/hub'] },
        { registry: 'quay.io', proxy: 'harbor-a.example.com/quay' },
      ],
    }).registry.metrics();
    for (const endpoint of ['mutate', 'audit']) {
      for (const result of [
        'patched',
        'unchanged',
        'audited',
        'skipped',
        'ignored',
        'bad_request',
        'error',
      ]) {
        expect(
          sample(text, `pullthrough_admission_requests_total{endpoint="${endpoint}",result="${result}"}`),
        ).toBe(0);
      }
      for (const registry of ['docker.io', 'quay.io', 'other']) {
        expect(
          sample(
            text,
            `pullthrough_images_total{endpoint="${endpoint}",reason="no-rule",registry="${registry}",proxy=""}`,
          ),
        ).toBe(0);
      }
      for (const [registry, proxy] of [
        ['docker.io', 'harbor-a.example.com/hub'],
        ['docker.io', 'harbor-b.example.com/hub'],
        ['quay.io', 'harbor-a.example.com/quay'],
      ]) {
        expect(
          sample(
            text,
            `pullthrough_images_total{endpoint="${endpoint}",reason="rewritten",registry="${registry}",proxy="${proxy}"}`,
          ),
        ).toBe(0);
      }
    }
    // Every images series carries all four labels (no series without `proxy`).
    expect(
      text
        .split('\n')
        .filter((line) => line.startsWith('pullthrough_images_total{') && !line.includes('proxy=')),
    ).toEqual([]);
    expect(sample(text, 'pullthrough_config_reloads_total{result="failure"}')).toBe(0);

    const sync = await createSyncMetrics({ defaultMetrics: false }).registry.metrics();
    expect(sample(sync, 'pullthrough_secret_sync_writes_total{action="create",result="error"}')).toBe(0);
    expect(sample(sync, 'pullthrough_secret_sync_reconciles_total{result="success"}')).toBe(0);
    expect(sample(sync, 'pullthrough_secret_sync_watch_restarts_total{collection="copies"}')).toBe(0);
  });

  it("exports the duration histogram exactly as prom-client's own Histogram would, text and JSON", async () => {
    const name = 'pullthrough_admission_duration_seconds';
    const metrics = createMetrics({ defaultMetrics: false });
    const reference = new Registry();
    const histogram = new Histogram({
      name,
      help: (await metrics.registry.getSingleMetric(name)!.get()).help,
      labelNames: ['endpoint'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [reference],
    });
    const summary = { outcome: 'patched', images: [] } as unknown as ReviewSummary;
    // Every bound exactly, between bounds, past the last, and zero.
    const seconds = [
      0, 0.00005, 0.0001, 0.0002, 0.00025, 0.0007, 0.001, 0.003, 0.04, 0.1, 0.3, 0.5, 0.75, 12,
    ];
    seconds.forEach((value, i) => {
      const endpoint = i % 3 === 0 ? 'audit' : 'mutate';
      metrics.observeReview(endpoint, summary, value, new Set());
      histogram.observe({ endpoint }, value);
    });
    expect(await metrics.registry.getSingleMetricAsString(name)).toBe(
      await reference.getSingleMetricAsString(name),
    );
    // The values a JSON consumer reads (prom-client adds empty exemplar fields of its own).
    const json = async (registry: Registry) => {
      const metric = (await registry.getMetricsAsJSON()).find((candidate) => candidate.name === name)!;
      return {
        ...metric,
        values: metric.values.map(({ labels, value, metricName }: any) => ({ labels, value, metricName })),
      };
    };
    expect(await json(metrics.registry)).toEqual(await json(reference));
  });

  it('times reviews only: a rejected request counts as bad_request but is not in the duration histogram', async () => {
    const fresh = testApp();
    await fresh.app.inject({
      method: 'POST',
      url: '/mutate',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    });
    let text = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'pullthrough_admission_requests_total{endpoint="mutate",result="bad_request"}')).toBe(
      1,
    );
    expect(sample(text, 'pullthrough_admission_duration_seconds_count{endpoint="mutate"}')).toBeUndefined();
    await fresh.app.inject({
      method: 'POST',
      url: '/mutate',
      payload: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'u',
          kind: { group: '', version: 'v1', kind: 'Pod' },
          operation: 'CREATE',
          namespace: 'a',
          object: { metadata: {}, spec: { containers: [{ name: 'a', image: 'httpd' }] } },
        },
      },
    });
    text = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'pullthrough_admission_duration_seconds_count{endpoint="mutate"}')).toBe(1);
    await fresh.app.close();
  });

  it('counts every review exactly once across scrapes (increments are handed over when scraped)', async () => {
    const fresh = testApp();
    const review = (uid: string, image: string) => ({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        namespace: 'a',
        object: {
          metadata: {},
          spec: {
            containers: [
              { name: 'a', image },
              { name: 'b', image: 'quay.io/x/y:1' },
            ],
          },
        },
      },
    });
    const send = async (count: number, endpoint: string) => {
      for (let i = 0; i < count; i += 1) {
        const reply = await fresh.app.inject({
          method: 'POST',
          url: `/${endpoint}`,
          payload: review(`u${i}`, 'httpd'),
        });
        expect(reply.statusCode).toBe(200);
      }
    };
    const scrape = async () => (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    const patched = 'pullthrough_admission_requests_total{endpoint="mutate",result="patched"}';
    const audited = 'pullthrough_admission_requests_total{endpoint="audit",result="audited"}';
    const rewritten =
      'pullthrough_images_total{endpoint="mutate",reason="rewritten",registry="docker.io",proxy="harbor.ingress.local/proxy_cache"}';
    const other = 'pullthrough_images_total{endpoint="mutate",reason="no-rule",registry="other",proxy=""}';

    await send(3, 'mutate');
    let text = await scrape();
    expect([sample(text, patched), sample(text, rewritten), sample(text, other)]).toEqual([3, 3, 3]);
    // A second scrape with nothing new in between changes nothing.
    text = await scrape();
    expect([sample(text, patched), sample(text, rewritten), sample(text, other)]).toEqual([3, 3, 3]);
    await send(2, 'mutate');
    await send(4, 'audit');
    text = await scrape();
    expect([sample(text, patched), sample(text, rewritten), sample(text, other)]).toEqual([5, 5, 5]);
    expect(sample(text, audited)).toBe(4);
    expect(sample(text, 'pullthrough_admission_duration_seconds_count{endpoint="mutate"}')).toBe(5);
    await fresh.app.close();
  });
});
