/**
 * The built-in kinds that carry a Pod spec, and the Pod the API server would eventually send to
 * the webhook for each: the template's metadata and spec, in the workload's namespace, owned by
 * the controller that will create it (so `exclude.owners` is judged as at admission). Pure.
 */
import type { AuditSubject } from './report.js';
import { isJsonObject, type JsonObject } from '../core/json.js';

interface KindInfo {
  /** API groups the kind is built in to (`""` core); any version of them. */
  readonly groups: readonly string[];
  /** Path from the object to its Pod template; empty for a Pod itself. */
  readonly template: readonly string[];
  /** The controller that creates the Pods, as it appears in their ownerReferences. */
  readonly owner?: { readonly apiVersion: string; readonly kind: string };
}

const TEMPLATE = ['spec', 'template'];

export const WORKLOAD_KINDS: Readonly<Record<string, KindInfo>> = {
  Pod: { groups: [''], template: [] },
  ReplicationController: {
    groups: [''],
    template: TEMPLATE,
    owner: { apiVersion: 'v1', kind: 'ReplicationController' },
  },
  // Pods of a Deployment are created, and owned, by its ReplicaSets.
  Deployment: {
    groups: ['apps', 'extensions'],
    template: TEMPLATE,
    owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  },
  ReplicaSet: {
    groups: ['apps', 'extensions'],
    template: TEMPLATE,
    owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  },
  StatefulSet: {
    groups: ['apps'],
    template: TEMPLATE,
    owner: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  },
  DaemonSet: {
    groups: ['apps', 'extensions'],
    template: TEMPLATE,
    owner: { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  },
  Job: { groups: ['batch'], template: TEMPLATE, owner: { apiVersion: 'batch/v1', kind: 'Job' } },
  // Pods of a CronJob are created, and owned, by its Jobs.
  CronJob: {
    groups: ['batch'],
    template: ['spec', 'jobTemplate', 'spec', 'template'],
    owner: { apiVersion: 'batch/v1', kind: 'Job' },
  },
};

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `""`). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The built-in workload kind of an object, or undefined (another kind, or a CRD of the same name). */
export function workloadKindOf(object: JsonObject): string | undefined {
  const kind = object.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(WORKLOAD_KINDS, kind)) return undefined;
  const apiVersion = object.apiVersion;
  // Without apiVersion the kind alone decides (kubectl would refuse it, but the intent is clear).
  if (apiVersion === undefined) return kind;
  if (typeof apiVersion !== 'string') return undefined;
  return WORKLOAD_KINDS[kind]?.groups.includes(groupOf(apiVersion)) === true ? kind : undefined;
}

export type Extraction =
  | { readonly subject: AuditSubject; readonly problem?: undefined }
  | { readonly subject?: undefined; readonly problem: string };

function nameOf(metadata: JsonObject): string {
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof metadata.generateName === 'string' && metadata.generateName !== '') return metadata.generateName;
  return '(unnamed)';
}

function at(object: JsonObject, path: readonly string[]): unknown {
  let value: unknown = object;
  for (const key of path) value = isJsonObject(value) ? value[key] : undefined;
  return value;
}

/**
 * The Pod a workload manifest stands for. `defaultNamespace` applies when the object names none
 * (what `kubectl apply -n NS` does). A workload without a Pod spec is a problem, not a Pod.
 */
export function extractWorkload(
  object: JsonObject,
  kind: string,
  defaultNamespace: string,
  source?: string,
): Extraction {
  const info = WORKLOAD_KINDS[kind];
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const name = nameOf(metadata);
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== ''
      ? metadata.namespace
      : defaultNamespace;
  const workload = { kind, name };
  if (info === undefined) return { problem: `${kind} ${name}: not a workload kind` };
  const template = at(object, info.template);
  const path = [...info.template, 'spec'].join('.');
  if (!isJsonObject(template) || !isJsonObject(template.spec)) {
    return { problem: `${kind} ${name}: no ${path}, so no Pod to audit` };
  }
  if (info.owner === undefined) {
    return {
      subject: {
        namespace,
        workload,
        pod: name,
        source,
        object: { metadata: { ...metadata, namespace }, spec: template.spec },
      },
    };
  }
  const templateMetadata = isJsonObject(template.metadata) ? template.metadata : {};
  const ownerReferences = [{ ...info.owner, name, controller: true }];
  return {
    subject: {
      namespace,
      workload,
      source,
      object: { metadata: { ...templateMetadata, namespace, ownerReferences }, spec: template.spec },
    },
  };
}
