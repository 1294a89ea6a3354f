/**
 * The one way pullthrough finds its cluster: a kubeconfig file, `$KUBECONFIG`, `~/.kube/config`,
 * or the in-cluster ServiceAccount, with a clear error instead of a client that fails on first use.
 * Where @kubernetes/client-node would silently fall back to http://localhost:8080 (every request
 * then fails with a TLS message that helps nobody), it says that no cluster was found and how to
 * point at one.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeClientOptions {
  /** A kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount. */
  readonly kubeconfig?: string | undefined;
  /** A context of the kubeconfig; default: its current context. */
  readonly context?: string | undefined;
}

/** Thrown for a kubeconfig that cannot be used (missing file, unknown context, no cluster). */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  readonly code = 'PT_ERR_KUBECONFIG';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const NO_CLUSTER_MESSAGE =
  'no Kubernetes cluster found: no --kubeconfig, $KUBECONFIG is not set, ~/.kube/config does not exist ' +
  'and this is not a Pod with a ServiceAccount; point at one with --kubeconfig FILE or KUBECONFIG=FILE ' +
  '(for example the file your cluster tooling wrote)';

/** Where the defaults would find a cluster, in kubectl's order; undefined when nowhere. */
export function defaultKubeConfigSource(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
  home: string = env.HOME ?? homedir(),
): 'env' | 'home' | 'in-cluster' | undefined {
  if (env.KUBECONFIG !== undefined && env.KUBECONFIG !== '') return 'env';
  if (home !== '' && exists(join(home, '.kube', 'config'))) return 'home';
  if (env.KUBERNETES_SERVICE_HOST !== undefined && exists(SERVICE_ACCOUNT_TOKEN)) return 'in-cluster';
  return undefined;
}

function useContext(kc: KubeConfig, context: string): void {
  if (kc.getContextObject(context) === null) {
    const known = kc.getContexts().map(({ name }) => name);
    throw new KubeConfigError(
      `no context "${context}" in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
    );
  }
  kc.setCurrentContext(context);
}

/** Loads and checks the kubeconfig; makes no request. */
export function loadKubeConfig(options: KubeClientOptions = {}): KubeConfig {
  if (options.kubeconfig === undefined && defaultKubeConfigSource() === undefined) {
    throw new KubeConfigError(NO_CLUSTER_MESSAGE);
  }
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    const file = options.kubeconfig ?? process.env.KUBECONFIG ?? 'the default kubeconfig';
    throw new KubeConfigError(
      `cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (options.context !== undefined) useContext(kc, options.context);
  if (kc.getCurrentCluster() === null) {
    throw new KubeConfigError(
      'the kubeconfig has no current context with a cluster; choose one with --context NAME ' +
        '(kubectl config get-contexts lists them)',
    );
  }
  return kc;
}
