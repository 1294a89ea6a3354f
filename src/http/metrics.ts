/**
 * Prometheus metrics. Label sets are bounded: endpoints, outcomes, decision reasons, the
 * registries that have rules (anything else is `other`) and the configured proxy targets; never a
 * per-image or per-Pod label.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReviewSummary } from '../admission/handle-review.js';
import { REWRITE_REASONS, targetsOf, type RewriteRule } from '../core/rewrite.js';
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

/** A fresh registry per app, so several apps (tests, the bench) never share counters. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  registerProcessMetrics(registry, options);
  const requests = new Counter({
    name: 'pullthrough_admission_requests_total',
    help: 'Admission reviews by endpoint and result (patched, unchanged, audited, skipped, ignored, bad_request, error).',
    labelNames: ['endpoint', 'result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pullthrough_admission_duration_seconds',
    help: 'Time from a parsed review to its response, by endpoint; requests rejected before they are a review (bad_request) are not timed.',
    labelNames: ['endpoint'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const images = new Counter({
    name: 'pullthrough_images_total',
    help: 'Image fields decided, by endpoint, decision reason, upstream registry (registries without a rule are "other") and the proxy target the image went to ("" when none).',
    labelNames: ['endpoint', 'reason', 'registry', 'proxy'] as const,
    registers: [registry],
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

  return {
    registry,
    observeReview(endpoint, summary, seconds, knownRegistries) {
      requests.inc({ endpoint, result: summary.outcome });
      duration.observe({ endpoint }, seconds);
      // One increment per (reason, registry, proxy) rather than per image: a 50-container Pod is one or two.
      // A decision's proxy is always one of the configuration's targets, so the label stays bounded.
      const tally = new Map<string, { reason: string; registry: string; proxy: string; count: number }>();
      for (const { decision } of summary.images) {
        const registry =
          decision.registry !== undefined && knownRegistries.has(decision.registry)
            ? decision.registry
            : 'other';
        const proxy = decision.proxy ?? '';
        const key = `${decision.reason} ${registry} ${proxy}`;
        const entry = tally.get(key);
        if (entry === undefined) tally.set(key, { reason: decision.reason, registry, proxy, count: 1 });
        else entry.count += 1;
      }
      for (const { reason, registry, proxy, count } of tally.values())
        images.inc({ endpoint, reason, registry, proxy }, count);
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
