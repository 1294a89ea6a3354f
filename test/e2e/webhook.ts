// pullthrough as installed for the e2e webhook scenarios: the built `pullthrough serve`
// (webhook-process.ts), the recording proxy in front of it (capture-proxy.ts), and the chart's
// MutatingWebhookConfiguration (chart.ts) applied to the harness's API server (cluster.ts); whether a
// rewritten image resolves through the Harbor stand-in is in registries.ts.
//
//   const pt = await Pullthrough.start(env, { name: 'scn' });   // webhook + proxy + MWC, called once
//   const ns = await namespaces.create('e2e-wh-x', { 'pullthrough.io/rewrite': 'enabled' });
//   const { object, warnings } = await kubectlCreate(env, ns, pod);
//   ... pt.reviewsIn(ns) ...
//   await pt.close();                                           // MWC deleted, processes stopped
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REWRITE_LABEL } from '../../src/core/mutate-pod.js';
import { startCaptureProxy, type CapturedReview, type CaptureProxy } from './capture-proxy.js';
import { chartFullname, e2eConfigValues, helmTemplate, parseManifests } from './chart.js';
import { kubectlCreate, Namespaces, pod } from './cluster.js';
import { kubectl, kubectlJson, waitFor, type E2eEnv } from './harness.js';
import { proxied } from './registries.js';
import { startWebhook, type WebhookProcess } from './webhook-process.js';

/** Annotation on the webhook configurations the helpers install: the test runner's pid (stale-object cleanup). */
const OWNER_ANNOTATION = 'e2e.pullthrough.io/owner-pid';

// ------------------------------------------------------------------------------------------------
// pullthrough as installed for the tests: process + recording proxy + the chart's configuration
// ------------------------------------------------------------------------------------------------

export interface InstallOptions {
  scope?: 'cluster' | 'opt-in';
  mode?: 'enforce' | 'audit';
  timeoutSeconds?: number;
  failurePolicy?: 'Ignore' | 'Fail';
}

export interface PullthroughOptions extends InstallOptions {
  /** Short name; the release is `pullthrough-e2e-<name>`. */
  name: string;
  /** Put the recording proxy in front (default true). Off: the configuration calls the webhook directly. */
  capture?: boolean;
  logLevel?: string;
  /** The chart's `config` value; default {@link e2eConfigValues}. */
  config?: Record<string, unknown>;
}

/**
 * pullthrough for one test file: `pullthrough serve` with the configuration the chart renders (the
 * ConfigMap's config.yaml, with the e2e rule), optionally behind the recording proxy, and the chart's
 * MutatingWebhookConfiguration in url mode pointing at it. `close()` removes the configuration first,
 * then stops the processes and deletes the namespaces it made.
 */
export class Pullthrough {
  readonly env: E2eEnv;
  readonly release: string;
  /** The release namespace (holds the rendered ConfigMap; always excluded by the chart). */
  readonly releaseNamespace: string;
  /** Labelled `enabled`: in scope whatever the scope and mode; used to see that the API server calls us. */
  readonly probeNamespace: string;
  readonly webhook: WebhookProcess;
  readonly capture: CaptureProxy | undefined;
  readonly configFile: string;
  readonly namespaces: Namespaces;
  readonly dir: string;
  #generation = 0;
  #installed: Required<InstallOptions> | undefined;
  #config: Record<string, unknown> | undefined;

  private constructor(init: {
    env: E2eEnv;
    release: string;
    releaseNamespace: string;
    probeNamespace: string;
    webhook: WebhookProcess;
    capture: CaptureProxy | undefined;
    configFile: string;
    namespaces: Namespaces;
    dir: string;
  }) {
    this.env = init.env;
    this.release = init.release;
    this.releaseNamespace = init.releaseNamespace;
    this.probeNamespace = init.probeNamespace;
    this.webhook = init.webhook;
    this.capture = init.capture;
    this.configFile = init.configFile;
    this.namespaces = init.namespaces;
    this.dir = init.dir;
  }

  get name(): string {
    return chartFullname(this.release);
  }

  /** The token of the current install, as in the URL the API server calls. */
  get generation(): string {
    return `g${this.#generation}`;
  }

  static async start(env: E2eEnv, opts: PullthroughOptions): Promise<Pullthrough> {
    await removeStaleConfigurations(env);
    const dir = mkdtempSync(join(tmpdir(), `pullthrough-e2e-${opts.name}-`));
    const namespaces = new Namespaces(env);
    const release = `pullthrough-e2e-${opts.name}`;
    let webhook: WebhookProcess | undefined;
    let capture: CaptureProxy | undefined;
    try {
      const releaseNamespace = await namespaces.create(`pt-e2e-${opts.name}`, {}, { pullSecret: false });
      const probeNamespace = await namespaces.create(`e2e-probe-${opts.name}`, {
        [REWRITE_LABEL]: 'enabled',
      });
      // The server runs with the configuration the chart renders into its ConfigMap.
      const rendered = parseManifests(
        await helmTemplate(env, release, releaseNamespace, {
          mode: opts.mode ?? 'enforce',
          config: opts.config ?? e2eConfigValues(env),
        }),
      );
      const configMap = rendered.find((m) => m.kind === 'ConfigMap') as any;
      const configFile = join(dir, 'config.yaml');
      writeFileSync(configFile, configMap.data['config.yaml']);
      webhook = await startWebhook({ configFile, caFile: join(dir, 'ca.crt'), logLevel: opts.logLevel });
      if (opts.capture !== false) capture = await startCaptureProxy(webhook);
      const pt = new Pullthrough({
        env,
        release,
        releaseNamespace,
        probeNamespace,
        webhook,
        capture,
        configFile,
        namespaces,
        dir,
      });
      pt.#config = opts.config;
      await pt.install(opts);
      return pt;
    } catch (err) {
      await kubectl(env, [
        'delete',
        'mutatingwebhookconfiguration',
        chartFullname(release),
        '--ignore-not-found',
      ]).catch(() => undefined);
      await capture?.close();
      await webhook?.stop();
      await namespaces.deleteAll();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Renders the chart in url mode with these values, applies the MutatingWebhookConfiguration (and
   * ConfigMap), and waits until the API server calls the new configuration. Returns the wait in ms.
   */
  async install(opts: InstallOptions = {}): Promise<number> {
    const values: Required<InstallOptions> = {
      scope: opts.scope ?? this.#installed?.scope ?? 'cluster',
      mode: opts.mode ?? this.#installed?.mode ?? 'enforce',
      timeoutSeconds: opts.timeoutSeconds ?? this.#installed?.timeoutSeconds ?? 5,
      failurePolicy: opts.failurePolicy ?? this.#installed?.failurePolicy ?? 'Ignore',
    };
    this.#generation++;
    const url = this.capture ? `${this.capture.url}/${this.generation}` : this.webhook.url;
    const caPem = this.capture ? this.capture.caPem : this.webhook.caPem;
    const text = await helmTemplate(this.env, this.release, this.releaseNamespace, {
      scope: values.scope,
      mode: values.mode,
      config: this.#config ?? e2eConfigValues(this.env),
      webhook: {
        url,
        caBundle: Buffer.from(caPem).toString('base64'),
        timeoutSeconds: values.timeoutSeconds,
        failurePolicy: values.failurePolicy,
        annotations: { [OWNER_ANNOTATION]: String(process.pid) },
      },
    });
    // apply keeps the object (the API server's webhook cache switches atomically to the new version).
    await kubectl(this.env, ['apply', '-f', '-'], { input: text });
    this.#installed = values;
    return this.waitUntilCalled();
  }

  /**
   * Polls a server-side dry-run create of a probe Pod in the `enabled` probe namespace until the API
   * server calls this install: through the proxy, a review with the current generation; without it,
   * the rewrite (enforce) or the audit warning (audit) shows. Bounded; returns the time it took.
   */
  async waitUntilCalled(timeoutMs = 30_000): Promise<number> {
    const started = Date.now();
    const generation = this.generation;
    const mode = this.#installed?.mode ?? 'enforce';
    await waitFor(
      `the API server to call ${this.name} (${generation})`,
      async () => {
        const probe = pod(`probe-${generation}`, { probe: 'busybox:1.36' });
        const { object, warnings } = await kubectlCreate(this.env, this.probeNamespace, probe, {
          dryRun: true,
        });
        if (this.capture) {
          const seen = this.capture.reviews.some(
            (r) => r.generation === generation && r.review?.request?.namespace === this.probeNamespace,
          );
          return seen ? true : undefined;
        }
        const image = object.spec.containers[0].image as string;
        if (mode === 'enforce') return image === proxied(this.env, 'library/busybox:1.36') ? true : undefined;
        return warnings.some((w) => w.startsWith('pullthrough audit:')) ? true : undefined;
      },
      timeoutMs,
      200,
    );
    return Date.now() - started;
  }

  /** Reviews the API server sent for objects in `namespace` (all generations), oldest first. */
  reviewsIn(namespace: string): CapturedReview[] {
    if (!this.capture) throw new Error('no recording proxy in front of this webhook');
    return this.capture.reviews.filter((r) => r.review?.request?.namespace === namespace);
  }

  /** Deletes the webhook configuration (so nothing calls a dead URL), stops everything, deletes namespaces. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    };
    await attempt(() =>
      kubectl(this.env, ['delete', 'mutatingwebhookconfiguration', this.name, '--ignore-not-found']),
    );
    await attempt(async () => this.capture?.close());
    await attempt(() => this.webhook.stop());
    await attempt(() => this.namespaces.deleteAll());
    rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new AggregateError(errors, `closing ${this.name} failed`);
  }
}

/** Webhook configurations a previous, killed test run left behind (their owner pid is gone). */
export async function removeStaleConfigurations(env: E2eEnv): Promise<void> {
  const list = await kubectlJson<{ items: any[] }>(env, ['get', 'mutatingwebhookconfigurations']);
  for (const item of list.items) {
    const owner = Number(item.metadata?.annotations?.[OWNER_ANNOTATION]);
    if (!owner || owner === process.pid || isAlive(owner)) continue;
    await kubectl(env, ['delete', 'mutatingwebhookconfiguration', item.metadata.name, '--ignore-not-found']);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
