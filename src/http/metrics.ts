/**
 * Prometheus metrics. Label sets are bounded: endpoints, outcomes, decision reasons, the
 * registries that have rules (anything else is `other`) and the configured proxy targets; never a
 * per-image or per-Pod label.
 */
import { Counter, Gauge, Registry, type LabelValues, type Metric } from 'prom-client';
import type { ReviewSummary } from '../admission/handle-review.js';
import { REWRITE_REASONS, targetsOf, type RewriteDecision, type RewriteRule } from '../core/rewrite.js';
import { labelCombinations, registerProcessMetrics, zeroCounter } from '../platform/process-metrics.js';

/** The label values every series starts with (at zero). */
const ENDPOINTS = ['mutate', 'audit'];
const RESULTS = ['patched', 'unchanged', 'audited', 'skipped', 'ignored', 'bad_request', 'error'];

export interface Metrics {
  readonly registry: Registry;
  /** Records one handled review (any outcome) and its latency in seconds. */
  observeReview(
    endpoint: string,
    summary: ReviewSummary,
    seconds: number,
    knownRegistries: ReadonlySet<string>,
  ): void;
  /**
   * Records a request that never became a review (bad input) or failed inside the handler: counted
   * in requests_total, not in the duration histogram, which times reviews only.
   */
  observeFailure(endpoint: string, result: 'bad_request' | 'error', seconds: number): void;
  observeConfigReload(result: 'success' | 'failure'): void;
  setProxyHealth(proxy: string, healthy: boolean): void;
}

export interface MetricsOptions {
  /** Node's process_* and nodejs_* metrics (default true; tests turn them off). */
  readonly defaultMetrics?: boolean;
  /** The configuration's rules: their image series (registries, targets) exist from start, at zero. */
  readonly rules?: readonly RewriteRule[];
}

/** The value under `key`, made by `create` and kept the first time the key is asked for. */
function entryOf<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** Increments of one series not yet handed to its counter. */
interface PendingCount<L extends string> {
  readonly labels: LabelValues<L>;
  count: number;
}

/**
 * Increments made on the request path and handed to a prom-client counter when it is scraped,
 * instead of prom-client's hash of the label object on every `inc`. Entries stay (zeroed) after a
 * flush, so the steady state allocates nothing; the map is as bounded as the counter's label space.
 */
class DeferredIncrements<L extends string> {
  private readonly pending = new Map<string, PendingCount<L>>();

  /** The pending count of the series `key` names (a string built from its label values). */
  series(key: string, labels: () => LabelValues<L>): PendingCount<L> {
    return entryOf(this.pending, key, () => ({ labels: labels(), count: 0 }));
  }

  flushInto(counter: Counter<L>): void {
    for (const entry of this.pending.values()) {
      if (entry.count === 0) continue;
      counter.inc(entry.labels, entry.count);
      entry.count = 0;
    }
  }
}

/** One line of a histogram, as the registry formats it. */
interface HistogramValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName: string;
}

/** One endpoint's observations: per-bucket (not cumulative) counts, the sum and the count. */
interface HistogramSeries {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram with one label, `endpoint`, counted in typed arrays and formatted by the registry
 * like any prom-client histogram. prom-client's own `observe` hashes the label object and looks its
 * bucket up by the bound as a string key on every call: about 5 µs of a review in the server (×0.96
 * of pod-3's CPU without it). A series appears with its first observation, as prom-client's do.
 */
class EndpointHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(endpoint: string, seconds: number): void {
    const series = entryOf(this.series, endpoint, () => ({
      counts: new Float64Array(this.buckets.length),
      sum: 0,
      count: 0,
    }));
    // Past the last bound, an observation is only in +Inf (the count).
    const bucket = this.buckets.findIndex((bound) => seconds <= bound);
    if (bucket !== -1) series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** The registry's view: cumulative buckets, then +Inf, the sum and the count, per endpoint. */
  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: HistogramValue[];
  }> {
    const values: HistogramValue[] = [];
    for (const [endpoint, series] of this.series) {
      let cumulative = 0;
      for (const [index, bound] of this.buckets.entries()) {
        cumulative += series.counts[index] as number;
        values.push({
          labels: { le: bound, endpoint },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push(
        { labels: { le: '+Inf', endpoint }, value: series.count, metricName: `${this.name}_bucket` },
        { labels: { endpoint }, value: series.sum, metricName: `${this.name}_sum` },
        { labels: { endpoint }, value: series.count, metricName: `${this.name}_count` },
      );
    }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  reset(): void {
    this.series.clear();
  }
}

/** A fresh registry per app, so several apps (tests, the bench) never share counters. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  registerProcessMetrics(registry, options);
  const pendingRequests = new DeferredIncrements<'endpoint' | 'result'>();
  const pendingImages = new DeferredIncrements<'endpoint' | 'reason' | 'registry' | 'proxy'>();
  const requests = new Counter({
    name: 'pullthrough_admission_requests_total',
    help: 'Admission reviews by endpoint and result (patched, unchanged, audited, skipped, ignored, bad_request, error).',
    labelNames: ['endpoint', 'result'] as const,
    registers: [registry],
    collect() {
      pendingRequests.flushInto(this);
    },
  });
  const duration = new EndpointHistogram(
    'pullthrough_admission_duration_seconds',
    'Time from a parsed review to its response, by endpoint; requests rejected before they are a review (bad_request) are not timed.',
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
  );
  registry.registerMetric(duration as unknown as Metric);
  const images = new Counter({
    name: 'pullthrough_images_total',
    help: 'Image fields decided, by endpoint, decision reason, upstream registry (registries without a rule are "other") and the proxy target the image went to ("" when none).',
    labelNames: ['endpoint', 'reason', 'registry', 'proxy'] as const,
    registers: [registry],
    collect() {
      pendingImages.flushInto(this);
    },
  });
  const reloads = new Counter({
    name: 'pullthrough_config_reloads_total',
    help: 'Configuration reloads by result; a failed reload keeps the last good configuration.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const proxyHealth = new Gauge({
    name: 'pullthrough_proxy_healthy',
    help: '1 while a proxy target is healthy and images are routed to it, 0 while images bypass it.',
    labelNames: ['proxy'] as const,
    registers: [registry],
  });

  zeroCounter(requests, labelCombinations({ endpoint: ENDPOINTS, result: RESULTS }));
  const rules = options.rules ?? [];
  const registries = [...new Set([...rules.map((rule) => rule.registry), 'other'])];
  zeroCounter(
    images,
    labelCombinations({ endpoint: ENDPOINTS, reason: REWRITE_REASONS, registry: registries, proxy: [''] }),
  );
  // A rewritten image names the target it went to: one series per rule target.
  for (const rule of rules) {
    zeroCounter(
      images,
      labelCombinations({
        endpoint: ENDPOINTS,
        reason: ['rewritten'],
        registry: [rule.registry],
        proxy: targetsOf(rule),
      }),
    );
  }
  zeroCounter(reloads, [{ result: 'success' }, { result: 'failure' }]);

  // Each review finds its series without building a key: by endpoint and outcome, and by the image's
  // decision, which the rewriter's cache hands out again for every review of the same image.
  const requestsByEndpoint = new Map<string, Map<string, PendingCount<'endpoint' | 'result'>>>();
  const requestSeries = (endpoint: string, result: string): PendingCount<'endpoint' | 'result'> =>
    entryOf(
      entryOf(requestsByEndpoint, endpoint, () => new Map<string, PendingCount<'endpoint' | 'result'>>()),
      result,
      () => pendingRequests.series(`${endpoint} ${result}`, () => ({ endpoint, result })),
    );
  type ImageLabel = 'endpoint' | 'reason' | 'registry' | 'proxy';
  const seriesByDecision = new WeakMap<
    RewriteDecision,
    { readonly registries: ReadonlySet<string>; readonly byEndpoint: Map<string, PendingCount<ImageLabel>> }
  >();
  const imageSeries = (
    endpoint: string,
    decision: RewriteDecision,
    knownRegistries: ReadonlySet<string>,
  ): PendingCount<ImageLabel> => {
    let cached = seriesByDecision.get(decision);
    if (cached === undefined || cached.registries !== knownRegistries) {
      cached = { registries: knownRegistries, byEndpoint: new Map() };
      seriesByDecision.set(decision, cached);
    }
    return entryOf(cached.byEndpoint, endpoint, () => {
      // A decision's proxy is always one of the configuration's targets, so the label stays bounded.
      const registry =
        decision.registry !== undefined && knownRegistries.has(decision.registry)
          ? decision.registry
          : 'other';
      const proxy = decision.proxy ?? '';
      const { reason } = decision;
      return pendingImages.series(`${endpoint} ${reason} ${registry} ${proxy}`, () => ({
        endpoint,
        reason,
        registry,
        proxy,
      }));
    });
  };

  return {
    registry,
    observeReview(endpoint, summary, seconds, knownRegistries) {
      requestSeries(endpoint, summary.outcome).count += 1;
      duration.observe(endpoint, seconds);
      for (const { decision } of summary.images) imageSeries(endpoint, decision, knownRegistries).count += 1;
    },
    observeFailure(endpoint, result) {
      requests.inc({ endpoint, result });
    },
    observeConfigReload(result) {
      reloads.inc({ result });
    },
    setProxyHealth(proxy, healthy) {
      proxyHealth.set({ proxy }, healthy ? 1 : 0);
    },
  };
}
