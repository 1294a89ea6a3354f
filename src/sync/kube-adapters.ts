/**
 * The secret sync's API access with @kubernetes/client-node: the watched collections it plans from
 * ({@link kubeSyncSources}) and the writes it makes ({@link kubeSecretWriter}). Every Secret request
 * names the pull secret (a `metadata.name` field selector, or the name in the URL) except `create`,
 * so RBAC can confine the controller to Secrets of that one name.
 */
import { CoreV1Api, type KubeConfig, type V1Namespace, type V1Secret } from '@kubernetes/client-node';
import type { ScopedLogger as Logger } from '../platform/logger.js';
import { ConflictError, httpStatusOf } from '../kube/api-errors.js';
import type { SyncInput } from './plan.js';
import { WatchedCollection } from './watched-collection.js';

const FIELD_MANAGER = 'pullthrough-secret-sync';

/** What the controller reads: cached and watched, never fetched on demand. */
export interface SyncSources {
  start(): void;
  stop(): Promise<void>;
  /** True once every collection has been listed (a plan before that could delete wrongly). */
  synced(): boolean;
  snapshot(): SyncInput;
}

/** The controller's writes. Each throws {@link ConflictError} when the object is not as planned. */
export interface SecretWriter {
  /** Conflict: a Secret of that name already exists. */
  create(secret: V1Secret): Promise<void>;
  /** Conflict: the Secret changed (resourceVersion) or is gone since it was read. */
  update(secret: V1Secret): Promise<void>;
  /** Conflict: the Secret is no longer the one read (uid, resourceVersion). Already gone: success. */
  delete(
    namespace: string,
    name: string,
    preconditions: { uid: string; resourceVersion: string },
  ): Promise<void>;
}

export interface KubeSyncSourcesOptions {
  readonly kubeConfig: KubeConfig;
  readonly sourceNamespace: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly logger: Logger;
  readonly onChange: () => void;
  readonly onRestart?: ((collection: string, error: unknown) => void) | undefined;
}

const nameSelector = (name: string): string => `metadata.name=${name}`;

export function kubeSyncSources(options: KubeSyncSourcesOptions): SyncSources {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const common = {
    kubeConfig: options.kubeConfig,
    logger: options.logger,
    onChange: options.onChange,
  };
  const restart = (name: string) => (error: unknown) => options.onRestart?.(name, error);
  const namespaces = new WatchedCollection<V1Namespace>({
    ...common,
    name: 'namespaces',
    path: '/api/v1/namespaces',
    list: () => core.listNamespace(),
    onRestart: restart('namespaces'),
  });
  const sourceSelector = nameSelector(options.sourceName);
  const source = new WatchedCollection<V1Secret>({
    ...common,
    name: 'source',
    path: `/api/v1/namespaces/${encodeURIComponent(options.sourceNamespace)}/secrets`,
    fieldSelector: sourceSelector,
    list: () =>
      core.listNamespacedSecret({ namespace: options.sourceNamespace, fieldSelector: sourceSelector }),
    onRestart: restart('source'),
  });
  const targetSelector = nameSelector(options.targetName);
  const copies = new WatchedCollection<V1Secret>({
    ...common,
    name: 'copies',
    path: '/api/v1/secrets',
    fieldSelector: targetSelector,
    list: () => core.listSecretForAllNamespaces({ fieldSelector: targetSelector }),
    onRestart: restart('copies'),
  });
  const all = [namespaces, source, copies];
  return {
    start: () => all.forEach((collection) => collection.start()),
    stop: async () => {
      await Promise.all(all.map((collection) => collection.stop()));
    },
    synced: () => all.every((collection) => collection.synced()),
    snapshot: () => ({
      namespaces: namespaces.list(),
      source: source.list().find((secret) => secret.metadata?.name === options.sourceName),
      secrets: copies.list(),
    }),
  };
}

export function kubeSecretWriter(kubeConfig: KubeConfig): SecretWriter {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async create(secret) {
      const namespace = secret.metadata?.namespace ?? '';
      try {
        await core.createNamespacedSecret({ namespace, body: secret, fieldManager: FIELD_MANAGER });
      } catch (error) {
        if (httpStatusOf(error) === 409)
          throw new ConflictError('the Secret already exists', { cause: error });
        throw error;
      }
    },
    async update(secret) {
      const namespace = secret.metadata?.namespace ?? '';
      const name = secret.metadata?.name ?? '';
      try {
        await core.replaceNamespacedSecret({ name, namespace, body: secret, fieldManager: FIELD_MANAGER });
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 409 || status === 404) {
          throw new ConflictError('the Secret changed since it was read', { cause: error });
        }
        throw error;
      }
    },
    async delete(namespace, name, preconditions) {
      try {
        await core.deleteNamespacedSecret({ name, namespace, body: { preconditions } });
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) return;
        if (status === 409) throw new ConflictError('the Secret changed since it was read', { cause: error });
        throw error;
      }
    },
  };
}
