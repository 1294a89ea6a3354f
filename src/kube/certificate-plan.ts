/**
 * Pure decisions about the self-managed certificate Secret: what its data means, and whether to keep
 * it, issue a new leaf, rotate the CA, or prune expired CAs from the bundle. No I/O, no clock: `now`
 * is passed in, so every rotation case is a plain function call in the tests.
 *
 * Secret layout (type `kubernetes.io/tls` when we create it):
 *   tls.crt  the serving certificate (leaf only)
 *   tls.key  its private key
 *   ca.crt   the CA bundle: the current CA first, then older CAs kept until they expire, so leaves
 *            signed by the previous CA still verify while other replicas switch over
 *   ca.key   the current CA's private key
 */
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
} from '../tls/self-signed.js';
import {
  checkTlsMaterial,
  coversNames,
  describeCertificate,
  isIssuedBy,
  joinPem,
  keyMatchesCertificate,
  needsRenewal,
  splitPemCertificates,
  type CertificateInfo,
  type TlsMaterial,
} from '../tls/tls-material.js';
import type { SecretData } from './certificate-store.js';

export const SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', caCert: 'ca.crt', caKey: 'ca.key' } as const;

/** Most CAs a bundle keeps (current + previous ones), so a misbehaving clock cannot grow it unbounded. */
export const MAX_BUNDLE_CAS = 3;

/** Everything the Secret holds, parsed. */
export interface ManagedCertificates {
  ca: CertificateAuthority;
  /** PEM certificates, current CA first. */
  caBundle: string[];
  leaf: { cert: string; key: string };
}

/** What the leaf must cover and when things are renewed. */
export interface CertificatePolicy {
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
  /** Renew when less than this fraction of a certificate's lifetime is left (1/3). */
  renewBeforeFraction: number;
}

/** The decision for one look at the Secret. */
export type CertificatePlan =
  | { action: 'keep'; certs: ManagedCertificates }
  | { action: 'new-ca'; reason: string; retainedCas: string[] }
  | { action: 'new-leaf'; reason: string; ca: CertificateAuthority; caBundle: string[] }
  | { action: 'prune'; reason: string; certs: ManagedCertificates };

/** Validity settings for {@link buildCertificates}. */
export interface IssueSettings {
  now: number;
  caValidityDays: number;
  leafValidityDays: number;
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
}

function tryDescribe(pem: string): CertificateInfo | undefined {
  try {
    return describeCertificate(pem);
  } catch {
    return undefined;
  }
}

/** CA certificates of the bundle that are still worth trusting: parse, are CAs, not expired. */
function liveCas(bundle: string, now: number): string[] {
  return splitPemCertificates(bundle).filter((pem) => {
    const info = tryDescribe(pem);
    return info !== undefined && info.isCa && info.notAfter.getTime() > now;
  });
}

function currentCaProblem(data: SecretData, now: number, fraction: number): string | undefined {
  const [caCert] = splitPemCertificates(data[SECRET_KEYS.caCert] ?? '');
  const info = caCert === undefined ? undefined : tryDescribe(caCert);
  if (caCert === undefined || info === undefined) return 'no CA certificate in the Secret';
  if (!info.isCa) return 'ca.crt is not a CA certificate';
  if (!keyMatchesCertificate(caCert, data[SECRET_KEYS.caKey] ?? '')) return 'ca.key does not match ca.crt';
  if (needsRenewal(info, now, fraction)) return 'CA is expiring (less than the renewal fraction left)';
  return undefined;
}

function leafProblem(
  data: SecretData,
  caCert: string,
  now: number,
  policy: CertificatePolicy,
): string | undefined {
  const cert = data[SECRET_KEYS.cert] ?? '';
  const check = checkTlsMaterial({ cert, key: data[SECRET_KEYS.key] ?? '' });
  if (!check.ok) return `serving certificate unusable: ${check.reason}`;
  if (!isIssuedBy(cert, caCert)) return 'serving certificate is not signed by the current CA';
  if (!coversNames(check.info, policy.dnsNames, policy.ipAddresses))
    return 'serving certificate lacks wanted SANs';
  if (needsRenewal(check.info, now, policy.renewBeforeFraction)) return 'serving certificate is expiring';
  return undefined;
}

/**
 * Decides what to do with the Secret's data (undefined: no Secret). Anything unusable, including the
 * empty Secret a chart pre-creates, leads to "issue"; CAs still in the bundle and unexpired are kept
 * when a new CA is made, so both old and new leaves verify during the overlap.
 */
export function planCertificates(
  data: SecretData | undefined,
  now: number,
  policy: CertificatePolicy,
): CertificatePlan {
  const d = data ?? {};
  const bundleText = d[SECRET_KEYS.caCert] ?? '';
  const live = liveCas(bundleText, now);
  const caProblem = currentCaProblem(d, now, policy.renewBeforeFraction);
  if (caProblem !== undefined) return { action: 'new-ca', reason: caProblem, retainedCas: live };

  const caCert = splitPemCertificates(bundleText)[0] as string;
  const ca = { cert: caCert, key: d[SECRET_KEYS.caKey] as string };
  const caBundle = [caCert, ...live.filter((pem) => pem !== caCert)].slice(0, MAX_BUNDLE_CAS);
  const problem = leafProblem(d, caCert, now, policy);
  if (problem !== undefined) return { action: 'new-leaf', reason: problem, ca, caBundle };

  const certs = {
    ca,
    caBundle,
    leaf: { cert: d[SECRET_KEYS.cert] as string, key: d[SECRET_KEYS.key] as string },
  };
  if (caBundle.length !== splitPemCertificates(bundleText).length) {
    return { action: 'prune', reason: 'CA bundle holds expired or unusable certificates', certs };
  }
  return { action: 'keep', certs };
}

/** Carries out a non-keep plan: issues what it asks for (CA and/or leaf). */
export async function buildCertificates(
  plan: Exclude<CertificatePlan, { action: 'keep' }>,
  settings: IssueSettings,
): Promise<ManagedCertificates> {
  if (plan.action === 'prune') return plan.certs;
  const now = new Date(settings.now);
  const ca =
    plan.action === 'new-ca'
      ? await createCertificateAuthority({ now, validityDays: settings.caValidityDays })
      : plan.ca;
  const caBundle =
    plan.action === 'new-ca' ? [ca.cert, ...plan.retainedCas].slice(0, MAX_BUNDLE_CAS) : plan.caBundle;
  const leaf = await issueServingCertificate(ca, {
    dnsNames: settings.dnsNames,
    ipAddresses: settings.ipAddresses ?? [],
    validityDays: settings.leafValidityDays,
    now,
  });
  return { ca, caBundle, leaf: { cert: leaf.cert, key: leaf.key } };
}

/** The Secret data for a set of certificates (see the layout above). */
export function toSecretData(certs: ManagedCertificates): SecretData {
  return {
    [SECRET_KEYS.cert]: certs.leaf.cert,
    [SECRET_KEYS.key]: certs.leaf.key,
    [SECRET_KEYS.caCert]: joinPem(certs.caBundle),
    [SECRET_KEYS.caKey]: certs.ca.key,
  };
}

/** What the server serves: the leaf, with the whole bundle as `ca`. */
export function toTlsMaterial(certs: ManagedCertificates): TlsMaterial {
  return { cert: certs.leaf.cert, key: certs.leaf.key, ca: joinPem(certs.caBundle) };
}

/**
 * The SANs for an in-cluster Service, as the API server may address it (`svc`, `svc.ns`, `svc.ns.svc`),
 * followed by any extra `--tls-dns` names, deduplicated in order.
 */
export function serviceDnsNames(service: string, namespace: string, extra: readonly string[] = []): string[] {
  return [...new Set([service, `${service}.${namespace}`, `${service}.${namespace}.svc`, ...extra])];
}
