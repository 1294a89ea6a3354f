/** `pullthrough audit`: what admission does, or would do, to the Pods of a cluster or of manifests. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auditCluster } from '../audit/cluster.js';
import { emptyManifestSet, readManifests, type ManifestSet } from '../audit/manifests.js';
import { ReportBuilder, mutationSettingsOf, type AuditError, type AuditReport } from '../audit/report.js';
import { SCOPES, namespaceDecision, type ScopeName, type ScopeSettings } from '../core/scope.js';
import { writeJson } from '../audit/json.js';
import { formatTable } from '../audit/table.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { KubeConfigError } from '../kube/client.js';
import type { CommandIo } from './io.js';

export const auditHelp = `Usage: pullthrough audit [options]                 (the live cluster)
       pullthrough audit -f FILE [-f FILE...] [options]  (manifests)

Reports, for every image field of every Pod, the reference as written, what pullthrough makes of
it and why: the same engine, configuration and namespace selection as the webhook.

Live cluster (no -f): lists Pods page by page through the kubeconfig ($KUBECONFIG,
~/.kube/config, or the in-cluster ServiceAccount). Pods that admission would rewrite were
created before pullthrough or while it was down: they are "not yet proxied" until restarted.

Manifests (-f): multi-document YAML or JSON of Pods, Deployments, StatefulSets, DaemonSets,
ReplicaSets, Jobs, CronJobs and ReplicationControllers (and Lists of them), e.g. the output of
'kubectl kustomize DIR' or 'helm template ...'. Other kinds are ignored and counted; Namespace
objects among them supply namespace labels. Broken documents are reported as FILE:LINE:COLUMN
on standard error and skipped.

Options:
  -f, --filename FILE          manifests to read (repeatable); '-' for standard input, a
                               directory for its *.yaml, *.yml and *.json files
  -n, --namespace NS           live: only this namespace (default: all); manifests: the
                               namespace of objects that name none (default: default)
  -c, --config FILE            configuration file (default: the embedded default, docker.io ->
                               harbor.ingress.local/proxy_cache)
      --scope SCOPE            the chart's scope: cluster (default) or opt-in
      --excluded-namespace NS  a namespace the webhook never sees (repeatable); kube-system
                               always is; add pullthrough's own namespace here
      --kubeconfig FILE        kubeconfig file (live)
      --context NAME           kubeconfig context (live)
      --page-size N            Pods per list request (live; default 500)
  -o, --output FORMAT          table (default) or json
      --fail-on-rewrite        exit 3 when any image would be rewritten (CI gate)
      --progress               report progress on standard error (default: when it is a terminal)
  -h, --help                   show this help

Exit status: 0 the report is complete; 1 it is not (a broken document or unreadable file was
skipped, namespace labels or Pods could not be read); 2 usage or configuration error; 3 with
--fail-on-rewrite, at least one image would be rewritten (wins over 1). Invalid image
references are reported (reason "invalid"), never an error: admission leaves them as written.
`;

const OUTPUTS = ['table', 'json'] as const;
type Output = (typeof OUTPUTS)[number];

const DEFAULT_PAGE_SIZE = 500;

class UsageError extends Error {}

interface Options {
  readonly files: readonly string[];
  readonly namespace: string | undefined;
  readonly config: string | undefined;
  readonly scope: ScopeName;
  readonly excludedNamespaces: readonly string[];
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  readonly pageSize: number;
  readonly output: Output;
  readonly failOnRewrite: boolean;
  readonly progress: boolean | undefined;
  readonly help: boolean;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
}

function parseOptions(args: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...args],
    allowPositionals: false,
    options: {
      filename: { type: 'string', short: 'f', multiple: true, default: [] },
      namespace: { type: 'string', short: 'n' },
      config: { type: 'string', short: 'c' },
      scope: { type: 'string' },
      'excluded-namespace': { type: 'string', multiple: true, default: [] },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'page-size': { type: 'string' },
      output: { type: 'string', short: 'o' },
      'fail-on-rewrite': { type: 'boolean', default: false },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const pageSizeText = values['page-size'];
  const pageSize = pageSizeText === undefined ? DEFAULT_PAGE_SIZE : Number(pageSizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new UsageError(`--page-size must be a positive integer (got "${pageSizeText}")`);
  }
  const files = values.filename;
  if (files.length > 0 && (values.kubeconfig !== undefined || values.context !== undefined)) {
    throw new UsageError('--kubeconfig and --context read a live cluster; they cannot be combined with -f');
  }
  return {
    files,
    namespace: values.namespace,
    config: values.config,
    scope: oneOf('--scope', values.scope, SCOPES, 'cluster'),
    excludedNamespaces: values['excluded-namespace'],
    kubeconfig: values.kubeconfig,
    context: values.context,
    pageSize,
    output: oneOf('--output', values.output, OUTPUTS, 'table'),
    failOnRewrite: values['fail-on-rewrite'],
    progress: values.progress,
    help: values.help,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readStdin(io: CommandIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A file, or the manifest files of a directory (not recursive, sorted), as (name, text) pairs. */
async function* inputsOf(file: string, io: CommandIo): AsyncGenerator<[name: string, text: string]> {
  if (file === '-') {
    yield ['<stdin>', await readStdin(io)];
    return;
  }
  if ((await stat(file)).isDirectory()) {
    const names = (await readdir(file)).filter((name) => /\.(ya?ml|json)$/i.test(name)).sort();
    for (const name of names) yield [join(file, name), await readFile(join(file, name), 'utf8')];
    return;
  }
  yield [file, await readFile(file, 'utf8')];
}

async function auditManifests(
  options: Options,
  config: Config,
  io: CommandIo,
  progress: (message: string) => void,
): Promise<AuditReport> {
  const set: ManifestSet = emptyManifestSet();
  for (const file of options.files) {
    try {
      for await (const [name, text] of inputsOf(file, io)) {
        const before = set.subjects.length;
        readManifests(text, name, options.namespace ?? 'default', set);
        progress(`read ${name}: ${set.subjects.length - before} Pod specs`);
      }
    } catch (error) {
      set.errors.push({
        source: file,
        line: null,
        column: null,
        message: `cannot read: ${errorMessage(error)}`,
      });
    }
  }
  const scope = scopeSettings(options, config);
  const builder = new ReportBuilder('manifests', mutationSettingsOf(config));
  for (const subject of set.subjects) {
    builder.add(subject, namespaceDecision(subject.namespace, set.namespaces.get(subject.namespace), scope));
  }
  for (const error of set.errors) builder.addError(error);
  builder.addIgnored(set.ignored);
  return builder.build();
}

function scopeSettings(options: Options, config: Config): ScopeSettings {
  return { scope: options.scope, mode: config.mode, excludedNamespaces: options.excludedNamespaces };
}

async function auditLive(
  options: Options,
  config: Config,
  progress: (message: string) => void,
): Promise<AuditReport> {
  const { connectCluster } = await import('../audit/live.js');
  const cluster = connectCluster({ kubeconfig: options.kubeconfig, context: options.context });
  progress(`listing Pods in ${options.namespace ?? 'all namespaces'} of ${cluster.description}`);
  return auditCluster(
    cluster.lister,
    {
      namespace: options.namespace,
      pageSize: options.pageSize,
      onProgress: (listed) => progress(`listed ${listed} pods…`),
    },
    mutationSettingsOf(config),
    scopeSettings(options, config),
  );
}

function formatError(error: AuditError): string {
  return error.line === null
    ? `pullthrough audit: ${error.source}: ${error.message}\n`
    : `${error.source}:${error.line}:${error.column ?? 1}: ${error.message}\n`;
}

function exitStatus(report: AuditReport, options: Options): number {
  if (options.failOnRewrite && report.summary.wouldRewrite > 0) return 3;
  return report.errors.length > 0 ? 1 : 0;
}

async function buildReport(options: Options, config: Config, io: CommandIo): Promise<AuditReport> {
  const showProgress = options.progress ?? (io.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = (message: string): void => {
    if (showProgress) io.stderr.write(`pullthrough audit: ${message}\n`);
  };
  return options.files.length > 0
    ? auditManifests(options, config, io, progress)
    : auditLive(options, config, progress);
}

/** Runs the command; returns the exit status. */
export async function runAudit(args: readonly string[], io: CommandIo): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`pullthrough audit: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(auditHelp);
    return 0;
  }
  const { config } = await loadConfig(options.config);
  let report: AuditReport;
  try {
    report = await buildReport(options, config, io);
  } catch (error) {
    io.stderr.write(`pullthrough audit: ${errorMessage(error)}\n`);
    return error instanceof KubeConfigError ? 2 : 1;
  }
  for (const error of report.errors) io.stderr.write(formatError(error));
  if (options.output === 'json') writeJson(report, (chunk) => io.stdout.write(chunk));
  else io.stdout.write(formatTable(report));
  return exitStatus(report, options);
}
