/**
 * Finding the cluster the way kubectl does: --kubeconfig, else $KUBECONFIG, else ~/.kube/config,
 * else the in-cluster ServiceAccount. Where @kubernetes/client-node would silently fall back to
 * http://localhost:8080 (and every request then fails with a TLS message that helps nobody), this
 * says that no cluster was found and how to point at one.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** The kubeconfig cannot be used (none found, unreadable, unknown context): the user's to fix, exit 2. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

export interface KubeConfigOptions {
  /** An explicit kubeconfig file (`--kubeconfig`). */
  readonly kubeconfig?: string | undefined;
  /** A context of it (`--context`); default its current context. */
  readonly context?: string | undefined;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const NO_CLUSTER_MESSAGE =
  'no Kubernetes cluster found: no --kubeconfig, $KUBECONFIG is not set, ~/.kube/config does not exist ' +
  'and this is not a Pod with a ServiceAccount; point at one with --kubeconfig FILE or KUBECONFIG=FILE ' +
  '(for example the file your cluster tooling wrote)';

/** Where the defaults would look, in kubectl's order; undefined when there is nothing to load. */
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

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Loads the kubeconfig the options and environment name; throws {@link KubeConfigError}. */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig === undefined && defaultKubeConfigSource() === undefined) {
    throw new KubeConfigError(NO_CLUSTER_MESSAGE);
  }
  try {
    if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    const file = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new KubeConfigError(`cannot load ${file}: ${messageOf(error)}`);
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((context) => context.name);
      throw new KubeConfigError(
        `no context "${options.context}" in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new KubeConfigError(
      'the kubeconfig has no current context with a cluster; choose one with --context NAME ' +
        '(kubectl config get-contexts lists them)',
    );
  }
  return kc;
}
