/**
 * The Kubernetes API calls the certificate manager makes, as a small interface: the real implementation
 * (kube-certificate-store.ts) uses @kubernetes/client-node, unit tests use an in-memory fake that can
 * stage the races two replicas run into. Every implementation is bound to one Secret and one
 * MutatingWebhookConfiguration, named when it is built.
 */
export interface CertificateStore {
  /** The Secret, or undefined when it does not exist. */
  getSecret(): Promise<StoredSecret | undefined>;
  /** Creates the Secret with `data`; throws {@link ConflictError} when it already exists. */
  createSecret(data: SecretData): Promise<StoredSecret>;
  /**
   * Replaces the Secret's data, keeping its type and metadata, only if it is still at `resourceVersion`
   * (optimistic concurrency); throws {@link ConflictError} when someone else wrote or deleted it since.
   */
  replaceSecret(data: SecretData, resourceVersion: string): Promise<StoredSecret>;
  /** The webhook configuration's caBundles, or undefined when it does not exist (yet). */
  getWebhookConfiguration(): Promise<StoredWebhookConfiguration | undefined>;
  /**
   * Sets `caBundle` (PEM) on every webhook of the configuration, provided it is still the version in
   * `current`; throws {@link ConflictError} when it changed meanwhile.
   */
  patchCaBundle(caBundle: string, current: StoredWebhookConfiguration): Promise<void>;
}

/** Secret data as text (the store does the base64), keyed `tls.crt`, `tls.key`, `ca.crt`, `ca.key`. */
export type SecretData = Record<string, string>;

/** A Secret as the manager sees it. */
export interface StoredSecret {
  resourceVersion: string;
  data: SecretData;
}

/** A MutatingWebhookConfiguration as the manager sees it: one decoded caBundle per webhook, in order. */
export interface StoredWebhookConfiguration {
  resourceVersion: string;
  caBundles: Array<string | undefined>;
}

/**
 * Someone else changed the object between our read and our write (HTTP 409, or a failed JSON-patch
 * test). Not a failure: the manager re-reads and, usually, adopts what the other replica wrote.
 */
export class ConflictError extends Error {
  readonly code = 'PT_ERR_CONFLICT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/**
 * The HTTP status behind an API error: client-node 1.x throws `ApiException` with a numeric `code`.
 * Read structurally so callers need not import client-node to classify errors.
 */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Errors that retrying cannot fix (bad credentials, missing RBAC, an object the API server rejects):
 * at start-up these fail fast with the API server's message instead of looping.
 */
export function isPermanentApiError(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status === 400 || status === 401 || status === 403 || status === 422;
}
