import { beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/tls/self-signed.js';
import {
  checkTlsMaterial,
  coversNames,
  describeCertificate,
  joinPem,
  needsRenewal,
  normalizeIp,
  parseCertificate,
  parseSubjectAltNames,
  remainingLifetimeFraction,
  sameCertificates,
  splitPemCertificates,
  type TlsMaterial,
} from '../../src/tls/tls-material.js';
import { localLeaf } from './helpers.js';

let ca: CertificateAuthority;
let leaf: TlsMaterial;
let other: TlsMaterial;

beforeAll(async () => {
  ca = await createCertificateAuthority();
  [leaf, other] = await Promise.all([localLeaf(ca), localLeaf(ca)]);
});

describe('subjectAltName parsing', () => {
  it.each([
    {
      name: 'DNS names and IPv4 addresses in order',
      text: 'DNS:a, DNS:b.c, IP Address:127.0.0.1',
      dns: ['a', 'b.c'],
      ips: ['127.0.0.1'],
    },
    {
      name: "Node 20's expanded IPv6 form is compressed",
      text: 'IP Address:0:0:0:0:0:0:0:1',
      dns: [],
      ips: ['::1'],
    },
    {
      name: 'JSON-quoted values are unquoted, commas included',
      text: 'DNS:"a,b", DNS:c',
      dns: ['a,b', 'c'],
      ips: [],
    },
    { name: 'other kinds are skipped', text: 'URI:https://x, email:a@b, DNS:d', dns: ['d'], ips: [] },
    { name: 'no extension at all yields nothing', text: undefined, dns: [], ips: [] },
  ])('$name', ({ text, dns, ips }) => {
    expect(parseSubjectAltNames(text)).toEqual({ dnsNames: dns, ipAddresses: ips });
  });

  it('IPv4 is left as written and IPv6 is compressed', () => {
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeIp('fd00:0:0:0:0:0:0:a')).toBe('fd00::a');
  });
});

describe('certificate facts', () => {
  it('a leaf is described with its SANs, validity, fingerprint and CA flag', () => {
    const info = describeCertificate(leaf.cert);
    expect(info.dnsNames).toEqual(['localhost']);
    expect(info.ipAddresses).toEqual(['127.0.0.1']);
    expect(info.isCa).toBe(false);
    expect(info.notAfter.getTime()).toBeGreaterThan(info.notBefore.getTime());
    expect(info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('a PEM text with no certificate is refused', () => {
    expect(() => parseCertificate('nothing here')).toThrow(/no PEM certificate/);
  });

  it('a bundle splits into its certificates and joins back without running blocks together', () => {
    const bundle = joinPem([ca.cert.trimEnd(), leaf.cert.trimEnd()]);
    expect(bundle).toContain('-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----');
    expect(splitPemCertificates(`junk\n${bundle}more junk`)).toHaveLength(2);
  });

  it('bundles compare by content: whitespace differences are equal, order and members are not', () => {
    const ab = joinPem([ca.cert, leaf.cert]);
    expect(sameCertificates(ab, `\n\n${ca.cert}\r\n${leaf.cert}  `)).toBe(true);
    expect(sameCertificates(ab, joinPem([leaf.cert, ca.cert]))).toBe(false);
    expect(sameCertificates(ab, ca.cert)).toBe(false);
    expect(sameCertificates('', '')).toBe(false);
  });

  it('names are covered when each wanted SAN is present, case-insensitively for DNS', () => {
    const info = describeCertificate(leaf.cert);
    expect(coversNames(info, ['LOCALHOST'], ['127.0.0.1'])).toBe(true);
    expect(coversNames(info, ['localhost', 'svc.ns.svc'])).toBe(false);
    expect(coversNames(info, [], ['::1'])).toBe(false);
  });
});

describe('renewal rule', () => {
  const day = 86_400_000;
  const span = { notBefore: new Date(0), notAfter: new Date(90 * day) };

  it.each([
    { name: 'fresh: nothing to do', at: 0, renew: false },
    { name: 'just over a third left: keep', at: 59 * day, renew: false },
    { name: 'less than a third left: renew', at: 61 * day, renew: true },
    { name: 'expired: renew', at: 91 * day, renew: true },
  ])('$name', ({ at, renew }) => {
    expect(needsRenewal(span, at)).toBe(renew);
  });

  it('the remaining fraction is linear over the lifetime, and 0 for an empty one', () => {
    expect(remainingLifetimeFraction(span, 45 * day)).toBeCloseTo(0.5);
    expect(remainingLifetimeFraction({ notBefore: new Date(5), notAfter: new Date(5) }, 0)).toBe(0);
  });
});

describe('cert/key pair validation', () => {
  it('a matching pair is accepted', () => {
    expect(checkTlsMaterial(leaf)).toMatchObject({ ok: true });
  });

  it.each([
    {
      name: 'a key from another certificate',
      make: () => ({ cert: leaf.cert, key: other.key }),
      reason: /does not match/,
    },
    {
      name: 'a truncated certificate',
      make: () => ({ cert: leaf.cert.slice(0, 200), key: leaf.key }),
      reason: /certificate/,
    },
    {
      name: 'a truncated key',
      make: () => ({ cert: leaf.cert, key: leaf.key.slice(0, 60) }),
      reason: /private key/,
    },
    { name: 'empty files', make: () => ({ cert: '', key: '' }), reason: /certificate/ },
  ])('$name is rejected with a reason', ({ make, reason }) => {
    const check = checkTlsMaterial(make());
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toMatch(reason);
  });
});
