// Fakes for the secret sync tests: an in-memory Lease with optimistic concurrency.
import { ConflictError } from '../../src/kube/api-errors.js';
import type { LeaseRecord, ObservedLease } from '../../src/sync/leader-elector.js';
import type { LeaseStore } from '../../src/sync/leader-election.js';

/** One Lease in memory, shared by several candidates' stores. */
export class FakeLeaseServer {
  lease: ObservedLease | undefined;
  #rv = 0;
  writes = 0;

  store(behaviour: { fail?: () => 'error' | 'hang' | undefined } = {}): LeaseStore {
    const check = async (): Promise<void> => {
      const failure = behaviour.fail?.();
      if (failure === 'error')
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      if (failure === 'hang') await new Promise(() => {});
    };
    return {
      description: 'test/lease',
      get: async () => {
        await check();
        return this.lease;
      },
      create: async (record: LeaseRecord) => {
        await check();
        if (this.lease !== undefined) throw new ConflictError('exists');
        return this.#put(record);
      },
      update: async (record: LeaseRecord, resourceVersion: string) => {
        await check();
        if (this.lease?.resourceVersion !== resourceVersion) throw new ConflictError('stale');
        return this.#put(record);
      },
    };
  }

  #put(record: LeaseRecord): ObservedLease {
    this.writes += 1;
    this.lease = { record: { ...record }, resourceVersion: String(++this.#rv) };
    return this.lease;
  }
}
