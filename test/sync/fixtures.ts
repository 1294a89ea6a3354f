// Objects for the secret sync tests, shaped as the API server returns them.
import type { V1Namespace, V1Secret } from '@kubernetes/client-node';
import {
  HASH_ANNOTATION,
  MANAGED_BY_LABEL,
  OWNER_ANNOTATION,
  SOURCE_ANNOTATION,
  secretDataHash,
  type SyncSettings,
} from '../../src/sync/plan.js';

export const OWNER = 'pullthrough/pullthrough-secret-sync';
export const DOCKER_CONFIG = Buffer.from(
  JSON.stringify({
    auths: { 'harbor.ingress.local': { auth: Buffer.from('robot:pw1').toString('base64') } },
  }),
).toString('base64');
export const ROTATED_CONFIG = Buffer.from(
  JSON.stringify({
    auths: { 'harbor.ingress.local': { auth: Buffer.from('robot:pw2').toString('base64') } },
  }),
).toString('base64');

export function settings(overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    owner: OWNER,
    sourceNamespace: 'pullthrough',
    sourceName: 'regcred-harbor',
    targetName: 'regcred-harbor',
    scope: { scope: 'cluster', mode: 'enforce', excludedNamespaces: ['pullthrough'] },
    ...overrides,
  };
}

export function namespace(
  name: string,
  labels: Record<string, string> = {},
  extra: { terminating?: boolean } = {},
): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { 'kubernetes.io/metadata.name': name, ...labels },
      ...(extra.terminating ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z') } : {}),
    },
    status: { phase: extra.terminating ? 'Terminating' : 'Active' },
  };
}

let rv = 1000;
export function source(data = DOCKER_CONFIG, overrides: Partial<V1Secret> = {}): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred-harbor',
      namespace: 'pullthrough',
      uid: 'uid-source',
      resourceVersion: String(++rv),
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': data },
    ...overrides,
  };
}

/** A copy written by the controller with `owner` for source data `data`. */
export function copy(
  ns: string,
  data = DOCKER_CONFIG,
  overrides: { owner?: string | null; labels?: Record<string, string>; name?: string; type?: string } = {},
): V1Secret {
  const owner = overrides.owner === undefined ? OWNER : overrides.owner;
  const type = overrides.type ?? 'kubernetes.io/dockerconfigjson';
  const dataMap = { '.dockerconfigjson': data };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: overrides.name ?? 'regcred-harbor',
      namespace: ns,
      uid: `uid-${ns}`,
      resourceVersion: String(++rv),
      labels: overrides.labels ?? { [MANAGED_BY_LABEL]: 'secret-sync' },
      annotations: {
        ...(owner === null ? {} : { [OWNER_ANNOTATION]: owner }),
        [SOURCE_ANNOTATION]: 'pullthrough/regcred-harbor',
        [HASH_ANNOTATION]: secretDataHash(type, dataMap),
      },
      managedFields: [{ manager: 'pullthrough-secret-sync', operation: 'Update' }],
    },
    type,
    data: dataMap,
  };
}

/** A Secret of the target name that someone else made: no label, no annotations. */
export function foreign(ns: string, data = 'Zm9yZWlnbg=='): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred-harbor',
      namespace: ns,
      uid: `uid-foreign-${ns}`,
      resourceVersion: String(++rv),
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': data },
  };
}
