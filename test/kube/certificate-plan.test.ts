import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_BUNDLE_CAS,
  SECRET_KEYS,
  buildCertificates,
  planCertificates,
  serviceDnsNames,
  toSecretData,
  type CertificatePolicy,
  type ManagedCertificates,
} from '../../src/kube/certificate-plan.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/tls/self-signed.js';
import { joinPem } from '../../src/tls/tls-material.js';

const DAY = 86_400_000;
const T0 = Date.parse('2031-03-01T00:00:00Z');
const policy: CertificatePolicy = { dnsNames: serviceDnsNames('pt', 'ns'), renewBeforeFraction: 1 / 3 };
const settings = { now: T0, caValidityDays: 30, leafValidityDays: 9, dnsNames: policy.dnsNames };

let fresh: ManagedCertificates;
let expiredCa: CertificateAuthority;

beforeAll(async () => {
  fresh = await buildCertificates({ action: 'new-ca', reason: 'test', retainedCas: [] }, settings);
  expiredCa = await createCertificateAuthority({ now: new Date(T0 - 40 * DAY), validityDays: 30 });
});

describe('planning the certificate Secret', () => {
  it.each([
    { name: 'no Secret at all', data: undefined, reason: /no CA/ },
    { name: 'the empty Secret a chart pre-creates', data: { 'tls.crt': '', 'tls.key': '' }, reason: /no CA/ },
  ])('$name: a new CA and leaf', ({ data, reason }) => {
    const plan = planCertificates(data, T0, policy);
    expect(plan).toMatchObject({ action: 'new-ca', retainedCas: [] });
    expect(plan.action === 'new-ca' && plan.reason).toMatch(reason);
  });

  it('a complete, fresh Secret is kept as is', () => {
    expect(planCertificates(toSecretData(fresh), T0, policy)).toEqual({ action: 'keep', certs: fresh });
  });

  it('a CA key that does not match the CA certificate means a new CA', async () => {
    const other = await createCertificateAuthority();
    const data = { ...toSecretData(fresh), [SECRET_KEYS.caKey]: other.key };
    expect(planCertificates(data, T0, policy)).toMatchObject({ action: 'new-ca', reason: /does not match/ });
  });

  it('a missing leaf key means a new leaf from the same CA', () => {
    const data = { ...toSecretData(fresh), [SECRET_KEYS.key]: '' };
    expect(planCertificates(data, T0, policy)).toMatchObject({ action: 'new-leaf', ca: fresh.ca });
  });

  it('an expired CA left in the bundle is pruned, keeping the leaf', () => {
    const data = { ...toSecretData(fresh), [SECRET_KEYS.caCert]: joinPem([fresh.ca.cert, expiredCa.cert]) };
    const plan = planCertificates(data, T0, policy);
    expect(plan).toMatchObject({ action: 'prune', certs: { caBundle: [fresh.ca.cert], leaf: fresh.leaf } });
  });

  it('a rotation retains the previous CAs after the new one, up to the bundle limit', async () => {
    const olderCas = await Promise.all(
      [1, 2, 3].map(() => createCertificateAuthority({ now: new Date(T0) })),
    );
    const built = await buildCertificates(
      { action: 'new-ca', reason: 'test', retainedCas: olderCas.map((c) => c.cert) },
      settings,
    );
    expect(built.caBundle).toHaveLength(MAX_BUNDLE_CAS);
    expect(built.caBundle.slice(1)).toEqual(olderCas.slice(0, MAX_BUNDLE_CAS - 1).map((c) => c.cert));
  });

  it('the Service names are svc, svc.ns, svc.ns.svc, then the extra ones without duplicates', () => {
    expect(serviceDnsNames('hook', 'sys', ['hook', 'x.example'])).toEqual([
      'hook',
      'hook.sys',
      'hook.sys.svc',
      'x.example',
    ]);
  });
});
