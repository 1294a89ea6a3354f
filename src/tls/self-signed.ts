import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';
import { describeCertificate, type TlsMaterial } from './tls-material.js';

/** A CA that can sign serving certificates: its certificate and private key (PEM). */
export interface CertificateAuthority {
  cert: string;
  key: string;
}

/** Options for {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** Subject CN. Default `pullthrough-ca@<unix seconds>.<random>`, unique per CA (see below). */
  commonName?: string;
  /** Default {@link DEFAULT_CA_VALIDITY_DAYS}. */
  validityDays?: number;
  /** Issue time; injectable so rotation tests can move the clock. Default now. */
  now?: Date;
}

/** Options for {@link issueServingCertificate}. */
export interface ServingCertificateOptions {
  /** DNS SANs; the first is also the subject CN. At least one DNS name or IP is required. */
  dnsNames: readonly string[];
  /** IP SANs (IPv4 or IPv6). */
  ipAddresses?: readonly string[];
  /** Default {@link DEFAULT_LEAF_VALIDITY_DAYS}; never extends past the CA's own expiry. */
  validityDays?: number;
  /** Issue time; injectable for tests. Default now. */
  now?: Date;
}

/** CA lifetime: long, because every CA rotation means a caBundle change on the webhook configuration. */
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
/** Serving certificate lifetime; renewed at a third left, so roughly every eight months. */
export const DEFAULT_LEAF_VALIDITY_DAYS = 365;
/** Names a local `pullthrough serve` answers on (kubectl port-forward, tests, curl). */
export const LOCAL_DNS_NAMES: readonly string[] = ['localhost'];
export const LOCAL_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];

const DAY_MS = 86_400_000;
// Start validity an hour in the past, as Kubernetes' own cert helpers do: an API server whose clock is
// slightly behind ours must not see a "not yet valid" certificate right after an issue or rotation.
const BACKDATE_MS = 3_600_000;

// ECDSA P-256 for CA and leaf alike: selfsigned signs a leaf with the CA key using the leaf's key type,
// so both must match; P-256 is fast to generate and every TLS client (Go's included) supports it.
const KEY_OPTIONS = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const;

// selfsigned ends certificate PEM without a newline; concatenating two such CAs into a bundle would
// glue `-----END CERTIFICATE----------BEGIN CERTIFICATE-----` together and lose the second one.
function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/**
 * Creates a self-signed CA (CA:TRUE, keyCertSign) whose certificate can serve as a webhook caBundle.
 * Each CA gets a unique subject: after a rotation the bundle holds two CAs, and OpenSSL picks an issuer
 * by subject name, so two CAs with the same name could make it try the wrong one.
 */
export async function createCertificateAuthority(
  opts: CertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  const now = opts.now ?? new Date();
  const commonName =
    opts.commonName ?? `pullthrough-ca@${Math.floor(now.getTime() / 1000)}.${randomBytes(4).toString('hex')}`;
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    ...KEY_OPTIONS,
    notBeforeDate: new Date(now.getTime() - BACKDATE_MS),
    notAfterDate: new Date(now.getTime() + (opts.validityDays ?? DEFAULT_CA_VALIDITY_DAYS) * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: withNewline(pems.cert), key: withNewline(pems.private) };
}

/**
 * Issues a serving certificate signed by `ca`: SANs for the DNS names and IPs (hostname checks use
 * only SANs), EKU serverAuth, CA:FALSE. Returns it with the CA certificate as `ca`, ready to serve.
 */
export async function issueServingCertificate(
  ca: CertificateAuthority,
  opts: ServingCertificateOptions,
): Promise<TlsMaterial> {
  const ipAddresses = opts.ipAddresses ?? [];
  const commonName = opts.dnsNames[0] ?? ipAddresses[0];
  if (commonName === undefined)
    throw new TypeError('a serving certificate needs at least one DNS name or IP');
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new TypeError(`not an IP address: ${ip}`);
  }
  const now = opts.now ?? new Date();
  const requested = now.getTime() + (opts.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS) * DAY_MS;
  const caNotAfter = describeCertificate(ca.cert).notAfter.getTime();
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    ...KEY_OPTIONS,
    ca: { cert: ca.cert, key: ca.key },
    notBeforeDate: new Date(now.getTime() - BACKDATE_MS),
    notAfterDate: new Date(Math.min(requested, caNotAfter)),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...opts.dnsNames.map((value) => ({ type: 2 as const, value })),
          ...ipAddresses.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: withNewline(pems.cert), key: withNewline(pems.private), ca: ca.cert };
}

/**
 * Sorts host names given on the command line into DNS and IP SANs (deduplicated, order kept): an IP
 * written as a DNS SAN does not verify, since TLS clients match IP hosts against IP SANs only.
 */
export function splitHostNames(names: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  return {
    dnsNames: unique.filter((n) => isIP(n) === 0),
    ipAddresses: unique.filter((n) => isIP(n) !== 0),
  };
}

/**
 * The default `serve` path with no certificate flags: a fresh CA and a leaf for `localhost`,
 * `127.0.0.1`, `::1` and any `--tls-dns` names. The caller writes `ca.cert` where users can find it.
 */
export async function createSelfSignedServing(
  opts: { extraDnsNames?: readonly string[]; validityDays?: number; now?: Date } = {},
): Promise<{ ca: CertificateAuthority; material: TlsMaterial }> {
  const ca = await createCertificateAuthority(opts.now ? { now: opts.now } : {});
  const { dnsNames, ipAddresses } = splitHostNames([
    ...LOCAL_DNS_NAMES,
    ...LOCAL_IP_ADDRESSES,
    ...(opts.extraDnsNames ?? []),
  ]);
  const material = await issueServingCertificate(ca, {
    dnsNames,
    ipAddresses,
    ...(opts.validityDays !== undefined ? { validityDays: opts.validityDays } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { ca, material };
}
