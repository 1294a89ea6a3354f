import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  createSelfSignedServing,
  issueServingCertificate,
  splitHostNames,
} from '../../src/tls/self-signed.js';
import { describeCertificate, isIssuedBy, keyMatchesCertificate } from '../../src/tls/tls-material.js';
import { staticTlsSource } from '../../src/tls/tls-source.js';
import { get, localLeaf, serve } from './helpers.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

describe('self-signed certificates', () => {
  it('a serving certificate verifies against its CA over a real TLS handshake, as localhost and as 127.0.0.1', async () => {
    const { ca, material } = await createSelfSignedServing();
    const served = await serve(staticTlsSource(material));
    try {
      const byName = await get(served.port, ca.cert, 'localhost');
      const byIp = await get(served.port, ca.cert, '127.0.0.1');
      expect(byName).toMatchObject({ status: 200, body: 'ok' });
      expect(byIp).toMatchObject({ status: 200, body: 'ok' });
      expect(byName.fingerprint256).toBe(describeCertificate(material.cert).fingerprint256);
    } finally {
      await served.close();
    }
  });

  it('a client trusting a different CA refuses the certificate', async () => {
    const { material } = await createSelfSignedServing();
    const stranger = await createCertificateAuthority();
    const served = await serve(staticTlsSource(material));
    try {
      await expect(get(served.port, stranger.cert)).rejects.toThrow(
        /self[- ]signed|unable to verify|issuer/i,
      );
    } finally {
      await served.close();
    }
  });

  it('the CA is CA:TRUE and the leaf is CA:FALSE with EKU serverAuth, signed by the CA', async () => {
    const ca = await createCertificateAuthority();
    const leaf = await localLeaf(ca);
    const caX509 = new X509Certificate(ca.cert);
    const leafX509 = new X509Certificate(leaf.cert);
    expect(caX509.ca).toBe(true);
    expect(leafX509.ca).toBe(false);
    expect(leafX509.toLegacyObject().ext_key_usage).toContain(SERVER_AUTH);
    expect(isIssuedBy(leaf.cert, ca.cert)).toBe(true);
    expect(keyMatchesCertificate(leaf.cert, leaf.key)).toBe(true);
    expect(keyMatchesCertificate(ca.cert, ca.key)).toBe(true);
    expect(leaf.ca).toBe(ca.cert);
  });

  it('localhost is a DNS SAN and 127.0.0.1 and ::1 are IP SANs; --tls-dns names are added, IPs among them as IP SANs', async () => {
    const { material } = await createSelfSignedServing({ extraDnsNames: ['webhook.example', '10.0.0.7'] });
    const info = describeCertificate(material.cert);
    expect(info.dnsNames).toEqual(['localhost', 'webhook.example']);
    expect(info.ipAddresses).toEqual(['127.0.0.1', '::1', '10.0.0.7']);
  });

  it('each CA gets its own subject, so a bundle of two CAs stays unambiguous', async () => {
    const [a, b] = await Promise.all([createCertificateAuthority(), createCertificateAuthority()]);
    expect(new X509Certificate(a.cert).subject).not.toBe(new X509Certificate(b.cert).subject);
  });

  it('a leaf signed by the older of two CAs in a bundle still verifies over TLS', async () => {
    const [oldCa, newCa] = await Promise.all([createCertificateAuthority(), createCertificateAuthority()]);
    const oldLeaf = await localLeaf(oldCa);
    const newLeaf = await localLeaf(newCa);
    const bundle = newCa.cert + oldCa.cert;
    for (const leaf of [oldLeaf, newLeaf]) {
      const served = await serve(staticTlsSource(leaf));
      try {
        await expect(get(served.port, bundle)).resolves.toMatchObject({ status: 200 });
      } finally {
        await served.close();
      }
    }
  });

  it('validity follows the injected clock, starts an hour early, and a leaf never outlives its CA', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createCertificateAuthority({ now, validityDays: 10 });
    const leaf = await issueServingCertificate(ca, { dnsNames: ['svc'], validityDays: 365, now });
    const caInfo = describeCertificate(ca.cert);
    const leafInfo = describeCertificate(leaf.cert);
    expect(caInfo.notBefore.toISOString()).toBe('2029-12-31T23:00:00.000Z');
    expect(caInfo.notAfter.toISOString()).toBe('2030-01-11T00:00:00.000Z');
    expect(leafInfo.notAfter.getTime()).toBe(caInfo.notAfter.getTime());
  });

  it('a serving certificate without any name, or with a bad IP, is refused', async () => {
    const ca = await createCertificateAuthority();
    await expect(issueServingCertificate(ca, { dnsNames: [] })).rejects.toThrow(/at least one/);
    await expect(
      issueServingCertificate(ca, { dnsNames: ['a'], ipAddresses: ['not-an-ip'] }),
    ).rejects.toThrow(/not an IP/);
  });

  it('host names from the command line are split into DNS names and IPs, trimmed and deduplicated', () => {
    expect(splitHostNames(['a.example', ' 10.1.2.3 ', 'a.example', '', '::1'])).toEqual({
      dnsNames: ['a.example'],
      ipAddresses: ['10.1.2.3', '::1'],
    });
  });
});
