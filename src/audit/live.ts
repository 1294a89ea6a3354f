/**
 * The {@link ClusterLister} over a real API server, with @kubernetes/client-node (the only user of
 * the client in the audit). Plain paginated LISTs (`limit` + `continue`); never a watch.
 */
import * as k8s from '@kubernetes/client-node';
import { ListExpiredError, type ClusterLister, type PodListRequest, type PodPage } from './cluster.js';
import type { NamespaceLabels } from './scope.js';
import { KubeConfigError, loadKubeConfig } from '../kube/kubeconfig.js';

export interface KubeOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount. */
  readonly kubeconfig?: string | undefined;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string | undefined;
}

export interface LiveCluster {
  readonly lister: ClusterLister;
  /** `context (server)`, for messages. */
  readonly description: string;
}

export { KubeConfigError };

const NAMESPACE_PAGE_SIZE = 500;

/** A short message for an API error: status code and the Status object's message. */
export function describeApiError(error: unknown): string {
  if (!(error instanceof k8s.ApiException)) return error instanceof Error ? error.message : String(error);
  const { code, body } = error as k8s.ApiException<unknown>;
  return `HTTP ${code}: ${statusMessage(body)}`;
}

function statusMessage(body: unknown): string {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body === '' ? 'no details' : body;
    }
  }
  if (value !== null && typeof value === 'object' && 'message' in value) return String(value.message);
  return 'no details';
}

function isStatus(error: unknown, code: number): boolean {
  return error instanceof k8s.ApiException && error.code === code;
}

/** Connects (lazily: no request is made until the first list) to the cluster of a kubeconfig. */
export function connectCluster(options: KubeOptions): LiveCluster {
  const kc = loadKubeConfig(options);
  const core = kc.makeApiClient(k8s.CoreV1Api);
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
      if (isStatus(error, 410) && request.continueToken !== undefined) {
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
      if (namespace !== undefined && isStatus(error, 404)) return new Map();
      throw new Error(describeApiError(error), { cause: error });
    }
  };

  const listSecretsNamed = (
    name: string,
    namespace: string | undefined,
    continueToken: string | undefined,
  ): Promise<k8s.V1SecretList> => {
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
  const addTypes = (types: Map<string, string>, list: k8s.V1SecretList): void => {
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
