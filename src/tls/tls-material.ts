import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { createSecureContext } from 'node:tls';

/** A serving certificate as PEM text: what the HTTPS server needs, plus the CA that clients should trust. */
export interface TlsMaterial {
  /** The leaf certificate (PEM). */
  cert: string;
  /** The leaf's private key (PEM, PKCS#8). */
  key: string;
  /** CA certificate(s) that verify `cert` (PEM, possibly several): what a caBundle must hold. */
  ca?: string;
}

/** The facts about a certificate that rotation and validation decisions use. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** IP SANs, IPv6 in compressed form (`::1`), whatever Node version printed them. */
  ipAddresses: string[];
  /** SHA-256 fingerprint, colon-separated upper-case hex, as `getPeerCertificate().fingerprint256` shows it. */
  fingerprint256: string;
  isCa: boolean;
}

/** Outcome of {@link checkTlsMaterial}: usable, or why not (a message fit for a log line). */
export type TlsMaterialCheck = { ok: true; info: CertificateInfo } | { ok: false; reason: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Splits PEM text into its certificate blocks, dropping anything between them. A caBundle or `ca.crt`
 * holds several CAs during a rotation overlap, and a `tls.crt` may carry a chain after the leaf.
 */
export function splitPemCertificates(pem: string): string[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => `${block}\n`);
}

/** Concatenates PEM blocks into one text, each ending in a newline, so no two blocks run together. */
export function joinPem(blocks: readonly string[]): string {
  return blocks.map((b) => (b.endsWith('\n') ? b : `${b}\n`)).join('');
}

/** Parses the first certificate of a PEM text (the leaf of a chain); throws when there is none. */
export function parseCertificate(pem: string): X509Certificate {
  const [first] = splitPemCertificates(pem);
  if (first === undefined) throw new Error('no PEM certificate found');
  return new X509Certificate(first);
}

/**
 * Reads a certificate's validity, SANs and CA flag with node:crypto only, so the same facts are
 * available for files, Secrets and freshly issued certificates without a third-party parser.
 */
export function describeCertificate(cert: string | X509Certificate): CertificateInfo {
  const x509 = typeof cert === 'string' ? parseCertificate(cert) : cert;
  const sans = parseSubjectAltNames(x509.subjectAltName);
  return {
    subject: x509.subject,
    issuer: x509.issuer,
    serialNumber: x509.serialNumber,
    notBefore: validityDate(x509, 'validFrom'),
    notAfter: validityDate(x509, 'validTo'),
    dnsNames: sans.dnsNames,
    ipAddresses: sans.ipAddresses,
    fingerprint256: x509.fingerprint256,
    isCa: x509.ca,
  };
}

// Node >= 22.10 exposes Date objects; Node 20 only the OpenSSL text ("Nov 28 22:32:37 2027 GMT"),
// which V8's Date parser reads.
function validityDate(x509: X509Certificate, field: 'validFrom' | 'validTo'): Date {
  const native = (x509 as X509Certificate & { validFromDate?: Date; validToDate?: Date })[`${field}Date`];
  return native instanceof Date ? native : new Date(x509[field]);
}

/**
 * Parses Node's `subjectAltName` text (`DNS:a, IP Address:127.0.0.1`). Values with special characters
 * come JSON-quoted since the CVE-2021-44532 fix, so they are unquoted rather than split on commas.
 */
export function parseSubjectAltNames(text: string | undefined): {
  dnsNames: string[];
  ipAddresses: string[];
} {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const entry = /(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const [, kind, raw = ''] of (text ?? '').matchAll(entry)) {
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.trim();
    if (kind === 'DNS') dnsNames.push(value);
    else ipAddresses.push(normalizeIp(value));
  }
  return { dnsNames, ipAddresses };
}

/** Writes an IP the way URL parsing does (`0:0:0:0:0:0:0:1` → `::1`), so SAN comparisons are exact. */
export function normalizeIp(ip: string): string {
  return isIPv6(ip) ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip;
}

/** True when `keyPem` is the private key of the first certificate in `certPem`; false on any parse error. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return parseCertificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/**
 * True when `caPem`'s certificate signed `certPem`'s (issuer name matches and the signature verifies).
 * Used to decide whether a leaf still belongs to the current CA after a rotation.
 */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = parseCertificate(certPem);
    const ca = parseCertificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/**
 * Validates a cert/key pair before it is served: both parse, the key belongs to the certificate, and
 * OpenSSL accepts them as a secure context. A half-written or mismatched pair is rejected here so the
 * server keeps its previous certificate instead of failing handshakes.
 */
export function checkTlsMaterial(material: TlsMaterial): TlsMaterialCheck {
  let info: CertificateInfo;
  try {
    info = describeCertificate(material.cert);
  } catch (err) {
    return { ok: false, reason: `certificate does not parse: ${(err as Error).message}` };
  }
  try {
    createPrivateKey(material.key);
  } catch (err) {
    return { ok: false, reason: `private key does not parse: ${(err as Error).message}` };
  }
  if (!keyMatchesCertificate(material.cert, material.key)) {
    return { ok: false, reason: 'private key does not match the certificate' };
  }
  try {
    createSecureContext({ cert: material.cert, key: material.key });
  } catch (err) {
    return { ok: false, reason: `TLS rejects the pair: ${(err as Error).message}` };
  }
  return { ok: true, info };
}

/** Fraction of the certificate's lifetime still ahead at `now` (1 when fresh, 0 or less when expired). */
export function remainingLifetimeFraction(
  info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>,
  now: number,
): number {
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  if (lifetime <= 0) return 0;
  return (info.notAfter.getTime() - now) / lifetime;
}

/**
 * The renewal rule: renew once less than `fraction` (default a third) of the lifetime is left. Renewing
 * that early leaves a third of a lifetime as margin for failed API calls, retries and slow propagation
 * to every replica, instead of racing the expiry.
 */
export function needsRenewal(
  info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>,
  now: number,
  fraction = 1 / 3,
): boolean {
  return remainingLifetimeFraction(info, now) < fraction;
}

/** True when the certificate lists every DNS name and IP given (extra SANs are fine). */
export function coversNames(
  info: CertificateInfo,
  dnsNames: readonly string[],
  ips: readonly string[] = [],
): boolean {
  const dns = new Set(info.dnsNames.map((n) => n.toLowerCase()));
  const ipSet = new Set(info.ipAddresses);
  return dnsNames.every((n) => dns.has(n.toLowerCase())) && ips.every((ip) => ipSet.has(normalizeIp(ip)));
}

/** SHA-256 fingerprints of every certificate in a PEM text, in order; unparseable blocks are skipped. */
export function certificateFingerprints(pem: string): string[] {
  const out: string[] = [];
  for (const block of splitPemCertificates(pem)) {
    try {
      out.push(new X509Certificate(block).fingerprint256);
    } catch {
      // A damaged block counts as absent: the comparison then reports a difference and it gets rewritten.
    }
  }
  return out;
}

/**
 * True when two PEM texts hold the same certificates in the same order, ignoring whitespace and text
 * between blocks, so a caBundle is only re-patched when its content really differs.
 */
export function sameCertificates(a: string, b: string): boolean {
  const fa = certificateFingerprints(a);
  const fb = certificateFingerprints(b);
  return fa.length > 0 && fa.length === fb.length && fa.every((f, i) => f === fb[i]);
}
