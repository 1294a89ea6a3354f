/**
 * Kubernetes names, as the API server validates them: the configuration's schema and the CLI's
 * flags check the same patterns, so a name one accepts the other does too. Pure.
 */

/** Object names (Secrets, Leases): an RFC 1123 subdomain of at most 253 characters. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const DNS_SUBDOMAIN_MAX_LENGTH = 253;

/** Namespaces: an RFC 1123 label (at most 63 characters, in the pattern). */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

const dnsSubdomain = new RegExp(DNS_SUBDOMAIN_PATTERN);
const dnsLabel = new RegExp(DNS_LABEL_PATTERN);

export const isObjectName = (value: string): boolean =>
  value.length <= DNS_SUBDOMAIN_MAX_LENGTH && dnsSubdomain.test(value);

export const isNamespaceName = (value: string): boolean => dnsLabel.test(value);
