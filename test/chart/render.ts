// Helpers for the chart tests: build or find helm, render charts/pullthrough with given values, parse
// the manifests, and evaluate the webhooks' label selectors the way the API server does.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type {
  V1LabelSelector,
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { beforeAll } from 'vitest';
import { isMap, isScalar, parseAllDocuments, parseDocument, type YAMLMap } from 'yaml';
import { helmInstallTimeout, installHelm } from '../helpers/tools.js';

const run = promisify(execFile);

export const chartDir = fileURLToPath(new URL('../../charts/pullthrough', import.meta.url));

/** Release name and namespace used by every render unless a test says otherwise. */
export const release = 'pullthrough';
export const namespace = 'pullthrough-system';
/** The chart's full name for `release` (the release name already contains the chart name). */
export const fullname = 'pullthrough';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Values, as a values file would give them. */
  values?: Record<string, unknown>;
  /** The cluster version helm assumes (`--kube-version`); helm's own default otherwise. */
  kubeVersion?: string;
  namespace?: string;
  release?: string;
}

/** `helm template` with the given options: the rendered text (the e2e suite renders with it too). */
export async function helmTemplate(helm: string, options: RenderOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pullthrough-chart-'));
  try {
    const valuesFile = join(dir, 'values.json'); // JSON is YAML, and keeps types exact
    await writeFile(valuesFile, JSON.stringify(options.values ?? {}));
    const args = ['template', options.release ?? release, chartDir];
    args.push('--namespace', options.namespace ?? namespace, '--values', valuesFile);
    if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
    const { stdout } = await run(helm, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm template` with the given values, parsed into one object per manifest. */
async function render(helm: string, options: RenderOptions = {}): Promise<Manifest[]> {
  return parseManifests(await helmTemplate(helm, options));
}

/** Rendered text, one object per manifest; invalid YAML is an error. */
export function parseManifests<M = Manifest>(text: string): M[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as M | null;
    })
    .filter((manifest): manifest is M => manifest !== null);
}

/** `helm template` that is expected to fail; returns helm's error output. */
async function renderError(helm: string, options: RenderOptions = {}): Promise<string> {
  try {
    await helmTemplate(helm, options);
  } catch (error) {
    return (error as { stderr?: string }).stderr ?? String(error);
  }
  throw new Error('helm template succeeded but was expected to fail');
}

/** `helm lint --strict` with the given values; resolves with the output, rejects on failure. */
async function lint(helm: string, values: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pullthrough-chart-'));
  try {
    const valuesFile = join(dir, 'values.json');
    await writeFile(valuesFile, JSON.stringify(values));
    const { stdout } = await run(helm, [
      'lint',
      '--strict',
      chartDir,
      '--namespace',
      namespace,
      '--values',
      valuesFile,
    ]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The chart under test, rendered or linted by the helm that `useChart` installed. */
export interface Chart {
  /** `helm template` with the given values, parsed into one object per manifest. */
  render(options?: RenderOptions): Promise<Manifest[]>;
  /** `helm template` that is expected to fail; resolves with helm's error output. */
  renderError(options?: RenderOptions): Promise<string>;
  /** `helm lint --strict` with the given values; resolves with the output, rejects on failure. */
  lint(values?: Record<string, unknown>): Promise<string>;
}

/**
 * Registers the `beforeAll` that installs helm (once per test file) and returns the chart to test.
 * Call it at the top level of a test file.
 */
export function useChart(): Chart {
  let helm: string | undefined;
  beforeAll(async () => {
    helm = await installHelm();
  }, helmInstallTimeout);
  const installed = (): string => {
    if (helm === undefined) throw new Error('helm is not installed yet: call the chart from a test or hook');
    return helm;
  };
  return {
    render: (options) => render(installed(), options),
    renderError: (options) => renderError(installed(), options),
    lint: (values) => lint(installed(), values),
  };
}

/** The manifests of a kind (and name, when given). */
export function all<T = Manifest>(manifests: Manifest[], kind: string, name?: string): T[] {
  return manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name)) as T[];
}

/** The one manifest of a kind (and name); throws if there is not exactly one. */
export function one<T = Manifest>(manifests: Manifest[], kind: string, name?: string): T {
  const found = all<T>(manifests, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, rendered ${found.length}`);
  return found[0]!;
}

export function webhookConfiguration(manifests: Manifest[]): V1MutatingWebhookConfiguration {
  return one<V1MutatingWebhookConfiguration>(manifests, 'MutatingWebhookConfiguration');
}

/** The webhook of a configuration by name; throws when it is absent. */
export function webhook(config: V1MutatingWebhookConfiguration, name: string): V1MutatingWebhook {
  const found = config.webhooks?.find((w) => w.name === name);
  if (!found) throw new Error(`no webhook ${name} in ${config.webhooks?.map((w) => w.name).join(', ')}`);
  return found;
}

/** The endpoint a webhook calls: the Service path, or the path of its URL. */
export function endpointOf(hook: V1MutatingWebhook): string {
  const { service, url } = hook.clientConfig;
  if (service?.path) return service.path;
  if (url) return new URL(url).pathname;
  throw new Error(`webhook ${hook.name} has neither service path nor url`);
}

/** Label selector semantics (k8s.io/apimachinery labels.Selector): NotIn and DoesNotExist match absent keys. */
export function selects(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const matchExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const present = key in labels;
    switch (operator) {
      case 'In':
        return present && values.includes(labels[key]!);
      case 'NotIn':
        return !present || !values.includes(labels[key]!);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      default:
        throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return matchLabels && matchExpressions;
}

export interface PodPlacement {
  /** Namespace name; the API server adds the label kubernetes.io/metadata.name with it. */
  namespace: string;
  namespaceLabels?: Record<string, string>;
  podLabels?: Record<string, string>;
}

/** The endpoints the API server would call for a Pod created in that namespace with those labels. */
export function endpointsFor(config: V1MutatingWebhookConfiguration, placement: PodPlacement): string[] {
  const nsLabels = { ...placement.namespaceLabels, 'kubernetes.io/metadata.name': placement.namespace };
  return (config.webhooks ?? [])
    .filter(
      (hook) =>
        selects(hook.namespaceSelector, nsLabels) && selects(hook.objectSelector, placement.podLabels ?? {}),
    )
    .map(endpointOf);
}

/** JSON schema nodes, as far as the docs checks read them. */
export interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

/**
 * Kubernetes objects passed through as written: documented as one value, not key by key.
 * Everything else with `properties` in the schema is a group whose keys are documented one by one.
 */
const passThrough = new Set([
  'podSecurityContext',
  'containerSecurityContext',
  'resources',
  'livenessProbe',
  'readinessProbe',
  'affinity',
]);

/** The dotted paths of the values a user sets, from the schema: one per leaf or pass-through object. */
export function valuePaths(schema: SchemaNode, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, node]) =>
    node.properties && !passThrough.has(key) ? valuePaths(node, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/**
 * The comment written above each key of a YAML file, by dotted path. The yaml parser attaches the
 * comment above the first key of a nested map to the map itself, so that one is read from there.
 */
export function keyComments(text: string): Map<string, string> {
  const comments = new Map<string, string>();
  const walk = (map: YAMLMap, prefix: string): void => {
    map.items.forEach((pair, index) => {
      if (!isScalar(pair.key)) return;
      const path = `${prefix}${String(pair.key.value)}`;
      const above = pair.key.commentBefore ?? (index === 0 ? map.commentBefore : undefined);
      comments.set(path, above ?? '');
      if (isMap(pair.value)) walk(pair.value, `${path}.`);
    });
  };
  const contents = parseDocument(text).contents;
  if (isMap(contents)) walk(contents, '');
  return comments;
}

/** The rows of the Markdown table whose header row starts with `firstHeader`, as trimmed cells. */
export function markdownTable(text: string, firstHeader: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.replace(/\s+/g, ' ').startsWith(`| ${firstHeader} |`));
  if (start < 0) throw new Error(`no Markdown table starting with "${firstHeader}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}
