/** `pullthrough audit`: what admission does, or would do, to the Pods of a cluster or of manifests. */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { auditCluster } from '../audit/cluster.js';
import { emptyManifestSet, readManifests, type ManifestSet } from '../audit/manifests.js';
import { mutationSettingsOf } from '../admission/runtime.js';
import { ReportBuilder, type AuditError, type AuditReport } from '../audit/report.js';
import { SCOPES, namespaceDecision, type ScopeName, type ScopeSettings } from '../core/scope.js';
import { writeJson } from '../audit/json.js';
import { formatTable, type TableOptions } from '../audit/table.js';
import { ConfigError, DEFAULT_CONFIG, type Config } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { KubeConfigError } from '../kube/client.js';
import { enumFlag, integerFlag, parseFlags, UsageError } from './flags.js';
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
objects among them supply namespace labels. Input is split at '---' lines as kubectl does; a
document is read as leniently as kubectl reads it, else reported once as FILE:LINE:COLUMN on
standard error (with its kind and name) and skipped.

The table fits the terminal (its width, else $COLUMNS; a pipe gets full lines): long references
lose their middle and digests show 12 hex digits; -o wide shows everything. Colour on a terminal
unless NO_COLOR is set. Live, it starts with the pull secrets admission injects: whether each
exists, and with which type, in every namespace the webhook rewrites.

Options:
  -f, --filename FILE          manifests to read (repeatable); '-' for standard input, a
                               directory for its *.yaml, *.yml and *.json files, recursively
                               (as kubectl apply -R; hidden directories are skipped)
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
  -o, --output FORMAT          table (default), wide (full references and digests, any width)
                               or json ({summary, items, errors}, always printed, all items)
      --all                    also list Pods of excluded namespaces (kube-system...)
      --fail-on-rewrite        exit 3 when any image would be rewritten (CI gate)
      --progress               report progress on standard error (default: when it is a terminal)
  -h, --help                   show this help

Exit status: 0 the report is complete; 1 it is not (a broken document or unreadable file was
skipped, namespace labels or Pods could not be read); 2 usage or configuration error; 3 with
--fail-on-rewrite, at least one image would be rewritten (wins over 1). Invalid image
references are reported (reason "invalid"), never an error: admission leaves them as written.
`;

const OUTPUTS = ['table', 'wide', 'json'] as const;
type Output = (typeof OUTPUTS)[number];

const DEFAULT_PAGE_SIZE = 500;
/** A page is held in memory whole; the API server caps nothing by itself. */
const MAX_PAGE_SIZE = 10_000;

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
  readonly all: boolean;
  readonly help: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const { values } = parseFlags({
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
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const pageSize = integerFlag('--page-size', values['page-size'], {
    fallback: DEFAULT_PAGE_SIZE,
    min: 1,
    max: MAX_PAGE_SIZE,
  });
  const files = values.filename;
  if (files.length > 0 && (values.kubeconfig !== undefined || values.context !== undefined)) {
    throw new UsageError('--kubeconfig and --context read a live cluster; they cannot be combined with -f');
  }
  return {
    files,
    namespace: values.namespace,
    config: values.config,
    scope: enumFlag('--scope', values.scope, SCOPES, 'cluster'),
    excludedNamespaces: values['excluded-namespace'],
    kubeconfig: values.kubeconfig,
    context: values.context,
    pageSize,
    output: enumFlag('--output', values.output, OUTPUTS, 'table'),
    failOnRewrite: values['fail-on-rewrite'],
    progress: values.progress,
    all: values.all,
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

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/** The manifest files under a directory, recursively and sorted (as `kubectl apply -R -f DIR`). */
async function manifestFilesUnder(dir: string, seen = new Set<string>()): Promise<string[]> {
  // A symlink loop must not recurse forever.
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const files: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Hidden directories (.git, .github) hold no manifests to apply.
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDirectory) {
      if (!entry.name.startsWith('.')) files.push(...(await manifestFilesUnder(path, seen)));
    } else if (MANIFEST_FILE.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

/** A file, or the manifest files of a directory tree, as (name, text) pairs. */
async function* inputsOf(file: string, io: CommandIo): AsyncGenerator<[name: string, text: string]> {
  if (file === '-') {
    yield ['<stdin>', await readStdin(io)];
    return;
  }
  if ((await stat(file)).isDirectory()) {
    const names = await manifestFilesUnder(file);
    if (names.length === 0) throw new Error('no *.yaml, *.yml or *.json file in this directory or below it');
    for (const name of names) yield [name, await readFile(name, 'utf8')];
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

/** Every pull secret admission can inject: the configuration's and its rules' own. */
function pullSecretsOf(config: Config): string[] {
  return [...new Set([...config.pullSecrets, ...config.rules.flatMap((rule) => rule.pullSecrets ?? [])])];
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
      pullSecrets: config.mode === 'enforce' ? pullSecretsOf(config) : [],
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

/** How the table is laid out on this output: the terminal's width, colour only on a TTY. */
function tableOptions(options: Options, io: CommandIo, env: NodeJS.ProcessEnv): TableOptions {
  const columns = io.stdout.columns ?? Number(env.COLUMNS);
  return {
    width: Number.isInteger(columns) && columns > 0 ? columns : Infinity,
    wide: options.output === 'wide',
    // https://no-color.org: set and not empty disables colour.
    color: io.stdout.isTTY === true && (env.NO_COLOR ?? '') === '',
    all: options.all,
  };
}

/** The report of a run that could not start (no cluster, an unusable configuration): only its error. */
function failedReport(options: Options, error: AuditError): AuditReport {
  const builder = new ReportBuilder(
    options.files.length > 0 ? 'manifests' : 'cluster',
    mutationSettingsOf(DEFAULT_CONFIG),
  );
  builder.addError(error);
  return builder.build();
}

function startError(error: unknown): AuditError {
  if (error instanceof ConfigError) {
    const issues = error.issues.map(
      (issue) => `${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`,
    );
    return {
      source: error.source,
      line: null,
      column: null,
      message: `invalid configuration: ${issues.join('; ')}`,
    };
  }
  return { source: 'cluster', line: null, column: null, message: errorMessage(error) };
}

function writeReport(report: AuditReport, options: Options, io: CommandIo): void {
  for (const error of report.errors) io.stderr.write(formatError(error));
  if (options.output === 'json') writeJson(report, (chunk) => io.stdout.write(chunk));
  else io.stdout.write(formatTable(report, tableOptions(options, io, process.env)));
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
  const started = await startReport(options, io);
  if ('failed' in started) {
    // It never started: the one reason on standard error, and the document for machines.
    const [error] = started.failed.errors;
    io.stderr.write(`pullthrough audit: ${error?.message ?? 'failed'}\n`);
    if (options.output === 'json') writeJson(started.failed, (chunk) => io.stdout.write(chunk));
    return started.status;
  }
  writeReport(started.report, options, io);
  return exitStatus(started.report, options);
}

/** The report, or why there is none (no cluster, an unusable configuration) and the exit status. */
async function startReport(
  options: Options,
  io: CommandIo,
): Promise<{ report: AuditReport } | { failed: AuditReport; status: number }> {
  try {
    const { config } = await loadConfig(options.config);
    return { report: await buildReport(options, config, io) };
  } catch (error) {
    // The JSON document is promised whatever happens: machines get the error inside it.
    if (error instanceof ConfigError && options.output !== 'json') throw error;
    const status = error instanceof KubeConfigError || error instanceof ConfigError ? 2 : 1;
    return { failed: failedReport(options, startError(error)), status };
  }
}
