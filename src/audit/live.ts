/**
 * The {@link ClusterLister} over a real API server, with @kubernetes/client-node (the only user of
 * the client in the audit). Plain paginated LISTs (`limit` + `continue`); never a watch.
 */
import { CoreV1Api, type V1SecretList } from '@kubernetes/client-node';
import { describeApiError, isApiStatus } from '../kube/api-errors.js';
import { loadKubeConfig, type KubeClientOptions } from '../kube/client.js';
import { ListExpiredError, type ClusterLister, type PodListRequest, type PodPage } from './cluster.js';
import type { NamespaceLabels } from '../core/scope.js';

export type KubeOptions = KubeClientOptions;

export interface LiveCluster {
  readonly lister: ClusterLister;
  /** `context (server)`, for messages. */
  readonly description: string;
}

const NAMESPACE_PAGE_SIZE = 500;

/** Connects (lazily: no request is made until the first list) to the cluster of a kubeconfig. */
export function connectCluster(options: KubeOptions): LiveCluster {
  const kc = loadKubeConfig(options);
  const core = kc.makeApiClient(CoreV1Api);
  const server = kc.getCurrentCluster()?.server ?? '?';

  const listPods = async (request: PodListRequest): Promise<PodPage> => {
    const params = {
      limit: request.limit,
      _continue: request.continueToken,
    };
    try {
      const list =
        request.namespace === undefined
          ? await core.listPodForAllNamespaces(params)
          : await core.listNamespacedPod({ ...params, namespace: request.namespace });
      return { items: list.items, continueToken: list.metadata?._continue };
    } catch (error) {
      if (isApiStatus(error, 410) && request.continueToken !== undefined) {
        throw new ListExpiredError(describeApiError(error));
      }
      throw new Error(`listing Pods on ${server}: ${describeApiError(error)}`, { cause: error });
    }
  };

  const allNamespaceLabels = async (): Promise<Map<string, NamespaceLabels>> => {
    const labels = new Map<string, NamespaceLabels>();
    let continueToken: string | undefined;
    do {
      const list = await core.listNamespace({ limit: NAMESPACE_PAGE_SIZE, _continue: continueToken });
      for (const { metadata } of list.items) {
        if (metadata?.name !== undefined) labels.set(metadata.name, metadata.labels ?? {});
      }
      continueToken = list.metadata?._continue || undefined;
    } while (continueToken !== undefined);
    return labels;
  };

  const namespaceLabels = async (namespace: string | undefined): Promise<Map<string, NamespaceLabels>> => {
    try {
      if (namespace === undefined) return await allNamespaceLabels();
      const object = await core.readNamespace({ name: namespace });
      return new Map([[namespace, object.metadata?.labels ?? {}]]);
    } catch (error) {
      if (namespace !== undefined && isApiStatus(error, 404)) return new Map();
      throw new Error(describeApiError(error), { cause: error });
    }
  };

  const listSecretsNamed = (
    name: string,
    namespace: string | undefined,
    continueToken: string | undefined,
  ): Promise<V1SecretList> => {
    const params = {
      fieldSelector: `metadata.name=${name}`,
      limit: NAMESPACE_PAGE_SIZE,
      _continue: continueToken,
    };
    return namespace === undefined
      ? core.listSecretForAllNamespaces(params)
      : core.listNamespacedSecret({ ...params, namespace });
  };

  /** Namespace -> type of every Secret of one page. */
  const addTypes = (types: Map<string, string>, list: V1SecretList): void => {
    // Only the namespace and type are kept; the credentials are never looked at.
    for (const { metadata, type } of list.items) {
      if (metadata?.namespace !== undefined) types.set(metadata.namespace, type ?? 'Opaque');
    }
  };

  const pullSecretTypes = async (
    name: string,
    namespace: string | undefined,
  ): Promise<Map<string, string>> => {
    const types = new Map<string, string>();
    try {
      let continueToken: string | undefined;
      do {
        const list = await listSecretsNamed(name, namespace, continueToken);
        addTypes(types, list);
        continueToken = list.metadata?._continue || undefined;
      } while (continueToken !== undefined);
    } catch (error) {
      throw new Error(describeApiError(error), { cause: error });
    }
    return types;
  };

  return {
    lister: { listPods, namespaceLabels, pullSecretTypes },
    description: `${kc.getCurrentContext() || '(in-cluster)'} (${server})`,
  };
}
