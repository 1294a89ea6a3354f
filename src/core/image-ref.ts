/**
 * Image references, parsed and normalized exactly as Docker and containerd do
 * (github.com/distribution/reference, `ParseNormalizedNamed`, v0.6.0 behaviour).
 *
 * Grammar (as upstream documents it):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] remote-name
 *   domain           := host [':' port-number]
 *   host             := domain-name | IPv4address | \[ IPv6address \]
 *   domain-name      := domain-component ['.' domain-component]*
 *   domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
 *   port-number      := /[0-9]+/
 *   path-component   := alpha-numeric [separator alpha-numeric]*
 *   remote-name      := path-component ['/' path-component]*
 *   alpha-numeric    := /[a-z0-9]+/
 *   separator        := /[_.]|__|[-]+/
 *   tag              := /[\w][\w.-]{0,127}/
 *   digest           := algorithm ":" hex   ; algorithm components joined by [-_+.], hex of 32+ digits
 *   identifier       := /[a-f0-9]{64}/
 *
 * Normalization: the first path component is a registry only if it is `localhost`, contains `.`
 * or `:`, or has an uppercase letter; otherwise the registry is `docker.io`. `index.docker.io`
 * means `docker.io`, and a one-component Docker Hub name lives under `library/`.
 *
 * Pure: no I/O. Every failure is an {@link ImageReferenceError} whose message is the one the Go
 * parser gives, so operators can match what `docker pull` or the kubelet would say.
 */

const alphanumeric = '[a-z0-9]+';
// One period, one or two underscores, or any number of dashes (dashes so hostnames can be names).
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
// Compressed or full IPv6 in brackets; zone identifiers and IPv4-mapped forms are excluded upstream.
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6Address})(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegExp = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const anchoredNameRegExp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const identifierRegExp = /^[a-f0-9]{64}$/;

/** The domain-and-port grammar, for validating registry names in configuration. */
export const domainRegExp = new RegExp(`^${domainAndPort}$`);
/** The repository-path grammar (`remote-name`), for validating proxy project paths. */
export const repositoryPathRegExp = new RegExp(`^${remoteName}$`);

/**
 * A host that the parser takes for a registry when it leads a reference: `localhost`, a name with a
 * dot, an IPv6 literal, or anything with a port. The configuration schema builds its patterns from
 * this (unanchored, RE2- and ECMAScript-compatible: Helm validates the same schema in Go).
 */
export const registryHostPattern =
  `(?:(?:localhost|${domainNameComponent}(?:\\.${domainNameComponent})+|${ipv6Address})(?::[0-9]+)?` +
  `|${domainName}:[0-9]+)`;
/** The repository-path grammar as an unanchored pattern source. */
export const repositoryPathPattern = remoteName;

/** Upstream's limit counts the path only (v0.6.0), after `library/` has been inserted. */
export const MAX_REPOSITORY_PATH_LENGTH = 255;
export const DOCKER_HUB = 'docker.io';
/** Docker's old name for Docker Hub; the parser reads it as `docker.io`. */
export const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

/** Digest algorithms containerd and Docker register, with their hex length. */
const digestHexLength: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

export type ImageReferenceErrorCode =
  | 'INVALID_FORMAT'
  | 'NAME_CONTAINS_UPPERCASE'
  | 'NAME_EMPTY'
  | 'NAME_TOO_LONG'
  | 'IDENTIFIER_NOT_ALLOWED'
  | 'DIGEST_INVALID_FORMAT'
  | 'DIGEST_INVALID_LENGTH'
  | 'DIGEST_UNSUPPORTED';

/** The only error the parser throws. `message` is the Go parser's text for the same input. */
export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
  constructor(
    readonly code: ImageReferenceErrorCode,
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

/** A parsed, normalized reference. Tag and digest are kept exactly as written (both may be set). */
export interface ImageReference {
  /** Normalized registry: `docker.io` for Docker Hub, otherwise as written (`localhost:5000`, `[::1]:5000`). */
  readonly domain: string;
  /** Repository path within the registry, with `library/` for official Docker Hub images. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

const fail = (code: ImageReferenceErrorCode, message: string, input: string): never => {
  throw new ImageReferenceError(code, message, input);
};

/** Splits a name into registry and remainder by Docker's rules (upstream `splitDockerDomain`). */
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/');
  // One element ("ubuntu", "ubuntu:22.04"): always Docker Hub, never "host:port".
  if (slash === -1) return [DOCKER_HUB, OFFICIAL_PREFIX + name];
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (first === 'localhost' || (first !== LEGACY_DOCKER_HUB && /[.:]/.test(first))) {
    [domain, remainder] = [first, rest];
  } else if (first === LEGACY_DOCKER_HUB) {
    [domain, remainder] = [DOCKER_HUB, rest];
  } else if (first.toLowerCase() !== first) {
    // Path components are lowercase, so an uppercase first element can only be a host.
    [domain, remainder] = [first, rest];
  } else {
    [domain, remainder] = [DOCKER_HUB, name];
  }
  if (domain === DOCKER_HUB && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return [domain, remainder];
}

// go-digest's own digest grammar (lowercase algorithms), consulted for algorithms it does not know.
const goDigestRegExp = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** go-digest v1.0.0 `Validate`: a registered algorithm, hex of exactly its length, lowercase. */
function validateDigest(digest: string, input: string): void {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = digestHexLength[algorithm];
  if (length === undefined) {
    if (!goDigestRegExp.test(digest)) fail('DIGEST_INVALID_FORMAT', 'invalid checksum digest format', input);
    return fail('DIGEST_UNSUPPORTED', 'unsupported digest algorithm', input);
  }
  if (hex.length !== length) fail('DIGEST_INVALID_LENGTH', 'invalid checksum digest length', input);
  if (!/^[a-f0-9]+$/.test(hex)) fail('DIGEST_INVALID_FORMAT', 'invalid checksum digest format', input);
}

/**
 * Go's `strings.ToLower` uses simple case mappings; JavaScript's full mapping turns U+0130 (İ) into
 * two code points where Go gives a plain `i`. No other difference can change what the ASCII-only
 * grammar accepts.
 */
const goToLower = (text: string): string => text.replace(/\u0130/g, 'i').toLowerCase();

/** Upstream `Parse` on the already-normalized `domain/remainder` string. */
function parseCanonical(candidate: string, input: string): ImageReference {
  const match = referenceRegExp.exec(candidate);
  if (match === null) {
    const lower = goToLower(candidate);
    if (lower !== candidate && referenceRegExp.test(lower)) {
      fail('NAME_CONTAINS_UPPERCASE', 'repository name must be lowercase', input);
    }
    return fail('INVALID_FORMAT', 'invalid reference format', input);
  }
  const [, name = '', tag, digest] = match;
  const nameMatch = anchoredNameRegExp.exec(name);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch?.[2] ?? name;
  if (path.length > MAX_REPOSITORY_PATH_LENGTH) {
    fail(
      'NAME_TOO_LONG',
      `repository name must not be more than ${MAX_REPOSITORY_PATH_LENGTH} characters`,
      input,
    );
  }
  if (digest !== undefined) validateDigest(digest, input);
  return { domain, path, tag, digest };
}

/**
 * Parses a reference as written in a Pod spec and normalizes its name (upstream
 * `ParseNormalizedNamed`). Throws {@link ImageReferenceError} and nothing else.
 */
export function parseImageReference(input: string): ImageReference {
  if (typeof input !== 'string') return fail('INVALID_FORMAT', 'invalid reference format', String(input));
  if (identifierRegExp.test(input)) {
    fail(
      'IDENTIFIER_NOT_ALLOWED',
      `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`,
      input,
    );
  }
  const [domain, remainder] = splitDockerDomain(input);
  const tagSeparator = remainder.indexOf(':');
  const remote = tagSeparator === -1 ? remainder : remainder.slice(0, tagSeparator);
  if (remote.toLowerCase() !== remote) {
    fail('INVALID_FORMAT', `invalid reference format: repository name (${remote}) must be lowercase`, input);
  }
  return parseCanonical(`${domain}/${remainder}`, input);
}

/**
 * `domain/path`: the repository, without tag or digest. The domain is empty in Go's one odd case:
 * a dotted first component that is no valid host but a valid path (`foo_bar.com/baz`).
 */
export function repositoryOf(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** `:tag@digest` as written, or `:latest` when neither was given (what the kubelet pulls). */
export function suffixOf(ref: ImageReference): string {
  if (ref.tag === undefined && ref.digest === undefined) return ':latest';
  return (ref.tag === undefined ? '' : `:${ref.tag}`) + (ref.digest === undefined ? '' : `@${ref.digest}`);
}

/** The full canonical form: `docker.io/library/httpd:latest`, `quay.io/a/b:1@sha256:…`. */
export function formatNormalized(ref: ImageReference): string {
  return repositoryOf(ref) + suffixOf(ref);
}
