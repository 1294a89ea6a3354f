// The controller over in-memory sources and writer: leadership gating, retries, conflict reports
// and metrics. Timers are vitest's fake ones.
import type { V1Secret } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError } from '../../src/kube/api-errors.js';
import { SecretSyncController } from '../../src/sync/controller.js';
import type { SecretWriter, SyncSources } from '../../src/sync/kube-adapters.js';
import { createSyncMetrics, type SyncMetrics } from '../../src/sync/metrics.js';
import type { SyncInput } from '../../src/sync/plan.js';
import { captureLogger, type LogEntry } from '../helpers/logger.js';
import { ROTATED_CONFIG, copy, foreign, namespace, settings, source } from './fixtures.js';

class MemorySources implements SyncSources {
  input: { namespaces: SyncInput['namespaces']; source: V1Secret | undefined; secrets: V1Secret[] };
  isSynced = true;
  constructor(input: Partial<MemorySources['input']> = {}) {
    this.input = { namespaces: [], source: source(), secrets: [], ...input };
  }
  start(): void {}
  async stop(): Promise<void> {}
  synced(): boolean {
    return this.isSynced;
  }
  snapshot(): SyncInput {
    return { ...this.input, secrets: [...this.input.secrets] };
  }
}

/** Applies writes to the sources (as the watch would), and fails on demand. */
class MemoryWriter implements SecretWriter {
  calls: string[] = [];
  failures = new Map<string, 'error' | 'conflict'>();
  onWrite: (() => void) | undefined;
  #rv = 5000;
  constructor(private readonly sources: MemorySources) {}

  async #check(what: string): Promise<void> {
    await Promise.resolve();
    this.calls.push(what);
    this.onWrite?.();
    const failure = this.failures.get(what);
    if (failure === 'conflict') throw new ConflictError('conflict');
    if (failure === 'error') throw Object.assign(new Error('HTTP 500'), { code: 500 });
  }
  #without(ns: string): V1Secret[] {
    return this.sources.input.secrets.filter((secret) => secret.metadata?.namespace !== ns);
  }
  async create(secret: V1Secret): Promise<void> {
    const ns = secret.metadata!.namespace!;
    await this.#check(`create ${ns}`);
    const stored = {
      ...secret,
      metadata: { ...secret.metadata, uid: `uid-${ns}`, resourceVersion: String(++this.#rv) },
    };
    this.sources.input.secrets = [...this.#without(ns), stored];
  }
  async update(secret: V1Secret): Promise<void> {
    const ns = secret.metadata!.namespace!;
    await this.#check(`update ${ns}`);
    this.sources.input.secrets = [
      ...this.#without(ns),
      { ...secret, metadata: { ...secret.metadata, resourceVersion: String(++this.#rv) } },
    ];
  }
  async delete(ns: string): Promise<void> {
    await this.#check(`delete ${ns}`);
    this.sources.input.secrets = this.#without(ns);
  }
}

async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = (metric?.values ?? []).find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return found?.value;
}

interface Setup {
  controller: SecretSyncController;
  sources: MemorySources;
  writer: MemoryWriter;
  metrics: SyncMetrics;
  entries: LogEntry[];
  leader: { value: boolean };
}

function setup(input: Partial<MemorySources['input']> = {}, leaderValue = true): Setup {
  const sources = new MemorySources(input);
  const writer = new MemoryWriter(sources);
  const metrics = createSyncMetrics({ defaultMetrics: false });
  const logger = captureLogger();
  const leader = { value: leaderValue };
  const controller = new SecretSyncController({
    settings: settings(),
    sources,
    writer,
    isLeader: () => leader.value,
    metrics,
    logger,
    resyncMs: 60_000,
    backoff: { initialMs: 1_000, maxMs: 8_000, jitter: 0 },
  });
  return { controller, sources, writer, metrics, entries: logger.entries, leader };
}

const messages = (entries: LogEntry[], level: LogEntry['level']): string[] =>
  entries.filter((entry) => entry.level === level).map((entry) => entry.msg);

describe('SecretSyncController.reconcile', () => {
  it('writes the plan as the leader and counts the writes', async () => {
    const { controller, writer, metrics } = setup({
      namespaces: [
        namespace('a'),
        namespace('b'),
        namespace('gone', { 'pullthrough.io/rewrite': 'disabled' }),
      ],
      secrets: [copy('b', ROTATED_CONFIG), copy('gone')],
    });
    const result = await controller.reconcile();
    expect(result).toMatchObject({ written: 3, conflicts: 0, errors: 0, interrupted: false });
    expect(writer.calls).toEqual(['create a', 'update b', 'delete gone']);
    expect(
      await value(metrics.registry, 'pullthrough_secret_sync_writes_total', {
        action: 'create',
        result: 'success',
      }),
    ).toBe(1);
    expect(await value(metrics.registry, 'pullthrough_secret_sync_target_namespaces')).toBe(2);
    expect(await value(metrics.registry, 'pullthrough_secret_sync_source_available')).toBe(1);
    // Applied: the next plan has nothing left to do.
    expect(await controller.reconcile()).toMatchObject({ written: 0, plan: { inSync: 2, actions: [] } });
  });

  it('does nothing when it is not the leader, or before the caches are filled', async () => {
    const s = setup({ namespaces: [namespace('a')] }, false);
    expect(await s.controller.reconcile()).toMatchObject({ skipped: 'not-leader' });
    s.leader.value = true;
    s.sources.isSynced = false;
    expect(await s.controller.reconcile()).toMatchObject({ skipped: 'not-synced' });
    expect(s.writer.calls).toEqual([]);
  });

  it('stops between two writes as soon as it loses the lease', async () => {
    const s = setup({ namespaces: ['a', 'b', 'c'].map((n) => namespace(n)) });
    s.writer.onWrite = () => {
      s.leader.value = false;
    };
    expect(await s.controller.reconcile()).toMatchObject({ written: 1, interrupted: true });
    expect(s.writer.calls).toEqual(['create a']);
    expect(messages(s.entries, 'warn')).toContain('lost the lease; stopped writing');
  });

  it('replaces a copy by deleting, then creating it', async () => {
    const s = setup({ namespaces: [namespace('a')], secrets: [copy('a', undefined, { type: 'Opaque' })] });
    await s.controller.reconcile();
    expect(s.writer.calls).toEqual(['delete a', 'create a']);
  });

  it('reports a foreign Secret once with a warning and in the conflicts gauge, and when it is resolved', async () => {
    const s = setup({ namespaces: [namespace('a'), namespace('b')], secrets: [foreign('a')] });
    await s.controller.reconcile();
    await s.controller.reconcile();
    expect(s.writer.calls).toEqual(['create b']);
    const warnings = s.entries.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ namespace: 'a', secret: 'regcred-harbor', reason: 'unmanaged' });
    expect(warnings[0]!.msg).toContain('left untouched');
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_conflicts')).toBe(1);

    s.sources.input.secrets = s.sources.input.secrets.filter((secret) => secret.metadata?.namespace !== 'a');
    await s.controller.reconcile();
    expect(s.writer.calls).toEqual(['create b', 'create a']);
    expect(messages(s.entries, 'info')).toContain('conflict resolved');
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_conflicts')).toBe(0);
  });

  it('warns once when the source is missing, and says when it is back', async () => {
    const s = setup({ namespaces: [namespace('a')], source: undefined });
    await s.controller.reconcile();
    await s.controller.reconcile();
    expect(messages(s.entries, 'warn')).toEqual([
      'the source Secret does not exist; copies are left as they are',
    ]);
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_source_available')).toBe(0);
    s.sources.input.source = source();
    await s.controller.reconcile();
    expect(messages(s.entries, 'info')).toContain('the source Secret is usable again');
    expect(s.writer.calls).toEqual(['create a']);
  });

  it('zeroes its plan gauges when it stops being the leader', async () => {
    const s = setup({ namespaces: [namespace('a')], secrets: [foreign('a')] });
    s.controller.leadershipChanged(true);
    await s.controller.reconcile();
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_conflicts')).toBe(1);
    s.leader.value = false;
    s.controller.leadershipChanged(false);
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_conflicts')).toBe(0);
    expect(await value(s.metrics.registry, 'pullthrough_secret_sync_leader')).toBe(0);
  });
});

describe('SecretSyncController scheduling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces a burst of changes into one reconcile', async () => {
    const s = setup({ namespaces: [namespace('a')] });
    const spy = vi.spyOn(s.controller, 'reconcile');
    s.controller.start();
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 20; i++) s.controller.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(spy).toHaveBeenCalledTimes(2); // the start, then one for the burst
    await s.controller.stop();
  });

  it('retries failed writes with capped exponential backoff, and resets it after a success', async () => {
    const s = setup({ namespaces: [namespace('a')] });
    s.writer.failures.set('create a', 'error');
    s.controller.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(s.writer.calls).toEqual(['create a']);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(s.writer.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(8_000);
    await vi.advanceTimersByTimeAsync(8_000); // capped at 8 s
    expect(s.writer.calls).toHaveLength(6);
    s.writer.failures.clear();
    await vi.advanceTimersByTimeAsync(8_000);
    expect(s.writer.calls).toHaveLength(7);
    expect(
      await value(s.metrics.registry, 'pullthrough_secret_sync_reconciles_total', { result: 'error' }),
    ).toBe(6);
    expect(
      await value(s.metrics.registry, 'pullthrough_secret_sync_reconciles_total', { result: 'success' }),
    ).toBe(1);
    expect(
      await value(s.metrics.registry, 'pullthrough_secret_sync_writes_total', {
        action: 'create',
        result: 'error',
      }),
    ).toBe(6);
    await s.controller.stop();
  });

  it('re-plans a second later after a conflict (the cache was behind)', async () => {
    const s = setup({ namespaces: [namespace('a')] });
    s.writer.failures.set('create a', 'conflict');
    s.controller.start();
    await vi.advanceTimersByTimeAsync(10);
    s.writer.failures.clear();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.writer.calls).toEqual(['create a', 'create a']);
    expect(
      await value(s.metrics.registry, 'pullthrough_secret_sync_writes_total', {
        action: 'create',
        result: 'conflict',
      }),
    ).toBe(1);
    await s.controller.stop();
  });

  it('plans again after a skipped run when a change arrived meanwhile (the caches filling up)', async () => {
    const s = setup({ namespaces: [namespace('a')] });
    let first = true;
    s.sources.synced = () => {
      if (!first) return true;
      first = false;
      s.controller.trigger(); // the last LIST completes while the first reconcile runs
      return false;
    };
    s.controller.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(s.writer.calls).toEqual(['create a']);
    await s.controller.stop();
  });

  it('re-plans on every resync period without any event', async () => {
    const s = setup({ namespaces: [namespace('a')] });
    const spy = vi.spyOn(s.controller, 'reconcile');
    s.controller.start();
    await vi.advanceTimersByTimeAsync(180_010);
    expect(spy).toHaveBeenCalledTimes(4);
    await s.controller.stop();
  });

  it('asks for nothing while not the leader, and reconciles at once on becoming it', async () => {
    const s = setup({ namespaces: [namespace('a')] }, false);
    s.controller.start();
    s.controller.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.writer.calls).toEqual([]);
    s.leader.value = true;
    s.controller.leadershipChanged(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.writer.calls).toEqual(['create a']);
    await s.controller.stop();
  });

  it('stop() waits for the write in flight and makes no further write', async () => {
    const s = setup({ namespaces: ['a', 'b', 'c'].map((n) => namespace(n)) });
    let stopping: Promise<void> | undefined;
    s.writer.onWrite = () => {
      stopping ??= s.controller.stop();
    };
    s.controller.start();
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
    expect(s.writer.calls).toEqual(['create a']);
    expect(messages(s.entries, 'warn')).toContain('shutting down; stopped writing');
  });
});
