import { ConflictError } from '../../src/kube/api-errors.js';
import {
  type CertificateStore,
  type SecretData,
  type StoredSecret,
  type StoredWebhookConfiguration,
} from '../../src/kube/certificate-store.js';

/**
 * An in-memory API server for one Secret and one MutatingWebhookConfiguration, with the same
 * optimistic-concurrency rules as the real one (create on an existing object or a write at a stale
 * resourceVersion is a conflict). Shared by several managers, it plays the cluster they race in.
 */
export class FakeCertificateStore implements CertificateStore {
  secret: StoredSecret | undefined;
  webhook: StoredWebhookConfiguration | undefined;
  readonly calls = { getSecret: 0, create: 0, replace: 0, getWebhook: 0, patch: 0 };
  readonly conflicts = { create: 0, replace: 0, patch: 0 };
  /** When > 1, `getSecret` answers are held until that many reads are waiting: two replicas read before either writes. */
  readBarrier = 0;
  /** Set to make every call fail with this error (e.g. an ApiException-shaped 403). */
  failWith: Error | undefined;
  /** Set to make only caBundle patches fail with this error. */
  failPatchWith: Error | undefined;
  #waiting: Array<() => void> = [];
  #rv = 0;

  #nextRv(): string {
    return String(++this.#rv);
  }

  /** Puts a Secret in place, as `kubectl apply` or a Helm chart would. */
  seedSecret(data: SecretData): void {
    this.secret = { resourceVersion: this.#nextRv(), data: { ...data } };
  }

  /** Creates the webhook configuration with `count` webhooks, optionally with a caBundle already set. */
  seedWebhook(count: number, caBundle?: string): void {
    this.webhook = {
      resourceVersion: this.#nextRv(),
      caBundles: Array.from({ length: count }, () => caBundle),
    };
  }

  async getSecret(): Promise<StoredSecret | undefined> {
    this.calls.getSecret++;
    this.#fail();
    if (this.readBarrier > 1) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        if (this.#waiting.length >= this.readBarrier) {
          this.readBarrier = 0;
          for (const release of this.#waiting.splice(0)) release();
        }
      });
    }
    return this.secret && structuredClone(this.secret);
  }

  async createSecret(data: SecretData): Promise<StoredSecret> {
    await Promise.resolve();
    this.calls.create++;
    this.#fail();
    if (this.secret) {
      this.conflicts.create++;
      throw new ConflictError('secrets "certs" already exists');
    }
    this.secret = { resourceVersion: this.#nextRv(), data: { ...data } };
    return structuredClone(this.secret);
  }

  async replaceSecret(data: SecretData, resourceVersion: string): Promise<StoredSecret> {
    await Promise.resolve();
    this.calls.replace++;
    this.#fail();
    if (this.secret?.resourceVersion !== resourceVersion) {
      this.conflicts.replace++;
      throw new ConflictError('the object has been modified');
    }
    this.secret = { resourceVersion: this.#nextRv(), data: { ...data } };
    return structuredClone(this.secret);
  }

  async getWebhookConfiguration(): Promise<StoredWebhookConfiguration | undefined> {
    await Promise.resolve();
    this.calls.getWebhook++;
    this.#fail();
    return this.webhook && structuredClone(this.webhook);
  }

  async patchCaBundle(caBundle: string, current: StoredWebhookConfiguration): Promise<void> {
    await Promise.resolve();
    this.#fail();
    if (this.failPatchWith) throw this.failPatchWith;
    if (this.webhook?.resourceVersion !== current.resourceVersion) {
      this.conflicts.patch++;
      throw new ConflictError('test operation failed');
    }
    this.calls.patch++;
    this.webhook = {
      resourceVersion: this.#nextRv(),
      caBundles: this.webhook.caBundles.map(() => caBundle),
    };
  }

  #fail(): void {
    if (this.failWith !== undefined) throw this.failWith;
  }
}

/** A clock the test moves; starts at the real time so certificates look ordinary. */
export class ManualClock {
  t = Date.now();
  readonly now = (): number => this.t;

  advanceDays(days: number): void {
    this.t += days * 86_400_000;
  }
}
