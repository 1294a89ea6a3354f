/**
 * The Kubernetes API calls the certificate manager makes, as a small interface: the real implementation
 * (kube-certificate-store.ts) uses @kubernetes/client-node, unit tests use an in-memory fake that can
 * stage the races two replicas run into. Every implementation is bound to one Secret and one
 * MutatingWebhookConfiguration, named when it is built.
 */
export interface CertificateStore {
  /** The Secret, or undefined when it does not exist. */
  getSecret(): Promise<StoredSecret | undefined>;
  /** Creates the Secret with `data`; throws {@link ConflictError} (api-errors.ts) when it already exists. */
  createSecret(data: SecretData): Promise<StoredSecret>;
  /**
   * Replaces the Secret's data, keeping its type and metadata, only if it is still at `resourceVersion`
   * (optimistic concurrency); throws {@link ConflictError} (api-errors.ts) when someone else wrote or deleted it since.
   */
  replaceSecret(data: SecretData, resourceVersion: string): Promise<StoredSecret>;
  /** The webhook configuration's caBundles, or undefined when it does not exist (yet). */
  getWebhookConfiguration(): Promise<StoredWebhookConfiguration | undefined>;
  /**
   * Sets `caBundle` (PEM) on every webhook of the configuration, provided it is still the version in
   * `current`; throws {@link ConflictError} (api-errors.ts) when it changed meanwhile.
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
