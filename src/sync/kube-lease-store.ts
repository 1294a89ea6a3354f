/**
 * {@link LeaseStore} over the API server: one `coordination.k8s.io/v1` Lease, read with GET and
 * written with POST (create) and PUT (update, conditional on the resourceVersion read). RBAC: get and
 * update on that Lease (scoped by resourceNames), create on leases (cannot be scoped by name).
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { ConflictError, httpStatusOf } from '../kube/api-errors.js';
import type { LeaseRecord, ObservedLease } from './leader-elector.js';
import type { LeaseStore } from './leader-election.js';

const FIELD_MANAGER = 'pullthrough-secret-sync';

/**
 * client-node declares MicroTime fields as `V1MicroTime` (a Date) but hands back the string the API
 * server sent, since its serializer does not know the type; accept both.
 */
function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toRecord(lease: V1Lease): ObservedLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: toDate(spec.acquireTime),
      renewTime: toDate(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

/** MicroTime must be sent with six fractional digits: kube-apiserver rejects `toISOString()`'s three. */
function microTime(date: Date | undefined): V1MicroTime | undefined {
  return date === undefined ? undefined : new V1MicroTime(date.getTime());
}

function toSpec(record: LeaseRecord): V1Lease['spec'] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

export function kubeLeaseStore(kubeConfig: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  // The last Lease read or written, so that an update keeps its metadata (labels, annotations).
  let last: V1Lease | undefined;
  return {
    description: `${namespace}/${name}`,
    async get() {
      try {
        last = await api.readNamespacedLease({ name, namespace });
        return toRecord(last);
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async create(record) {
      try {
        last = await api.createNamespacedLease({
          namespace,
          fieldManager: FIELD_MANAGER,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name,
              namespace,
              labels: {
                'app.kubernetes.io/name': 'pullthrough',
                'app.kubernetes.io/component': 'secret-sync',
              },
            },
            spec: toSpec(record),
          },
        });
        return toRecord(last);
      } catch (error) {
        if (httpStatusOf(error) === 409)
          throw new ConflictError('the Lease already exists', { cause: error });
        throw error;
      }
    },
    async update(record, resourceVersion) {
      const metadata = { ...last?.metadata, name, namespace, resourceVersion };
      delete metadata.managedFields;
      try {
        last = await api.replaceNamespacedLease({
          name,
          namespace,
          fieldManager: FIELD_MANAGER,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: toSpec(record) },
        });
        return toRecord(last);
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 409 || status === 404) {
          throw new ConflictError('the Lease changed since it was read', { cause: error });
        }
        throw error;
      }
    },
  };
}
