/**
 * The one way pullthrough finds its cluster: a kubeconfig file, `$KUBECONFIG`, `~/.kube/config`,
 * or the in-cluster ServiceAccount, with a clear error instead of a client that fails on first use.
 */
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

/** Loads and checks the kubeconfig; makes no request. */
export function loadKubeConfig(options: KubeClientOptions = {}): KubeConfig {
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
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((context) => context.name);
      throw new KubeConfigError(
        `no context "${options.context}" in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (kc.getCurrentCluster() === null) throw new KubeConfigError('the kubeconfig has no current cluster');
  return kc;
}
