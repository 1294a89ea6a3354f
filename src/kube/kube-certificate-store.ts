import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import { ConflictError, httpStatusOf } from './api-errors.js';
import { loadKubeConfig } from './client.js';
import {
  type CertificateStore,
  type SecretData,
  type StoredSecret,
  type StoredWebhookConfiguration,
} from './certificate-store.js';

/** Options for {@link kubeCertificateStore}. */
export interface KubeCertificateStoreOptions {
  /** Default: {@link loadKubeConfig} (KUBECONFIG, ~/.kube/config, or the in-cluster service account). */
  kubeConfig?: KubeConfig;
  namespace: string;
  secretName: string;
  /** The MutatingWebhookConfiguration to patch; required only if the caBundle is managed. */
  webhookConfigName?: string;
  /** Recorded in managedFields so `kubectl get -o yaml --show-managed-fields` shows who wrote what. */
  fieldManager?: string;
}

const SECRET_TYPE_TLS = 'kubernetes.io/tls';

/**
 * The real {@link CertificateStore}: @kubernetes/client-node 1.x against the API server. The RBAC it
 * needs: get/create/update on the Secret, get/patch on the MutatingWebhookConfiguration (both can be
 * scoped by resourceNames except `create`, which Kubernetes cannot scope).
 */
export function kubeCertificateStore(opts: KubeCertificateStoreOptions): CertificateStore {
  return new KubeCertificateStore(opts);
}

function encode(data: SecretData): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
  );
}

function decode(data: Record<string, string> | undefined): SecretData {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

function toStored(secret: V1Secret): StoredSecret {
  return { resourceVersion: secret.metadata?.resourceVersion ?? '', data: decode(secret.data) };
}

class KubeCertificateStore implements CertificateStore {
  readonly #core: CoreV1Api;
  readonly #admission: AdmissionregistrationV1Api;
  readonly #namespace: string;
  readonly #secretName: string;
  readonly #webhookConfigName: string | undefined;
  readonly #fieldManager: string;
  // The last Secret read, so a replace can send back its metadata (labels, annotations, owner
  // references): a PUT replaces the whole object, and dropping Helm's ownership labels would make
  // the next `helm upgrade` refuse the Secret.
  #lastRead: V1Secret | undefined;

  constructor(opts: KubeCertificateStoreOptions) {
    const kc = opts.kubeConfig ?? loadKubeConfig();
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#admission = kc.makeApiClient(AdmissionregistrationV1Api);
    this.#namespace = opts.namespace;
    this.#secretName = opts.secretName;
    this.#webhookConfigName = opts.webhookConfigName;
    this.#fieldManager = opts.fieldManager ?? 'pullthrough';
  }

  async getSecret(): Promise<StoredSecret | undefined> {
    const secret = await this.#readSecret();
    return secret ? toStored(secret) : undefined;
  }

  async createSecret(data: SecretData): Promise<StoredSecret> {
    try {
      const created = await this.#core.createNamespacedSecret({
        namespace: this.#namespace,
        fieldManager: this.#fieldManager,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: this.#secretName,
            namespace: this.#namespace,
            labels: {
              'app.kubernetes.io/name': 'pullthrough',
              'app.kubernetes.io/component': 'webhook-certificate',
            },
          },
          type: SECRET_TYPE_TLS,
          data: encode(data),
        },
      });
      this.#lastRead = created;
      return toStored(created);
    } catch (err) {
      if (httpStatusOf(err) === 409) throw new ConflictError('the Secret already exists', { cause: err });
      throw err;
    }
  }

  async replaceSecret(data: SecretData, resourceVersion: string): Promise<StoredSecret> {
    const base =
      this.#lastRead?.metadata?.resourceVersion === resourceVersion
        ? this.#lastRead
        : await this.#readSecret();
    if (base?.metadata?.resourceVersion !== resourceVersion) {
      throw new ConflictError(base ? 'the Secret changed since it was read' : 'the Secret was deleted');
    }
    // managedFields left out: on an update the API server then keeps the recorded ones.
    const metadata = { ...base.metadata, resourceVersion };
    delete metadata.managedFields;
    try {
      const replaced = await this.#core.replaceNamespacedSecret({
        name: this.#secretName,
        namespace: this.#namespace,
        fieldManager: this.#fieldManager,
        // The type is immutable, so it is sent back as read (a chart may have pre-created it Opaque).
        body: { ...base, metadata, data: encode(data) },
      });
      this.#lastRead = replaced;
      return toStored(replaced);
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 409 || status === 404) {
        throw new ConflictError('the Secret changed since it was read', { cause: err });
      }
      throw err;
    }
  }

  async getWebhookConfiguration(): Promise<StoredWebhookConfiguration | undefined> {
    try {
      const config = await this.#admission.readMutatingWebhookConfiguration({
        name: this.#requireWebhookName(),
      });
      return {
        resourceVersion: config.metadata?.resourceVersion ?? '',
        caBundles: (config.webhooks ?? []).map((w) =>
          w.clientConfig.caBundle === undefined
            ? undefined
            : Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8'),
        ),
      };
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async patchCaBundle(caBundle: string, current: StoredWebhookConfiguration): Promise<void> {
    const value = Buffer.from(caBundle, 'utf8').toString('base64');
    // A JSON patch with a resourceVersion test: the webhook indexes are only right for the version we
    // read. `add` sets the member whether or not it exists (RFC 6902 section 4.1).
    const ops = [
      { op: 'test', path: '/metadata/resourceVersion', value: current.resourceVersion },
      ...current.caBundles.map((_, i) => ({
        op: 'add',
        path: `/webhooks/${i}/clientConfig/caBundle`,
        value,
      })),
    ];
    try {
      await this.#admission.patchMutatingWebhookConfiguration(
        { name: this.#requireWebhookName(), body: ops, fieldManager: this.#fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (err) {
      // kube-apiserver answers a failed JSON-patch test with 422, a precondition clash with 409.
      const status = httpStatusOf(err);
      if (status === 409 || status === 422 || status === 404) {
        throw new ConflictError('the webhook configuration changed since it was read', { cause: err });
      }
      throw err;
    }
  }

  async #readSecret(): Promise<V1Secret | undefined> {
    try {
      this.#lastRead = await this.#core.readNamespacedSecret({
        name: this.#secretName,
        namespace: this.#namespace,
      });
      return this.#lastRead;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  #requireWebhookName(): string {
    if (this.#webhookConfigName === undefined) throw new Error('no webhook configuration name was given');
    return this.#webhookConfigName;
  }
}
