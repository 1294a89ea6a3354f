/**
 * Self-managed serving certificates (`--cert-secret`): one CA and one serving certificate shared by all
 * replicas through a Secret, the CA published as `caBundle` on our own MutatingWebhookConfiguration.
 *
 * Agreement between replicas comes from the API server's optimistic concurrency, not from locks: every
 * write is a create (fails with 409 if the Secret exists) or a replace at the resourceVersion we read
 * (fails with 409 if anyone wrote since). The loser re-reads, finds valid data and adopts it, so two
 * replicas starting together end up with one CA. Every replica re-reads the Secret periodically; that
 * is both the rotation check and how a replica picks up what another one wrote.
 *
 * Ordering on a write: Secret first, then the caBundle patch, then serve the new leaf, so the API server
 * trusts a new CA before any replica presents a certificate signed by it. If the patch fails, a leaf
 * from a new CA is held back (the current one stays) until a retry gets the caBundle right.
 */
import { backoffDelay } from '../platform/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../platform/clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { DEFAULT_CA_VALIDITY_DAYS, DEFAULT_LEAF_VALIDITY_DAYS } from '../tls/self-signed.js';
import {
  certificateFingerprints,
  describeCertificate,
  sameCertificates,
  type TlsMaterial,
} from '../tls/tls-material.js';
import { TlsPublisher, type TlsListener, type TlsSource } from '../tls/tls-source.js';
import {
  buildCertificates,
  planCertificates,
  toSecretData,
  toTlsMaterial,
  type CertificatePolicy,
  type ManagedCertificates,
} from './certificate-plan.js';
import { ConflictError, isPermanentApiError } from './api-errors.js';
import type { CertificateStore } from './certificate-store.js';

/** Options for {@link startCertificateManager}. */
export interface CertificateManagerOptions {
  store: CertificateStore;
  /** SANs the serving certificate must carry (see `serviceDnsNames`). */
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  /** Patch the webhook configuration's caBundle (false when no `--webhook-config` was given). Default true. */
  manageCaBundle?: boolean;
  log?: Logger;
  /** Wall-clock time in epoch ms, what certificate validity is measured against. Default `Date.now`. */
  now?: () => number;
  /** Runs the periodic check and the retries; tests drive it by hand. */
  clock?: Clock;
  /** Period of the Secret re-read / rotation check. Default 60 s. */
  checkIntervalMs?: number;
  caValidityDays?: number;
  leafValidityDays?: number;
  /** Renew a certificate when less than this fraction of its lifetime is left. Default 1/3. */
  renewBeforeFraction?: number;
  /** Backoff for caBundle retries (configuration missing, conflicts, API errors). Default 1 s doubling to 60 s. */
  caBundleRetry?: { initialMs: number; maxMs: number };
  /** Write conflicts tolerated in one reconcile before giving up until the next check. Default 5. */
  maxConflicts?: number;
  /**
   * Attempts of the first reconcile before start-up fails. Default: unlimited, since an API server
   * that is unreachable for now (starting, or a network not ready yet) is worth waiting for, with
   * readiness failing meanwhile. Permanent API errors (400, 401, 403, 422) fail at once.
   */
  startupAttempts?: number;
  /** Longest wait between two start-up attempts (the backoff starts at `caBundleRetry.initialMs`). Default 10 s. */
  startupRetryMaxMs?: number;
}

type ResolvedOptions = Required<Omit<CertificateManagerOptions, 'ipAddresses'>>;

const MANAGER_DEFAULTS = {
  manageCaBundle: true,
  log: silentLogger,
  now: Date.now,
  // Unref'ed: a pending rotation check must never keep the process alive on shutdown.
  clock: systemClock({ unref: true }),
  checkIntervalMs: 60_000,
  caValidityDays: DEFAULT_CA_VALIDITY_DAYS,
  leafValidityDays: DEFAULT_LEAF_VALIDITY_DAYS,
  renewBeforeFraction: 1 / 3,
  caBundleRetry: { initialMs: 1000, maxMs: 60_000 },
  maxConflicts: 5,
  startupAttempts: Number.POSITIVE_INFINITY,
  startupRetryMaxMs: 10_000,
} satisfies Partial<CertificateManagerOptions>;

// `{ ...defaults, ...opts }` would let an explicit `undefined` override a default.
function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Starts the manager: reads (or creates, or fills in) the Secret, patches the caBundle if possible,
 * then keeps checking. Resolves when there is a certificate to serve; rejects if the Secret cannot be
 * read or written at all, so the process exits with the API server's reason.
 */
export async function startCertificateManager(opts: CertificateManagerOptions): Promise<CertificateManager> {
  const manager = new CertificateManager(opts);
  await manager.start();
  return manager;
}

/** A {@link TlsSource} backed by the shared Secret; see the file comment for the protocol. */
export class CertificateManager implements TlsSource {
  readonly #opts: ResolvedOptions;
  readonly #policy: CertificatePolicy;
  #publisher: TlsPublisher | undefined;
  #queue: Promise<void> = Promise.resolve();
  #checkTimer: TimerHandle | undefined;
  #bundleTimer: TimerHandle | undefined;
  #bundleFailures = 0;
  #closed = false;

  /** Prefer {@link startCertificateManager}; the constructor does no I/O. */
  constructor(opts: CertificateManagerOptions) {
    this.#opts = { ...MANAGER_DEFAULTS, ...definedOnly(opts) } as ResolvedOptions;
    this.#policy = {
      dnsNames: opts.dnsNames,
      ipAddresses: opts.ipAddresses ?? [],
      renewBeforeFraction: this.#opts.renewBeforeFraction,
    };
  }

  /**
   * First reconcile, retried with backoff for as long as errors are transient (so the process never
   * ends before it serves: the wait keeps it alive), then the periodic check.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.reconcile();
        break;
      } catch (err) {
        if (isPermanentApiError(err) || attempt >= this.#opts.startupAttempts || this.#closed) throw err;
        const retryInMs = Math.min(this.#backoff(attempt - 1), this.#opts.startupRetryMaxMs);
        this.#opts.log.warn(
          { err, attempt, retryInMs },
          'cannot set up the certificate Secret yet; retrying',
        );
        await new Promise<void>((resolve) =>
          // Kept alive: the wait is all there is to run before serving, and an unref'ed timer would
          // let Node exit with status 0 in the middle of it.
          this.#opts.clock.setTimeout(() => resolve(), retryInMs, { unref: false }),
        );
      }
    }
    this.#armCheck();
  }

  current(): TlsMaterial {
    if (!this.#publisher) throw new Error('certificate manager not started');
    return this.#publisher.current();
  }

  subscribe(listener: TlsListener): () => void {
    if (!this.#publisher) throw new Error('certificate manager not started');
    return this.#publisher.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#opts.clock.clearTimeout(this.#checkTimer);
    this.#opts.clock.clearTimeout(this.#bundleTimer);
    await this.#queue;
    this.#publisher?.clear();
  }

  /**
   * One look at the Secret: adopt it, or renew/fill it in and write it back, then make sure the
   * caBundle matches. Serialized, so the timer, retries and explicit calls never overlap.
   */
  reconcile(): Promise<void> {
    return this.#enqueue(() => this.#reconcileNow());
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reconcileNow(): Promise<void> {
    for (let conflicts = 0; ;) {
      const stored = await this.#opts.store.getSecret();
      const plan = planCertificates(stored?.data, this.#opts.now(), this.#policy);
      if (plan.action === 'keep') return this.#adopt(plan.certs);
      this.#opts.log.info({ action: plan.action, reason: plan.reason }, 'updating the certificate Secret');
      const certs = await buildCertificates(plan, {
        now: this.#opts.now(),
        caValidityDays: this.#opts.caValidityDays,
        leafValidityDays: this.#opts.leafValidityDays,
        dnsNames: this.#policy.dnsNames,
        ipAddresses: this.#policy.ipAddresses ?? [],
      });
      try {
        const data = toSecretData(certs);
        if (stored) await this.#opts.store.replaceSecret(data, stored.resourceVersion);
        else await this.#opts.store.createSecret(data);
      } catch (err) {
        if (!(err instanceof ConflictError) || ++conflicts > this.#opts.maxConflicts) throw err;
        this.#opts.log.info(
          { reason: err.message },
          'another replica wrote the certificate Secret first; re-reading',
        );
        continue;
      }
      return this.#adopt(certs);
    }
  }

  async #adopt(certs: ManagedCertificates): Promise<void> {
    const material = toTlsMaterial(certs);
    const trusted = this.#opts.manageCaBundle ? await this.#syncCaBundle(material.ca ?? '') : true;
    if (!this.#publisher) {
      this.#publisher = new TlsPublisher(material, this.#opts.log);
      this.#logServing(material, 'serving the certificate from the Secret');
    } else if (!trusted && this.#mustWaitForTrust(material)) {
      this.#opts.log.warn(
        {},
        'new CA not yet in the webhook caBundle; serving the previous certificate meanwhile',
      );
    } else if (this.#publisher.publish(material)) {
      this.#logServing(material, 'serving certificate changed');
    }
  }

  // After a CA rotation, a leaf from the new CA is only served once the caBundle is known to hold that
  // CA, or once the current leaf has expired anyway; otherwise the API server would reject our
  // handshakes until the next caBundle retry. A leaf-only renewal keeps the CA, so nothing waits.
  #mustWaitForTrust(next: TlsMaterial): boolean {
    const current = this.#publisher?.current();
    if (!current) return false;
    const servedCas = certificateFingerprints(current.ca ?? '');
    const [nextCa] = certificateFingerprints(next.ca ?? '');
    const stillValid = describeCertificate(current.cert).notAfter.getTime() > this.#opts.now();
    return nextCa !== undefined && !servedCas.includes(nextCa) && stillValid;
  }

  #logServing(material: TlsMaterial, msg: string): void {
    const info = describeCertificate(material.cert);
    this.#opts.log.info({ fingerprint256: info.fingerprint256, notAfter: info.notAfter.toISOString() }, msg);
  }

  /** Makes every webhook's caBundle equal `bundle`; never throws: false (and a retry scheduled) on failure. */
  async #syncCaBundle(bundle: string): Promise<boolean> {
    try {
      if (await this.#patchCaBundleIfNeeded(bundle)) {
        this.#bundleFailures = 0;
        this.#opts.clock.clearTimeout(this.#bundleTimer);
        this.#bundleTimer = undefined;
        return true;
      }
    } catch (err) {
      this.#opts.log.warn({ err }, 'cannot update the webhook caBundle; will retry');
    }
    this.#scheduleBundleRetry();
    return false;
  }

  /** True when the caBundle is right (now or already); false when the configuration does not exist yet. */
  async #patchCaBundleIfNeeded(bundle: string): Promise<boolean> {
    const config = await this.#opts.store.getWebhookConfiguration();
    if (!config) {
      this.#opts.log.info({}, 'webhook configuration not found yet; will retry');
      return false;
    }
    if (config.caBundles.every((b) => b !== undefined && sameCertificates(b, bundle))) return true;
    await this.#opts.store.patchCaBundle(bundle, config);
    this.#opts.log.info({ webhooks: config.caBundles.length }, 'webhook caBundle updated');
    return true;
  }

  // The retry is a whole reconcile, not just the patch: it re-reads the Secret and, once the caBundle
  // is right, adopts a certificate that #mustWaitForTrust held back.
  #scheduleBundleRetry(): void {
    if (this.#closed || this.#bundleTimer !== undefined) return;
    const delay = this.#backoff(this.#bundleFailures++);
    this.#bundleTimer = this.#opts.clock.setTimeout(() => {
      this.#bundleTimer = undefined;
      if (this.#closed) return undefined;
      return this.reconcile().catch((err: unknown) =>
        this.#opts.log.warn({ err }, 'certificate check failed; still serving the current certificate'),
      );
    }, delay);
  }

  #backoff(failures: number): number {
    return backoffDelay(failures, this.#opts.caBundleRetry.initialMs, this.#opts.caBundleRetry.maxMs);
  }

  #armCheck(): void {
    if (this.#closed) return;
    this.#checkTimer = this.#opts.clock.setTimeout(async () => {
      try {
        await this.reconcile();
      } catch (err) {
        this.#opts.log.warn({ err }, 'certificate check failed; still serving the current certificate');
      }
      this.#armCheck();
    }, this.#opts.checkIntervalMs);
  }
}
