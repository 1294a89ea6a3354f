/**
 * The pull-secret sync's decisions, with no I/O: from the namespaces, the source Secret and the
 * Secrets that carry the target name, which copies to create, update, replace or delete, and which
 * same-named Secrets are someone else's (conflicts, never touched).
 *
 * Copies are wanted exactly where the `/mutate` webhook injects the pull secret: namespaces that
 * {@link namespaceDecision} (the chart's selectors, evaluated) sends to `/mutate`. Namespaces that
 * are only audited get no copy (admission adds no pull secret there), and neither do terminating
 * namespaces (the API server refuses new objects in them; their Secrets go with them).
 *
 * A Secret is the controller's when it carries the label {@link MANAGED_BY_LABEL} and either no
 * owner annotation (a Secret an operator handed over by labelling it) or this controller's own
 * (`<lease namespace>/<lease name>`). Anything else with the target name is a conflict.
 */
import { createHash } from 'node:crypto';
import type { V1Namespace, V1Secret } from '@kubernetes/client-node';
import { namespaceDecision, type ScopeSettings } from '../core/scope.js';

export const MANAGED_BY_LABEL = 'pullthrough.io/managed-by';
export const MANAGED_BY_VALUE = 'secret-sync';
/** `<lease namespace>/<lease name>`: which secret-sync controller (installation) owns a copy. */
export const OWNER_ANNOTATION = 'pullthrough.io/secret-sync-owner';
/** `<namespace>/<name>` of the Secret a copy was made from. */
export const SOURCE_ANNOTATION = 'pullthrough.io/secret-sync-source';
/** `sha256:<hex>` over the type and data the copy was written with. */
export const HASH_ANNOTATION = 'pullthrough.io/secret-sync-hash';

export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';

export interface SyncSettings {
  /** `<lease namespace>/<lease name>`, written to {@link OWNER_ANNOTATION}. */
  readonly owner: string;
  readonly sourceNamespace: string;
  readonly sourceName: string;
  /** The name of every copy: the pull secret the webhook injects. */
  readonly targetName: string;
  /** The webhook's scope; only namespaces it sends to `/mutate` (mode `enforce`) get a copy. */
  readonly scope: ScopeSettings;
}

export interface SyncInput {
  readonly namespaces: readonly V1Namespace[];
  /** The source Secret, or undefined when it does not exist. */
  readonly source: V1Secret | undefined;
  /** Secrets named `targetName`, in any namespace (others are ignored). */
  readonly secrets: readonly V1Secret[];
}

/** Why the source cannot be copied; existing copies are then left exactly as they are. */
export type SourceState = 'ok' | 'missing' | 'wrong-type' | 'no-data';

export type DeleteReason = 'namespace-out-of-scope';
export type ReplaceReason = 'type-changed' | 'immutable';

export type SyncAction =
  | { readonly kind: 'create'; readonly namespace: string; readonly body: V1Secret }
  | {
      readonly kind: 'update';
      readonly namespace: string;
      /** The copy as read, with its resourceVersion: the update only succeeds on that version. */
      readonly body: V1Secret;
    }
  | {
      /** Delete (preconditions uid + resourceVersion), then create: type and immutable data cannot change. */
      readonly kind: 'replace';
      readonly namespace: string;
      readonly reason: ReplaceReason;
      readonly uid: string;
      readonly resourceVersion: string;
      readonly body: V1Secret;
    }
  | {
      readonly kind: 'delete';
      readonly namespace: string;
      readonly reason: DeleteReason;
      readonly uid: string;
      readonly resourceVersion: string;
    };

export interface Conflict {
  readonly namespace: string;
  readonly name: string;
  /** `unmanaged`: no managed-by label; `other-owner`: another secret-sync controller's copy. */
  readonly reason: 'unmanaged' | 'other-owner';
  /** The other controller, for `other-owner`. */
  readonly owner?: string | undefined;
}

export interface SyncPlan {
  readonly sourceState: SourceState;
  /** Namespaces that should hold a copy, sorted. */
  readonly targetNamespaces: readonly string[];
  /** Of those, the ones whose copy is already current. */
  readonly inSync: number;
  readonly actions: readonly SyncAction[];
  /** Sorted by namespace. */
  readonly conflicts: readonly Conflict[];
}

/** `sha256:<hex>` of a Secret's type and data (keys sorted; values as the API gives them, base64). */
export function secretDataHash(
  type: string | undefined,
  data: Readonly<Record<string, string>> | undefined,
): string {
  const entries = Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([type ?? '', entries]))
    .digest('hex')}`;
}

export function sourceStateOf(source: V1Secret | undefined): SourceState {
  if (source === undefined) return 'missing';
  if (source.type !== DOCKER_CONFIG_JSON_TYPE) return 'wrong-type';
  const value = source.data?.[DOCKER_CONFIG_JSON_KEY];
  return value === undefined || value === '' ? 'no-data' : 'ok';
}

function isTerminating(namespace: V1Namespace): boolean {
  return namespace.metadata?.deletionTimestamp !== undefined || namespace.status?.phase === 'Terminating';
}

/** Namespaces the `/mutate` webhook covers, i.e. where Pods get the pull secret injected. */
export function wantsCopy(namespace: V1Namespace, settings: SyncSettings): boolean {
  const name = namespace.metadata?.name;
  if (name === undefined || isTerminating(namespace)) return false;
  // The source itself is never its own copy.
  if (name === settings.sourceNamespace && settings.targetName === settings.sourceName) return false;
  return namespaceDecision(name, namespace.metadata?.labels, settings.scope).mode === 'enforce';
}

type Ownership = { readonly mine: true } | { readonly mine: false; readonly conflict: Conflict };

export function ownershipOf(secret: V1Secret, settings: SyncSettings): Ownership {
  const metadata = secret.metadata ?? {};
  const at = { namespace: metadata.namespace ?? '', name: metadata.name ?? '' };
  if (metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    return { mine: false, conflict: { ...at, reason: 'unmanaged' } };
  }
  const owner = metadata.annotations?.[OWNER_ANNOTATION];
  if (owner !== undefined && owner !== settings.owner) {
    return { mine: false, conflict: { ...at, reason: 'other-owner', owner } };
  }
  return { mine: true };
}

function markers(
  settings: SyncSettings,
  hash: string,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: {
      [OWNER_ANNOTATION]: settings.owner,
      [SOURCE_ANNOTATION]: `${settings.sourceNamespace}/${settings.sourceName}`,
      [HASH_ANNOTATION]: hash,
    },
  };
}

/** A new copy of `source` in `namespace`. */
export function copyOf(source: V1Secret, namespace: string, settings: SyncSettings): V1Secret {
  const { labels, annotations } = markers(settings, secretDataHash(source.type, source.data));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: settings.targetName, namespace, labels, annotations },
    type: source.type,
    data: { ...source.data },
  };
}

function sameData(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const left = Object.entries(a ?? {});
  return left.length === Object.keys(b ?? {}).length && left.every(([key, value]) => b?.[key] === value);
}

/** Whether an owned copy already has the source's type and data and this controller's markers. */
export function isCurrent(copy: V1Secret, source: V1Secret, settings: SyncSettings): boolean {
  const wanted = markers(settings, secretDataHash(source.type, source.data));
  const labels = copy.metadata?.labels ?? {};
  const annotations = copy.metadata?.annotations ?? {};
  return (
    copy.type === source.type &&
    sameData(copy.data, source.data) &&
    Object.entries(wanted.labels).every(([key, value]) => labels[key] === value) &&
    Object.entries(wanted.annotations).every(([key, value]) => annotations[key] === value)
  );
}

/**
 * The copy brought up to date: its own metadata kept (other labels and annotations, and the
 * resourceVersion that makes the update conditional), the markers set, type and data the source's.
 */
function updatedCopy(copy: V1Secret, source: V1Secret, settings: SyncSettings): V1Secret {
  const { labels, annotations } = markers(settings, secretDataHash(source.type, source.data));
  const metadata = { ...copy.metadata };
  // managedFields left out: on an update the API server then keeps the recorded ones.
  delete metadata.managedFields;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    ...copy,
    metadata: {
      ...metadata,
      labels: { ...copy.metadata?.labels, ...labels },
      annotations: { ...copy.metadata?.annotations, ...annotations },
    },
    type: source.type,
    data: { ...source.data },
  };
}

function refreshAction(copy: V1Secret, source: V1Secret, settings: SyncSettings): SyncAction {
  const namespace = copy.metadata?.namespace ?? '';
  const reason: ReplaceReason | undefined =
    copy.type !== source.type ? 'type-changed' : copy.immutable === true ? 'immutable' : undefined;
  if (reason === undefined) return { kind: 'update', namespace, body: updatedCopy(copy, source, settings) };
  return {
    kind: 'replace',
    namespace,
    reason,
    uid: copy.metadata?.uid ?? '',
    resourceVersion: copy.metadata?.resourceVersion ?? '',
    body: copyOf(source, namespace, settings),
  };
}

function byName<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const name = key(item);
    if (name !== undefined) map.set(name, item);
  }
  return map;
}

type Decision =
  | { readonly action: SyncAction }
  | { readonly conflict: Conflict }
  | { readonly inSync: true }
  | { readonly nothing: 'waiting-for-source' };

/** What to do in a namespace that should hold a copy. */
function decideTarget(
  namespace: string,
  existing: V1Secret | undefined,
  source: V1Secret | undefined,
  settings: SyncSettings,
): Decision {
  if (existing === undefined) {
    return source === undefined
      ? { nothing: 'waiting-for-source' }
      : { action: { kind: 'create', namespace, body: copyOf(source, namespace, settings) } };
  }
  const ownership = ownershipOf(existing, settings);
  if (!ownership.mine) return { conflict: ownership.conflict };
  // Without a usable source, a copy is kept as it is until the source is back.
  if (source === undefined) return { nothing: 'waiting-for-source' };
  if (isCurrent(existing, source, settings)) return { inSync: true };
  return { action: refreshAction(existing, source, settings) };
}

/** Whether an owned copy outside the wanted namespaces is to be deleted. */
function isStale(copy: V1Secret, namespace: V1Namespace | undefined, settings: SyncSettings): boolean {
  if (!ownershipOf(copy, settings).mine) return false;
  // An unknown namespace is being deleted (or not yet seen); a terminating one takes its Secrets along.
  if (namespace === undefined || isTerminating(namespace)) return false;
  const isSource =
    copy.metadata?.namespace === settings.sourceNamespace && settings.targetName === settings.sourceName;
  return !isSource;
}

/** The whole decision for one reconcile. Deterministic: same input, same plan. */
export function planSync(input: SyncInput, settings: SyncSettings): SyncPlan {
  const sourceState = sourceStateOf(input.source);
  const source = sourceState === 'ok' ? input.source : undefined;
  const namespaces = byName(input.namespaces, (ns) => ns.metadata?.name);
  const copies = byName(
    input.secrets.filter((secret) => secret.metadata?.name === settings.targetName),
    (secret) => secret.metadata?.namespace,
  );
  const targetNamespaces = [...namespaces.values()]
    .filter((ns) => wantsCopy(ns, settings))
    .map((ns) => ns.metadata?.name ?? '')
    .sort();
  const wanted = new Set(targetNamespaces);

  const actions: SyncAction[] = [];
  const conflicts: Conflict[] = [];
  let inSync = 0;
  for (const namespace of targetNamespaces) {
    const decision = decideTarget(namespace, copies.get(namespace), source, settings);
    if ('action' in decision) actions.push(decision.action);
    else if ('conflict' in decision) conflicts.push(decision.conflict);
    else if ('inSync' in decision) inSync += 1;
  }
  const others = [...copies.entries()].filter(([namespace]) => !wanted.has(namespace));
  for (const [namespace, copy] of others.sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!isStale(copy, namespaces.get(namespace), settings)) continue;
    actions.push({
      kind: 'delete',
      namespace,
      reason: 'namespace-out-of-scope',
      uid: copy.metadata?.uid ?? '',
      resourceVersion: copy.metadata?.resourceVersion ?? '',
    });
  }
  return { sourceState, targetNamespaces, inSync, actions, conflicts };
}
