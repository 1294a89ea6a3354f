import { silentLogger, type Logger } from '../platform/logger.js';
import { fileTlsSource, selfSignedTlsSource, type TlsSource } from '../tls/tls-source.js';

/** The certificate flags of `pullthrough serve` (docs/contracts.md), already parsed. */
export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsDns?: readonly string[];
  tlsCaOut?: string;
  certSecret?: string;
  webhookConfig?: string;
  /** `--namespace`, defaulted by the CLI from `POD_NAMESPACE`. */
  namespace?: string;
  service?: string;
}

/** The three certificate paths; exactly one is taken. */
export type TlsMode = 'files' | 'self-managed' | 'self-signed';

/** Invalid certificate flags, every problem listed at once (start-up fails before listening). */
export class TlsConfigError extends Error {
  readonly code = 'PT_ERR_TLS_CONFIG';
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid certificate flags: ${problems.join('; ')}`);
    this.name = 'TlsConfigError';
    this.problems = problems;
  }
}

const FLAG_NAMES: Record<keyof TlsFlags, string> = {
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
  tlsDns: '--tls-dns',
  tlsCaOut: '--tls-ca-out',
  certSecret: '--cert-secret',
  webhookConfig: '--webhook-config',
  namespace: '--namespace',
  service: '--service',
};

// Flags that mean something only on some paths; set on another path they are reported as ignored.
const USED_BY: Partial<Record<keyof TlsFlags, readonly TlsMode[]>> = {
  tlsDns: ['self-managed', 'self-signed'],
  tlsCaOut: ['self-signed'],
  certSecret: ['self-managed'],
  webhookConfig: ['self-managed'],
  service: ['self-managed'],
};

function isSet(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== '';
}

/**
 * Picks the certificate path by the contract's precedence (files when `--tls-cert`, self-managed when
 * `--cert-secret`, otherwise self-signed) and checks the flags that path needs. Pure, so the CLI can
 * validate before doing any I/O. Throws {@link TlsConfigError}; returns flags that will be ignored.
 */
export function chooseTlsMode(flags: TlsFlags): { mode: TlsMode; ignored: string[] } {
  const problems: string[] = [];
  let mode: TlsMode = 'self-signed';
  if (isSet(flags.tlsCert) || isSet(flags.tlsKey)) {
    mode = 'files';
    if (!isSet(flags.tlsCert)) problems.push('--tls-key needs --tls-cert');
    if (!isSet(flags.tlsKey)) problems.push('--tls-cert needs --tls-key');
  } else if (isSet(flags.certSecret)) {
    mode = 'self-managed';
    if (!isSet(flags.namespace)) problems.push('--cert-secret needs --namespace (or POD_NAMESPACE)');
    if (!isSet(flags.service))
      problems.push('--cert-secret needs --service (the certificate names come from it)');
  }
  if (problems.length > 0) throw new TlsConfigError(problems);
  const ignored = (Object.keys(USED_BY) as Array<keyof TlsFlags>)
    .filter((k) => isSet(flags[k]) && !(USED_BY[k] ?? []).includes(mode))
    .map((k) => FLAG_NAMES[k]);
  return { mode, ignored };
}

/** Dependencies of {@link createTlsSource}; all optional. */
export interface CreateTlsSourceDeps {
  log?: Logger;
  /** Self-managed only: a prepared `KubeConfig` (default: from the environment). */
  kubeConfig?: import('@kubernetes/client-node').KubeConfig;
  /** The port `serve` listens on: the default self-signed CA file is per port. */
  port?: number;
}

/** The files path; a missing, garbage or mismatched pair is the operator's to fix, like a bad flag. */
async function checkedFileTlsSource(flags: TlsFlags, log: Logger): Promise<TlsSource> {
  try {
    return await fileTlsSource(flags.tlsCert as string, flags.tlsKey as string, { log });
  } catch (error) {
    throw new TlsConfigError([error instanceof Error ? error.message : String(error)]);
  }
}

/**
 * Builds the serving-certificate source the flags ask for; what `serve` calls before listening.
 * The Kubernetes client is loaded only on the self-managed path, so local runs never import it.
 */
export async function createTlsSource(
  flags: TlsFlags,
  deps: CreateTlsSourceDeps = {},
): Promise<{ source: TlsSource; mode: TlsMode; caPath?: string }> {
  const log = deps.log ?? silentLogger;
  const { mode, ignored } = chooseTlsMode(flags);
  if (ignored.length > 0) log.warn({ ignored, mode }, 'certificate flags ignored on this certificate path');

  if (mode === 'files') {
    return { source: await checkedFileTlsSource(flags, log), mode };
  }
  if (mode === 'self-signed') {
    const { source, caPath } = await selfSignedTlsSource({
      extraDnsNames: flags.tlsDns ?? [],
      ...(flags.tlsCaOut ? { caOutPath: flags.tlsCaOut } : {}),
      ...(deps.port === undefined ? {} : { port: deps.port }),
      log,
    });
    return { source, mode, caPath };
  }

  const [{ startCertificateManager }, { serviceDnsNames }, { kubeCertificateStore }, { splitHostNames }] =
    await Promise.all([
      import('../kube/certificate-manager.js'),
      import('../kube/certificate-plan.js'),
      import('../kube/kube-certificate-store.js'),
      import('../tls/self-signed.js'),
    ]);
  const namespace = flags.namespace as string;
  const store = kubeCertificateStore({
    namespace,
    secretName: flags.certSecret as string,
    ...(flags.webhookConfig ? { webhookConfigName: flags.webhookConfig } : {}),
    ...(deps.kubeConfig ? { kubeConfig: deps.kubeConfig } : {}),
  });
  const extra = splitHostNames(flags.tlsDns ?? []);
  const source = await startCertificateManager({
    store,
    dnsNames: serviceDnsNames(flags.service as string, namespace, extra.dnsNames),
    ipAddresses: extra.ipAddresses,
    manageCaBundle: isSet(flags.webhookConfig),
    log,
  });
  return { source, mode };
}
