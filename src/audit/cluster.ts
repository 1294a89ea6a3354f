/**
 * Live mode without the client: paginated Pod listing, namespace labels, which workload owns a
 * Pod, and the report. The API calls sit behind {@link ClusterLister} (`live.ts` implements it
 * with @kubernetes/client-node; tests with a fake), so everything here is plain logic.
 */
import type { MutationSettings } from '../core/mutate-pod.js';
import {
  ReportBuilder,
  type AuditError,
  type PullSecretCheck,
  type AuditReport,
  type AuditSubject,
  type WorkloadRef,
} from './report.js';
import { namespaceDecision, type NamespaceLabels, type ScopeSettings } from '../core/scope.js';
import { asJsonObject, type JsonObject } from '../core/json.js';

export interface PodListRequest {
  /** One namespace, or undefined for all. */
  readonly namespace: string | undefined;
  /** Page size; undefined asks for everything in one response. */
  readonly limit: number | undefined;
  readonly continueToken: string | undefined;
}

export interface PodPage {
  readonly items: readonly unknown[];
  /** `metadata.continue`: more pages follow when non-empty. */
  readonly continueToken: string | undefined;
}

/** The continue token outlived the server's compaction window (HTTP 410 Gone). */
export class ListExpiredError extends Error {
  override readonly name = 'ListExpiredError';
}

/** The two reads live mode needs. */
export interface ClusterLister {
  listPods(request: PodListRequest): Promise<PodPage>;
  /**
   * Labels of every namespace, or of the one given; a namespace missing from the map is taken as
   * unlabelled (it does not exist, or appeared after the call).
   */
  namespaceLabels(namespace: string | undefined): Promise<ReadonlyMap<string, NamespaceLabels>>;
  /**
   * The type of every Secret named `name`, by namespace (all namespaces, or the one given); a
   * namespace missing from the map has none. Optional: without it pull secrets are not checked.
   */
  pullSecretTypes?(name: string, namespace: string | undefined): Promise<ReadonlyMap<string, string>>;
}

export interface ClusterAuditOptions {
  readonly namespace: string | undefined;
  readonly pageSize: number;
  /**
   * The pull secrets admission injects (the config's and its rules'): each is looked up in every
   * namespace the /mutate webhook covers. Empty or absent: no check.
   */
  readonly pullSecrets?: readonly string[] | undefined;
  /** Called after every page with the number of Pods listed so far. */
  readonly onProgress?: ((listed: number) => void) | undefined;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The workload a Pod belongs to: its controller owner, with a ReplicaSet named
 * `<deployment>-<pod-template-hash>` shown as its Deployment (the Deployment controller's naming);
 * a Pod without owner is its own workload.
 */
export function workloadOfPod(pod: unknown): WorkloadRef {
  const metadata = asJsonObject(asJsonObject(pod).metadata);
  const name = asString(metadata.name) ?? asString(metadata.generateName) ?? '(unnamed)';
  const owners = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.map(asJsonObject) : [];
  const owner = owners.find((ref) => ref.controller === true) ?? owners[0] ?? {};
  const ownerKind = asString(owner.kind);
  const ownerName = asString(owner.name);
  if (ownerKind === undefined || ownerName === undefined) return { kind: 'Pod', name };
  const deployment = deploymentOf(owner, ownerName, asJsonObject(metadata.labels));
  return deployment === undefined
    ? { kind: ownerKind, name: ownerName }
    : { kind: 'Deployment', name: deployment };
}

/** The Deployment behind an `apps` ReplicaSet named `<deployment>-<pod-template-hash>`. */
function deploymentOf(owner: JsonObject, ownerName: string, labels: JsonObject): string | undefined {
  const hash = asString(labels['pod-template-hash']);
  const apps = asString(owner.apiVersion)?.startsWith('apps/') === true;
  if (owner.kind !== 'ReplicaSet' || !apps || hash === undefined || !ownerName.endsWith(`-${hash}`)) {
    return undefined;
  }
  return ownerName.slice(0, -hash.length - 1);
}

/** A live Pod as an audit subject: the Pod as it is now, as admission would see it on CREATE. */
export function subjectOfPod(pod: unknown): AuditSubject {
  const metadata = asJsonObject(asJsonObject(pod).metadata);
  return {
    namespace: asString(metadata.namespace) ?? '',
    workload: workloadOfPod(pod),
    pod: asString(metadata.name) ?? '(unnamed)',
    object: pod,
  };
}

/** Every page of Pods, following continue tokens. */
async function* podPages(lister: ClusterLister, options: ClusterAuditOptions): AsyncGenerator<PodPage> {
  let continueToken: string | undefined;
  do {
    const page = await lister.listPods({
      namespace: options.namespace,
      limit: options.pageSize,
      continueToken,
    });
    yield page;
    continueToken = page.continueToken === '' ? undefined : page.continueToken;
  } while (continueToken !== undefined);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether each pull secret admission injects exists, and with which type, in every namespace the
 * /mutate webhook covers (the commonest failure after turning pullthrough on is ImagePullBackOff
 * for want of it). One LIST per secret name, across namespaces, narrowed by a field selector.
 */
async function checkPullSecrets(
  lister: ClusterLister,
  options: ClusterAuditOptions,
  rewrittenNamespaces: readonly string[],
  errors: AuditError[],
): Promise<PullSecretCheck[]> {
  const names = [...new Set(options.pullSecrets ?? [])];
  if (lister.pullSecretTypes === undefined || names.length === 0) return [];
  const namespaces = [...rewrittenNamespaces].sort();
  if (namespaces.length === 0) return [];
  const checks: PullSecretCheck[] = [];
  for (const name of names) {
    let types: ReadonlyMap<string, string>;
    try {
      types = await lister.pullSecretTypes(name, options.namespace);
    } catch (error) {
      errors.push({
        source: 'cluster',
        line: null,
        column: null,
        message: `cannot check pull secret ${name} (${describe(error)}); its presence is unknown`,
      });
      continue;
    }
    for (const namespace of namespaces) {
      const type = types.get(namespace);
      checks.push({ namespace, name, exists: type !== undefined, type: type ?? null });
    }
  }
  return checks.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/**
 * Audits the Pods of a cluster (or of one namespace): namespace labels with one call, then Pods
 * page by page, each through the same core and namespace selection as admission. When a continue
 * token expires midway (410), the listing restarts once without pagination, as client-go's pager
 * does, so the report is one consistent snapshot. Listing errors reject.
 */
export async function auditCluster(
  lister: ClusterLister,
  options: ClusterAuditOptions,
  settings: MutationSettings,
  scope: ScopeSettings,
): Promise<AuditReport> {
  const preErrors: AuditError[] = [];
  let labels: ReadonlyMap<string, NamespaceLabels>;
  try {
    labels = await lister.namespaceLabels(options.namespace);
  } catch (error) {
    labels = new Map();
    preErrors.push({
      source: 'cluster',
      line: null,
      column: null,
      message: `cannot read namespace labels (${describe(error)}); every namespace is taken as unlabelled`,
    });
  }
  const rewritten = [...(options.namespace === undefined ? labels.keys() : [options.namespace])].filter(
    (namespace) => namespaceDecision(namespace, labels.get(namespace), scope).mode === 'enforce',
  );
  const pullSecrets = await checkPullSecrets(lister, options, rewritten, preErrors);
  const fresh = (): ReportBuilder => {
    const builder = new ReportBuilder('cluster', settings);
    for (const error of preErrors) builder.addError(error);
    builder.setPullSecrets(pullSecrets);
    return builder;
  };
  const addPage = (builder: ReportBuilder, page: PodPage): number => {
    for (const pod of page.items) {
      const subject = subjectOfPod(pod);
      builder.add(subject, namespaceDecision(subject.namespace, labels.get(subject.namespace), scope));
    }
    return page.items.length;
  };

  let builder = fresh();
  let listed = 0;
  try {
    for await (const page of podPages(lister, options)) {
      listed += addPage(builder, page);
      options.onProgress?.(listed);
    }
  } catch (error) {
    if (!(error instanceof ListExpiredError)) throw error;
    builder = fresh();
    const page = await lister.listPods({
      namespace: options.namespace,
      limit: undefined,
      continueToken: undefined,
    });
    listed = addPage(builder, page);
    options.onProgress?.(listed);
  }
  return builder.build();
}
