/**
 * Cache health awareness: one background prober per distinct proxy host. While a host is unhealthy
 * its rules' images are left as written (the Pods pull from upstream as before); when it recovers,
 * rewriting resumes. The admission path only reads {@link ProxyProber.unhealthyProxies}, a cached
 * set: no network call is ever made on behalf of a review.
 *
 * A host is probed with an HTTP GET of its probe URL (default `https://<host>/v2/`). It is up when
 * it answers 200 (and, when the body is a JSON object with a `status` field, as Harbor's
 * `/api/v2.0/health` returns, that field is `healthy`), or 401 from a Registry API `/v2/` URL (a
 * registry that wants credentials is up). State changes only after `failureThreshold` consecutive
 * failures or `successThreshold` consecutive successes, and every host starts healthy, so a restart
 * never bypasses a cache that works.
 */
import {
  probeOf,
  proxyHostOf,
  type Config,
  type HealthSettings,
  type ProbeSettings,
} from '../config/config.js';
import { targetsOf } from '../core/rewrite.js';
import { createHttpClient, describeFailure, type HttpClient, type HttpResponse } from './http-client.js';
import { silentLogger, systemClock, type Clock, type HealthLogger, type TimerHandle } from './support.js';

/** The slice of the metrics the prober reports to. */
export interface ProxyHealthMetrics {
  setProxyHealth(proxy: string, healthy: boolean): void;
}

export interface ProxyProberOptions {
  readonly config: Config;
  readonly metrics: ProxyHealthMetrics;
  readonly logger?: HealthLogger;
  readonly http?: HttpClient;
  readonly clock?: Clock;
}

export interface ProxyProber {
  /** Starts probing (when `health.enabled`); the first probe of each host runs at once. */
  start(): void;
  /** Stops every timer and aborts probes in flight; the state is kept. */
  stop(): void;
  /** Applies a reloaded configuration; hosts whose probe is unchanged keep their state. */
  reconfigure(config: Config): void;
  /** Rule `proxy` values whose host is unhealthy; empty while health probing is disabled. */
  unhealthyProxies(): ReadonlySet<string>;
}

interface Target {
  readonly key: string;
  readonly host: string;
  readonly probe: ProbeSettings;
  proxies: readonly string[];
  healthy: boolean;
  failures: number;
  successes: number;
  timer: TimerHandle | undefined;
  inFlight: AbortController | undefined;
  /** Bumped by every cancel, so a probe that was in flight then records nothing. */
  epoch: number;
}

interface ProbeOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

const EMPTY: ReadonlySet<string> = new Set();

function targetKey(host: string, probe: ProbeSettings): string {
  return JSON.stringify([host, probe.url, probe.caFile ?? null, probe.insecureSkipVerify]);
}

/** The hosts a configuration needs probed, with the rule proxies each serves. */
function desiredTargets(
  config: Config,
): Map<string, { host: string; probe: ProbeSettings; proxies: string[] }> {
  const byKey = new Map<string, { host: string; probe: ProbeSettings; proxies: string[] }>();
  for (const proxy of config.rules.flatMap(targetsOf)) {
    const host = proxyHostOf(proxy);
    const probe = probeOf(config, host);
    const key = targetKey(host, probe);
    const entry = byKey.get(key) ?? { host, probe, proxies: [] };
    if (!entry.proxies.includes(proxy)) entry.proxies.push(proxy);
    byKey.set(key, entry);
  }
  return byKey;
}

const isRegistryApiRoot = (url: string): boolean => /\/v2\/?$/.test(new URL(url).pathname);

/** Judges one probe answer (see the module comment). */
export function judgeProbe(url: string, response: HttpResponse): ProbeOutcome {
  if (response.status === 200) {
    let document: unknown;
    try {
      document = JSON.parse(response.body);
    } catch {
      return { ok: true, detail: 'HTTP 200' };
    }
    const status =
      document !== null && typeof document === 'object'
        ? (document as { status?: unknown }).status
        : undefined;
    if (typeof status !== 'string') return { ok: true, detail: 'HTTP 200' };
    return { ok: status === 'healthy', detail: `HTTP 200, status ${JSON.stringify(status.slice(0, 40))}` };
  }
  if (response.status === 401 && isRegistryApiRoot(url))
    return { ok: true, detail: 'HTTP 401 (registry up)' };
  return { ok: false, detail: `HTTP ${response.status}` };
}

export function createProxyProber(options: ProxyProberOptions): ProxyProber {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const http = options.http ?? createHttpClient();
  const targets = new Map<string, Target>();
  let health: HealthSettings = options.config.health;
  let running = false;
  let unhealthy: ReadonlySet<string> = EMPTY;

  const refreshUnhealthy = (): void => {
    const down = health.enabled ? [...targets.values()].filter((target) => !target.healthy) : [];
    const proxies = new Set(down.flatMap((target) => target.proxies));
    unhealthy = proxies.size === 0 ? EMPTY : proxies;
  };

  const publish = (target: Target): void => {
    // While probing is disabled nothing bypasses a proxy, so every gauge reads healthy.
    for (const proxy of target.proxies)
      options.metrics.setProxyHealth(proxy, target.healthy || !health.enabled);
  };

  const cancel = (target: Target): void => {
    target.epoch += 1;
    if (target.timer !== undefined) clock.clearTimeout(target.timer);
    target.timer = undefined;
    target.inFlight?.abort(new Error('probe cancelled'));
    target.inFlight = undefined;
  };

  const record = (target: Target, outcome: ProbeOutcome): void => {
    const context = { host: target.host, url: target.probe.url, proxies: target.proxies };
    if (outcome.ok) {
      target.successes += 1;
      target.failures = 0;
      if (!target.healthy && target.successes >= health.successThreshold) {
        target.healthy = true;
        logger.info(
          { ...context, successes: target.successes },
          'proxy healthy again: rewriting to it resumes',
        );
        publish(target);
        refreshUnhealthy();
      }
      return;
    }
    target.failures += 1;
    target.successes = 0;
    if (target.healthy && target.failures >= health.failureThreshold) {
      target.healthy = false;
      logger.warn(
        { ...context, failures: target.failures, reason: outcome.detail },
        'proxy unhealthy: its images are left as written until it recovers',
      );
      publish(target);
      refreshUnhealthy();
    } else {
      logger.debug({ ...context, failures: target.failures, reason: outcome.detail }, 'proxy probe failed');
    }
  };

  const probeOnce = async (target: Target): Promise<ProbeOutcome> => {
    const controller = new AbortController();
    target.inFlight = controller;
    const timeout = new Error(`no answer within ${health.timeoutSeconds}s`);
    const timer = clock.setTimeout(() => controller.abort(timeout), health.timeoutSeconds * 1000);
    try {
      const response = await http({
        method: 'GET',
        url: target.probe.url,
        headers: { accept: 'application/json' },
        signal: controller.signal,
        tls: { caFile: target.probe.caFile, insecureSkipVerify: target.probe.insecureSkipVerify },
      });
      return judgeProbe(target.probe.url, response);
    } catch (error) {
      return {
        ok: false,
        detail: controller.signal.reason === timeout ? timeout.message : describeFailure(error),
      };
    } finally {
      clock.clearTimeout(timer);
      if (target.inFlight === controller) target.inFlight = undefined;
    }
  };

  const schedule = (target: Target, delayMs: number): void => {
    const epoch = target.epoch;
    target.timer = clock.setTimeout(() => {
      target.timer = undefined;
      const started = clock.now();
      void probeOnce(target).then((outcome) => {
        // A target removed, stopped or restarted while its probe was in flight records nothing.
        if (target.epoch !== epoch || targets.get(target.key) !== target) return;
        record(target, outcome);
        const elapsed = clock.now() - started;
        schedule(target, Math.max(0, health.intervalSeconds * 1000 - elapsed));
      });
    }, delayMs);
  };

  const apply = (config: Config): void => {
    const desired = desiredTargets(config);
    for (const [key, target] of targets) {
      if (!desired.has(key)) {
        cancel(target);
        targets.delete(key);
      }
    }
    for (const [key, wanted] of desired) {
      const existing = targets.get(key);
      if (existing !== undefined) {
        existing.proxies = wanted.proxies;
        continue;
      }
      targets.set(key, {
        key,
        host: wanted.host,
        probe: wanted.probe,
        proxies: wanted.proxies,
        healthy: true,
        failures: 0,
        successes: 0,
        timer: undefined,
        inFlight: undefined,
        epoch: 0,
      });
    }
  };

  const startTimers = (): void => {
    if (!running || !health.enabled) return;
    for (const target of targets.values()) {
      if (target.timer === undefined && target.inFlight === undefined) schedule(target, 0);
    }
  };

  apply(options.config);

  return {
    start() {
      if (running) return;
      running = true;
      for (const target of targets.values()) publish(target);
      if (health.enabled) {
        logger.info(
          {
            hosts: [...targets.values()].map((target) => target.probe.url),
            intervalSeconds: health.intervalSeconds,
          },
          'probing proxy health',
        );
      }
      startTimers();
    },
    stop() {
      running = false;
      for (const target of targets.values()) cancel(target);
    },
    reconfigure(config) {
      const wasEnabled = health.enabled;
      health = config.health;
      apply(config);
      if (!health.enabled) {
        for (const target of targets.values()) cancel(target);
        if (wasEnabled) logger.info({}, 'proxy health probing disabled: every proxy is used');
      } else if (!wasEnabled) {
        // What was known before probing was switched off is stale: start optimistic again.
        for (const target of targets.values())
          Object.assign(target, { healthy: true, failures: 0, successes: 0 });
      }
      if (running) for (const target of targets.values()) publish(target);
      refreshUnhealthy();
      startTimers();
    },
    unhealthyProxies: () => unhealthy,
  };
}
