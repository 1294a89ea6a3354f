import { afterEach, describe, expect, it } from 'vitest';
import {
  startCertificateManager,
  type CertificateManager,
  type CertificateManagerOptions,
} from '../../src/kube/certificate-manager.js';
import { SECRET_KEYS, serviceDnsNames } from '../../src/kube/certificate-plan.js';
import { systemClock } from '../../src/platform/clock.js';
import { createCertificateAuthority } from '../../src/tls/self-signed.js';
import {
  describeCertificate,
  isIssuedBy,
  joinPem,
  sameCertificates,
  splitPemCertificates,
  type TlsMaterial,
} from '../../src/tls/tls-material.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeCertificateStore, ManualClock } from './fakes.js';

const DNS = serviceDnsNames('pullthrough', 'pt-system');
const CHECK_MS = 60_000;
const managers: CertificateManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

interface World {
  store: FakeCertificateStore;
  clock: ManualClock;
  timers: FakeClock;
}

function world(): World {
  return {
    store: new FakeCertificateStore(),
    clock: new ManualClock(),
    timers: new FakeClock({ unref: true }),
  };
}

async function start(w: World, extra: Partial<CertificateManagerOptions> = {}): Promise<CertificateManager> {
  const manager = await startCertificateManager({
    store: w.store,
    dnsNames: DNS,
    now: w.clock.now,
    clock: w.timers,
    checkIntervalMs: CHECK_MS,
    caBundleRetry: { initialMs: 1000, maxMs: 8000 },
    ...extra,
  });
  managers.push(manager);
  return manager;
}

/** The start-up retry wait once the failed attempt has scheduled it (the fake store answers in microtasks). */
async function nextKeepAliveWait(timers: FakeClock): Promise<number> {
  for (let turn = 0; turn < 100; turn++) {
    const [wait] = timers.pendingKeepAlive();
    if (wait !== undefined) return wait;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('no start-up retry was scheduled');
}

const caOf = (m: TlsMaterial): string => splitPemCertificates(m.ca ?? '')[0] ?? '';

function expectWebhookBundle(store: FakeCertificateStore, bundle: string): void {
  expect(store.webhook?.caBundles.length).toBeGreaterThan(0);
  for (const b of store.webhook?.caBundles ?? []) expect(sameCertificates(b ?? '', bundle)).toBe(true);
}

describe('certificate manager: replicas agree on one CA', () => {
  it('two replicas starting against a missing Secret end with one CA and the same Secret content', async () => {
    const w = world();
    w.store.seedWebhook(2);
    w.store.readBarrier = 2;

    const [a, b] = await Promise.all([start(w), start(w)]);

    expect(w.store.calls.create).toBe(2);
    expect(w.store.conflicts.create).toBe(1);
    expect(a.current()).toEqual(b.current());
    const data = w.store.secret?.data ?? {};
    expect(a.current()).toEqual({
      cert: data[SECRET_KEYS.cert],
      key: data[SECRET_KEYS.key],
      ca: data[SECRET_KEYS.caCert],
    });
    expect(splitPemCertificates(data[SECRET_KEYS.caCert] ?? '')).toHaveLength(1);
    expect(isIssuedBy(a.current().cert, caOf(a.current()))).toBe(true);
    await w.timers.advance(10_000); // let any conflicted caBundle patch retry settle
    expectWebhookBundle(w.store, data[SECRET_KEYS.caCert] ?? '');
  });

  it('two replicas filling in the empty Secret a chart pre-created agree on one CA (replace at resourceVersion, 409, re-read)', async () => {
    const w = world();
    w.store.seedSecret({ 'tls.crt': '', 'tls.key': '' });
    w.store.seedWebhook(1);
    w.store.readBarrier = 2;

    const [a, b] = await Promise.all([start(w), start(w)]);

    expect(w.store.calls.create).toBe(0);
    expect(w.store.calls.replace).toBe(2);
    expect(w.store.conflicts.replace).toBe(1);
    expect(a.current()).toEqual(b.current());
    expect(w.store.secret?.data[SECRET_KEYS.cert]).toBe(a.current().cert);
  });

  it('a restarted replica adopts a valid Secret without writing to it', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const first = await start(w);
    const writes = w.store.calls.create + w.store.calls.replace;

    const second = await start(w);

    expect(second.current()).toEqual(first.current());
    expect(w.store.calls.create + w.store.calls.replace).toBe(writes);
  });

  it('garbage in the Secret is replaced by a fresh CA and certificate', async () => {
    const w = world();
    w.store.seedSecret({
      'tls.crt': 'not a cert',
      'tls.key': 'nope',
      'ca.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n',
    });
    const m = await start(w, { manageCaBundle: false });
    expect(describeCertificate(m.current().cert).dnsNames).toEqual(DNS);
    expect(w.store.secret?.data[SECRET_KEYS.cert]).toBe(m.current().cert);
  });

  it('the serving certificate carries svc, svc.ns and svc.ns.svc plus extra names and IPs', async () => {
    const w = world();
    const m = await start(w, {
      dnsNames: serviceDnsNames('pullthrough', 'pt-system', ['hook.example']),
      ipAddresses: ['10.0.0.9'],
      manageCaBundle: false,
    });
    const info = describeCertificate(m.current().cert);
    expect(info.dnsNames).toEqual([
      'pullthrough',
      'pullthrough.pt-system',
      'pullthrough.pt-system.svc',
      'hook.example',
    ]);
    expect(info.ipAddresses).toEqual(['10.0.0.9']);
  });
});

describe('certificate manager: rotation', () => {
  it('the leaf is renewed once less than a third of its validity is left, under the same CA, and the caBundle is left alone', async () => {
    const w = world();
    w.store.seedWebhook(2);
    const m = await start(w, { leafValidityDays: 90 });
    const before = m.current();
    expect(w.store.calls.patch).toBe(1);

    w.clock.advanceDays(50);
    await m.reconcile();
    expect(m.current()).toEqual(before);

    w.clock.advanceDays(11); // day 61 of 90: under a third left
    const changes: TlsMaterial[] = [];
    m.subscribe((x) => changes.push(x));
    await m.reconcile();

    const after = m.current();
    expect(after.cert).not.toBe(before.cert);
    expect(after.ca).toBe(before.ca);
    expect(isIssuedBy(after.cert, caOf(after))).toBe(true);
    expect(changes).toEqual([after]);
    expect(w.store.secret?.data[SECRET_KEYS.cert]).toBe(after.cert);
    expect(w.store.calls.patch).toBe(1);
  });

  it('the CA is rotated near its expiry; the caBundle then holds the new CA and the old one, so old and new leaves both verify', async () => {
    const w = world();
    w.store.seedWebhook(2);
    const m = await start(w, { caValidityDays: 30, leafValidityDays: 9 });
    const old = m.current();
    const oldCa = caOf(old);

    w.clock.advanceDays(21); // CA has 9 of 30 days left
    await m.reconcile();

    const now = m.current();
    const bundle = splitPemCertificates(now.ca ?? '');
    expect(bundle).toHaveLength(2);
    expect(bundle[0]).not.toBe(oldCa);
    expect(bundle[1]).toBe(oldCa);
    expect(isIssuedBy(now.cert, bundle[0] ?? '')).toBe(true);
    expect(isIssuedBy(old.cert, bundle[1] ?? '')).toBe(true);
    expectWebhookBundle(w.store, joinPem(bundle));
    expect(w.store.calls.patch).toBe(2);
  });

  it('a leaf from a rotated CA is held back while the caBundle patch fails, and served once a retry gets it in', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const m = await start(w, { caValidityDays: 30, leafValidityDays: 29 });
    const old = m.current();
    w.store.failPatchWith = Object.assign(new Error('etcdserver: leader changed'), { code: 500 });

    w.clock.advanceDays(21);
    await m.reconcile();

    expect(splitPemCertificates(w.store.secret?.data[SECRET_KEYS.caCert] ?? '')).toHaveLength(2);
    expect(m.current()).toEqual(old);

    w.store.failPatchWith = undefined;
    await w.timers.advance(1000);

    expect(m.current().cert).toBe(w.store.secret?.data[SECRET_KEYS.cert]);
    expectWebhookBundle(w.store, m.current().ca ?? '');
  });

  it('a renewed leaf under the same CA is served even while the caBundle patch fails', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const m = await start(w, { leafValidityDays: 90 });
    const old = m.current();
    w.store.seedWebhook(1); // someone reset the caBundle...
    w.store.failPatchWith = Object.assign(new Error('etcdserver: leader changed'), { code: 500 }); // ...and we cannot fix it yet

    w.clock.advanceDays(61);
    await m.reconcile();

    expect(m.current().cert).not.toBe(old.cert);
    expect(m.current().ca).toBe(old.ca);
  });

  it('an old CA leaves the bundle once it has expired', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const m = await start(w, { caValidityDays: 30, leafValidityDays: 9 });
    w.clock.advanceDays(21);
    await m.reconcile();
    const newCa = caOf(m.current());

    w.clock.advanceDays(10); // day 31: the first CA has expired
    await m.reconcile();

    expect(splitPemCertificates(m.current().ca ?? '')).toEqual([newCa]);
    expectWebhookBundle(w.store, newCa);
  });

  it('a leaf lacking a newly wanted SAN is reissued under the same CA', async () => {
    const w = world();
    const first = await start(w, { manageCaBundle: false });
    const second = await start(w, { manageCaBundle: false, dnsNames: [...DNS, 'extra.example'] });
    expect(describeCertificate(second.current().cert).dnsNames).toContain('extra.example');
    expect(second.current().ca).toBe(first.current().ca);
  });

  it('a replica picks up, on its periodic check, the certificate another replica renewed, and tells its listeners', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const a = await start(w, { leafValidityDays: 90 });
    const b = await start(w, { leafValidityDays: 90 });
    const seenByB: TlsMaterial[] = [];
    b.subscribe((x) => seenByB.push(x));

    w.clock.advanceDays(61);
    await w.timers.advance(CHECK_MS);

    expect(a.current()).toEqual(b.current());
    expect(seenByB).toEqual([b.current()]);
    expect(w.store.calls.replace).toBe(1);
  });
});

describe('certificate manager: caBundle', () => {
  it('a webhook configuration missing at first is patched once it appears, retrying with backoff', async () => {
    const w = world();
    const m = await start(w);
    expect(w.store.calls.patch).toBe(0);
    expect(w.timers.pending()).toEqual([1000, CHECK_MS]);

    await w.timers.advance(1000);
    expect(w.timers.pending()[0]).toBe(2000);

    w.store.seedWebhook(3);
    await w.timers.advance(2000);
    expect(w.store.calls.patch).toBe(1);
    expectWebhookBundle(w.store, m.current().ca ?? '');
    expect(w.timers.pending()).toEqual([CHECK_MS - 3000]);
  });

  it('the caBundle is not re-patched when it is already right, even written with other whitespace', async () => {
    const w = world();
    w.store.seedWebhook(2);
    const m = await start(w);
    expect(w.store.calls.patch).toBe(1);

    await m.reconcile();
    await w.timers.advance(CHECK_MS * 3);
    expect(w.store.calls.patch).toBe(1);

    w.store.seedWebhook(2, `\n${(m.current().ca ?? '').replaceAll('\n', '\r\n')}\n`);
    await m.reconcile();
    expect(w.store.calls.patch).toBe(1);
  });

  it('a caBundle someone else changed is put back on the next check', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const m = await start(w);
    const stranger = await createCertificateAuthority();
    w.store.seedWebhook(1, stranger.cert);

    await w.timers.advance(CHECK_MS);

    expectWebhookBundle(w.store, m.current().ca ?? '');
  });

  it('without --webhook-config the webhook configuration is never read or patched', async () => {
    const w = world();
    w.store.seedWebhook(1);
    await start(w, { manageCaBundle: false });
    expect(w.store.calls.getWebhook).toBe(0);
    expect(w.store.calls.patch).toBe(0);
  });
});

describe('certificate manager: failures and shutdown', () => {
  it('start-up fails at once on a permanent API error such as 403', async () => {
    const w = world();
    w.store.failWith = Object.assign(new Error('secrets "certs" is forbidden'), { code: 403 });
    await expect(start(w)).rejects.toThrow(/forbidden/);
    expect(w.store.calls.getSecret).toBe(1);
  });

  it('start-up retries an unreachable API server for as long as it is down, every wait keeping the process alive, then serves', async () => {
    const w = world();
    w.store.failWith = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
      code: 'ECONNREFUSED',
    });
    let settled = false;
    const starting = start(w, { manageCaBundle: false, startupRetryMaxMs: 4000 }).finally(() => {
      settled = true;
    });

    const waits: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      // More attempts than the 5 start-up used to allow before giving up.
      const wait = await nextKeepAliveWait(w.timers);
      waits.push(wait);
      await w.timers.advance(wait);
    }
    expect(settled).toBe(false);
    expect(waits).toEqual([1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000]);
    expect(w.store.calls.getSecret).toBe(9);

    w.store.failWith = undefined;
    await w.timers.advance(await nextKeepAliveWait(w.timers));
    const manager = await starting;
    expect(manager.current().cert).toBe(w.store.secret?.data[SECRET_KEYS.cert]);
    // Serving now: only the periodic check is left, and it never holds the process open.
    expect(w.timers.pendingKeepAlive()).toEqual([]);
    expect(w.timers.pending()).toEqual([CHECK_MS]);
  });

  it("the manager's unref'ed system clock keeps the process alive only for a timer that asks", () => {
    const clock = systemClock({ unref: true });
    const wait = clock.setTimeout(() => undefined, 60_000, { unref: false }) as NodeJS.Timeout;
    const check = clock.setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    try {
      expect(wait.hasRef()).toBe(true);
      expect(check.hasRef()).toBe(false);
    } finally {
      clock.clearTimeout(wait);
      clock.clearTimeout(check);
    }
  });

  it('a failing periodic check keeps serving the current certificate and tries again later', async () => {
    const w = world();
    const m = await start(w, { manageCaBundle: false });
    const before = m.current();
    w.store.failWith = Object.assign(new Error('etcdserver: request timed out'), { code: 500 });

    await w.timers.advance(CHECK_MS);

    expect(m.current()).toEqual(before);
    expect(w.timers.pending()).toEqual([CHECK_MS]);
  });

  it('after close no timer is left', async () => {
    const w = world();
    w.store.seedWebhook(1);
    const m = await start(w);
    await m.close();
    expect(w.timers.pending()).toEqual([]);
  });
});
