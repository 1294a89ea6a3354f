/**
 * Prometheus metrics. Label sets are bounded: endpoints, outcomes, decision reasons, the
 * registries that have rules (anything else is `other`) and the configured proxy targets; never a
 * per-image or per-Pod label.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReviewSummary } from '../admission/handle-review.js';

export interface Metrics {
  readonly registry: Registry;
  /** Records one handled review (any outcome) and its latency in seconds. */
  observeReview(
    endpoint: string,
    summary: ReviewSummary,
    seconds: number,
    knownRegistries: ReadonlySet<string>,
  ): void;
  /** Records a request that never reached the handler (bad input) or failed inside it. */
  observeFailure(endpoint: string, result: 'bad_request' | 'error', seconds: number): void;
  observeConfigReload(result: 'success' | 'failure'): void;
  setProxyHealth(proxy: string, healthy: boolean): void;
}

/** A fresh registry per app, so several apps (tests, the bench) never share counters. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'pullthrough_' });
  const requests = new Counter({
    name: 'pullthrough_admission_requests_total',
    help: 'Admission reviews by endpoint and result (patched, unchanged, audited, skipped, ignored, bad_request, error).',
    labelNames: ['endpoint', 'result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'pullthrough_admission_duration_seconds',
    help: 'Time from a parsed review to its response, by endpoint.',
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
    observeFailure(endpoint, result, seconds) {
      requests.inc({ endpoint, result });
      duration.observe({ endpoint }, seconds);
    },
    observeConfigReload(result) {
      reloads.inc({ result });
    },
    setProxyHealth(proxy, healthy) {
      proxyHealth.set({ proxy }, healthy ? 1 : 0);
    },
  };
}
