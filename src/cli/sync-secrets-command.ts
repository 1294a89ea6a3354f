/** `pullthrough sync-secrets`: keeps a copy of the pull secret in every namespace the webhook rewrites. */
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { SCOPES, type ScopeName, type ScopeSettings } from '../core/scope.js';
import { MODES, type Mode } from '../config/config.js';
import { KubeConfigError, loadKubeConfig } from '../kube/client.js';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.js';
import { checkTimings, type ElectionTimings } from '../sync/leader-elector.js';
import { startSecretSync, type SecretSyncOptions } from '../sync/run.js';
import { enumFlag, integerFlag, namespaceFlag, objectNameFlag, parseFlags, UsageError } from './flags.js';
import type { CommandIo } from './io.js';
import { listenErrorMessage } from './startup-errors.js';
import { untilSignal } from './until-signal.js';

export const syncSecretsHelp = `Usage: pullthrough sync-secrets --source-name NAME [options]

Copies a kubernetes.io/dockerconfigjson Secret into every namespace whose Pods the webhook
rewrites (and so gets the pull secret injected: the namespaces the /mutate webhook covers, not
the audited ones), keeps the copies in sync with it, and deletes the copies it owns from
namespaces that leave the scope. A Secret of the same name that it did not create is never
touched (a warning and the metric pullthrough_secret_sync_conflicts). Run several replicas: a
coordination.k8s.io Lease elects the one that writes.

Options:
      --source-namespace NS     namespace of the source Secret (default $POD_NAMESPACE)
      --source-name NAME        the source Secret (required)
      --target-name NAME        name of the copies: a pull secret of the webhook's config
                                (default: the source name)
      --scope SCOPE             the chart's scope: cluster (default) or opt-in
      --mode MODE               the config's mode: enforce (default) or audit (no copies at all:
                                the /mutate webhook does not exist)
      --excluded-namespace NS   a namespace the webhook never sees (repeatable); kube-system and
                                $POD_NAMESPACE (the release namespace) always are
      --lease-name NAME         the Lease (default pullthrough-secret-sync)
      --lease-namespace NS      its namespace (default $POD_NAMESPACE, else the source namespace)
      --identity ID             this replica's name in the Lease (default $POD_NAME, else
                                <hostname>_<pid>)
      --resync-seconds N        re-plan from the caches this often (default 300)
      --lease-duration-seconds N  how long a silent leader keeps the lease (default 15)
      --renew-deadline-seconds N  how long the leader acts without a renewal (default 10)
      --retry-period-seconds N    time between acquire or renew attempts (default 2)
      --metrics-host ADDR       listen address of /metrics, /healthz, /readyz (default 0.0.0.0)
      --metrics-port N          their plain HTTP port (default 8080; 0: any free port)
      --kubeconfig FILE         default: $KUBECONFIG, ~/.kube/config, then the in-cluster
                                ServiceAccount
      --log-level LEVEL         ${LOG_LEVELS.join(', ')} (default info)
  -h, --help                    show this help
`;

function kubeConfigOf(file: string | undefined): KubeConfig {
  try {
    return loadKubeConfig({ kubeconfig: file });
  } catch (error) {
    // No cluster is a start-up error, not something to retry forever.
    if (error instanceof KubeConfigError) throw new UsageError(error.message);
    throw error;
  }
}

interface Flags {
  readonly [flag: string]: string | undefined;
}

function timingsOf(flags: Flags): ElectionTimings {
  const timings = {
    leaseDurationMs:
      integerFlag('--lease-duration-seconds', flags['lease-duration-seconds'], {
        fallback: 15,
        min: 2,
        max: 3600,
      }) * 1000,
    renewDeadlineMs:
      integerFlag('--renew-deadline-seconds', flags['renew-deadline-seconds'], {
        fallback: 10,
        min: 1,
        max: 3600,
      }) * 1000,
    retryPeriodMs:
      integerFlag('--retry-period-seconds', flags['retry-period-seconds'], {
        fallback: 2,
        min: 1,
        max: 3600,
      }) * 1000,
  };
  const problem = checkTimings(timings);
  if (problem !== undefined) throw new UsageError(problem);
  return timings;
}

type CommandSettings = Omit<SecretSyncOptions, 'logger'> & { readonly level: LogLevel };

function scopeOf(
  flags: Flags,
  excludedFlags: readonly string[],
  podNamespace: string | undefined,
): ScopeSettings {
  const excluded = excludedFlags.map((ns) => namespaceFlag('--excluded-namespace', ns));
  return {
    scope: enumFlag<ScopeName>('--scope', flags.scope, SCOPES, 'cluster'),
    mode: enumFlag<Mode>('--mode', flags.mode, MODES, 'enforce'),
    // The release namespace is always excluded, as the chart does.
    excludedNamespaces: [...new Set([...excluded, ...(podNamespace ? [podNamespace] : [])])],
  };
}

/** Everything `startSecretSync` needs but the logger, from the flags and the environment. */
function settingsOf(flags: Flags, excludedFlags: readonly string[], env: NodeJS.ProcessEnv): CommandSettings {
  const podNamespace = env.POD_NAMESPACE || undefined;
  const sourceNamespace = namespaceFlag('--source-namespace', flags['source-namespace'] ?? podNamespace);
  const sourceName = objectNameFlag('--source-name', flags['source-name']);
  return {
    level: enumFlag<LogLevel>('--log-level', flags['log-level'], LOG_LEVELS, 'info'),
    sourceNamespace,
    sourceName,
    targetName: objectNameFlag('--target-name', flags['target-name'] ?? sourceName),
    scope: scopeOf(flags, excludedFlags, podNamespace),
    leaseName: objectNameFlag('--lease-name', flags['lease-name'] ?? 'pullthrough-secret-sync'),
    leaseNamespace: namespaceFlag(
      '--lease-namespace',
      flags['lease-namespace'] ?? podNamespace ?? sourceNamespace,
    ),
    identity: flags.identity || env.POD_NAME || `${hostname()}_${process.pid}`,
    timings: timingsOf(flags),
    resyncMs:
      integerFlag('--resync-seconds', flags['resync-seconds'], { fallback: 300, min: 1, max: 86_400 }) * 1000,
    metrics: {
      host: flags['metrics-host'] ?? '0.0.0.0',
      port: integerFlag('--metrics-port', flags['metrics-port'], { fallback: 8080, min: 0, max: 65_535 }),
    },
    kubeConfig: kubeConfigOf(flags.kubeconfig),
  };
}

/** Runs until SIGTERM or SIGINT; returns the exit status. */
export async function runSyncSecrets(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags({
    args: [...args],
    allowPositionals: false,
    options: {
      'source-namespace': { type: 'string' },
      'source-name': { type: 'string' },
      'target-name': { type: 'string' },
      scope: { type: 'string' },
      mode: { type: 'string' },
      'excluded-namespace': { type: 'string', multiple: true, default: [] },
      'lease-name': { type: 'string' },
      'lease-namespace': { type: 'string' },
      identity: { type: 'string' },
      'resync-seconds': { type: 'string' },
      'lease-duration-seconds': { type: 'string' },
      'renew-deadline-seconds': { type: 'string' },
      'retry-period-seconds': { type: 'string' },
      'metrics-host': { type: 'string' },
      'metrics-port': { type: 'string' },
      kubeconfig: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { help, 'excluded-namespace': excluded, ...flags } = values;
  if (help) {
    io.stdout.write(syncSecretsHelp);
    return 0;
  }
  let settings;
  try {
    settings = settingsOf(flags, excluded, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`pullthrough sync-secrets: ${error.message}\n`);
    return 2;
  }

  const logger = createLogger({ level: settings.level });
  let running;
  try {
    running = await startSecretSync({ ...settings, logger });
  } catch (error) {
    const listen =
      settings.metrics && listenErrorMessage(error, { ...settings.metrics, portFlag: '--metrics-port' });
    if (listen === undefined) throw error;
    io.stderr.write(`pullthrough sync-secrets: ${listen}\n`);
    return 2;
  }
  return untilSignal(logger, () => running.stop());
}
