/**
 * The configuration file: its types, the embedded default, and validation that reports every
 * problem at once (by path and reason) so an operator fixes a ConfigMap in one round trip.
 * Parsing is pure; reading the file lives in `load.ts`.
 */
import { parseDocument } from 'yaml';
import { DOCKER_HUB, domainRegExp, repositoryPathRegExp } from '../core/image-ref.js';
import type { RewritePolicy, RewriteRule } from '../core/rewrite.js';

import type { OwnerExclusion } from '../core/mutate-pod.js';
import { MODES, type Mode } from '../core/scope.js';

// The core owns these types; re-exported for the configuration's readers.
export { MODES, type Mode, type OwnerExclusion };

/** How a proxy host is probed, and reached for verification (its scheme and TLS settings). */
export interface ProbeSettings {
  /** `https://<proxy host>/v2/` unless given; Harbor users set `https://<host>/api/v2.0/health`. */
  readonly url: string;
  /** PEM bundle to trust instead of the system CAs. */
  readonly caFile: string | undefined;
  readonly insecureSkipVerify: boolean;
}

/** A rule as configured: the rewrite engine's rule plus how its proxy host is probed. */
export interface ConfigRule extends RewriteRule {
  /** Absent: `https://<proxy host>/v2/` with the system CAs (or another rule's probe for the same host). */
  readonly probe?: ProbeSettings | undefined;
}

/** Background probing of the proxy hosts; images of an unhealthy one are left as written. */
export interface HealthSettings {
  readonly enabled: boolean;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  /** Consecutive failed probes that make a healthy host unhealthy. */
  readonly failureThreshold: number;
  /** Consecutive good probes that make an unhealthy host healthy again. */
  readonly successThreshold: number;
}

export interface SecretReference {
  readonly namespace: string;
  readonly name: string;
}

/** Per-image verification: a manifest HEAD through the proxy before an image is rewritten. */
export interface VerifySettings {
  readonly enabled: boolean;
  /** A `kubernetes.io/dockerconfigjson` Secret read through the API (needs `get` on it). */
  readonly credentialsSecret: SecretReference | undefined;
  /** A mounted dockerconfigjson file (preferred: no Secret RBAC). Neither: anonymous requests. */
  readonly credentialsFile: string | undefined;
  /** How long an answer (found or not found) is trusted. */
  readonly ttlSeconds: number;
  /** The longest one review waits for verification; what has not answered by then is left as written. */
  readonly budgetMilliseconds: number;
  /** CA bundle for manifest requests; default: the host's `probe.caFile`, else the system CAs. */
  readonly caFile: string | undefined;
  readonly insecureSkipVerify: boolean;
}

export interface Config {
  readonly mode: Mode;
  readonly rules: readonly ConfigRule[];
  readonly exclude: { readonly images: readonly string[]; readonly owners: readonly OwnerExclusion[] };
  readonly pullSecrets: readonly string[];
  readonly health: HealthSettings;
  readonly verify: VerifySettings;
}

export interface ConfigIssue {
  /** Dotted path into the document, e.g. `rules[1].proxy`; `''` for the document itself. */
  readonly path: string;
  readonly message: string;
}

/** Every problem found in one configuration document. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'PT_ERR_CONFIG';
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid configuration in ${source}:\n` +
        issues
          .map((issue) => `  - ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`)
          .join('\n'),
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Health probing is off unless asked for: the quick start runs with no reachable Harbor. */
export const DEFAULT_HEALTH: HealthSettings = deepFreeze({
  enabled: false,
  intervalSeconds: 10,
  timeoutSeconds: 2,
  failureThreshold: 3,
  successThreshold: 1,
});

export const DEFAULT_VERIFY: VerifySettings = deepFreeze({
  enabled: false,
  credentialsSecret: undefined,
  credentialsFile: undefined,
  ttlSeconds: 300,
  budgetMilliseconds: 300,
  caFile: undefined,
  insecureSkipVerify: false,
});

/** What pullthrough does with no configuration file: the Harbor setup of the user scenarios. */
export const DEFAULT_CONFIG: Config = deepFreeze({
  mode: 'enforce',
  rules: [{ registry: DOCKER_HUB, proxy: 'harbor.ingress.local/proxy_cache' }],
  exclude: { images: [], owners: [] },
  pullSecrets: ['regcred-harbor'],
  health: DEFAULT_HEALTH,
  verify: DEFAULT_VERIFY,
});

/** `host[:port]` of a rule's proxy (`harbor.local/proxy_cache` → `harbor.local`). */
export function proxyHostOf(proxy: string): string {
  const slash = proxy.indexOf('/');
  return slash === -1 ? proxy : proxy.slice(0, slash);
}

/** The probe a proxy host gets when no rule for it configures one. */
export function defaultProbe(host: string): ProbeSettings {
  return { url: `https://${host}/v2/`, caFile: undefined, insecureSkipVerify: false };
}

/** The probe of a proxy host: the one a rule for it configures, else the default. */
export function probeOf(config: Config, host: string): ProbeSettings {
  const configured = config.rules.find(
    (rule) => rule.probe !== undefined && proxyHostOf(rule.proxy) === host,
  );
  return configured?.probe ?? defaultProbe(host);
}

/** The rewrite engine's view of a configuration. */
export function rewritePolicyOf(config: Config): RewritePolicy {
  return { rules: config.rules, excludeImages: config.exclude.images };
}

// Kubernetes object names (Secrets): RFC 1123 subdomain, at most 253 characters.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// First segment of an exclusion glob: a registry, or a wildcard that stands for one.
const globRegistry = /^(\*|localhost|[^/]*[.:*?[][^/]*)(\/|$)/;

type Issues = ConfigIssue[];

class Reader {
  constructor(readonly issues: Issues) {}

  report(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Reports keys the schema does not know, so a typo is an error rather than a silent default. */
  mapping(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.report(path, `must be a mapping, got ${describe(value)}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!known.includes(key))
        this.report(join(path, key), `unknown key (expected one of: ${known.join(', ')})`);
    }
    return record;
  }

  list(value: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.report(path, `must be a list, got ${describe(value)}`);
      return undefined;
    }
    return value as unknown[];
  }

  string(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || value === '') {
      this.report(path, `must be a non-empty string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** An optional boolean: `fallback` when absent. */
  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.report(path, `must be true or false, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  /** An optional number within bounds: `fallback` when absent. */
  number(value: unknown, path: string, bounds: NumberBounds, fallback: number): number {
    if (value === undefined) return fallback;
    const { min, max, integer = false } = bounds;
    const kind = integer ? 'an integer' : 'a number';
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      this.report(path, `must be ${kind} from ${min} to ${max}, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }
}

interface NumberBounds {
  /** Inclusive. */
  readonly min: number;
  /** Inclusive. */
  readonly max: number;
  readonly integer?: boolean;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function readSecretNames(reader: Reader, value: unknown, path: string): string[] {
  const names: string[] = [];
  (reader.list(value, path) ?? []).forEach((item, index) => {
    const name = reader.string(item, join(path, index));
    if (name === undefined) return;
    if (name.length > 253 || !dnsSubdomain.test(name)) {
      reader.report(join(path, index), `"${name}" is not a valid Secret name (lowercase RFC 1123 subdomain)`);
    } else if (names.includes(name)) {
      reader.report(join(path, index), `"${name}" is listed twice`);
    } else {
      names.push(name);
    }
  });
  return names;
}

function readRegistry(reader: Reader, value: unknown, path: string): string | undefined {
  const registry = reader.string(value, path);
  if (registry === undefined) return undefined;
  if (!domainRegExp.test(registry) || (!/[.:]/.test(registry) && registry !== 'localhost')) {
    reader.report(
      path,
      `"${registry}" is not a registry host (expected a host name with a dot or a port, localhost, or an IP, e.g. docker.io, quay.io, localhost:5000)`,
    );
    return undefined;
  }
  // Docker's own alias: images written as index.docker.io/... normalize to docker.io.
  return registry === 'index.docker.io' ? DOCKER_HUB : registry;
}

function readProxy(reader: Reader, value: unknown, path: string): string | undefined {
  const proxy = reader.string(value, path);
  if (proxy === undefined) return undefined;
  const slash = proxy.indexOf('/');
  const host = slash === -1 ? proxy : proxy.slice(0, slash);
  const project = slash === -1 ? '' : proxy.slice(slash + 1);
  if (/^[a-z]+:\/\//i.test(proxy)) {
    reader.report(path, `"${proxy}" must not have a scheme; write host[:port]/project`);
  } else if (!domainRegExp.test(host) || (!/[.:]/.test(host) && host !== 'localhost')) {
    reader.report(path, `"${proxy}" must start with a registry host (with a dot or a port, or localhost)`);
  } else if (project === '' || !repositoryPathRegExp.test(project)) {
    reader.report(
      path,
      `"${proxy}" must be host[:port]/project with a lowercase project path (e.g. harbor.example.com/proxy_cache)`,
    );
  } else {
    return proxy;
  }
  return undefined;
}

/** An http(s) URL without credentials (it is logged), or undefined after a reported problem. */
function readUrl(reader: Reader, value: unknown, path: string): string | undefined {
  const text = reader.string(value, path);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    reader.report(path, `"${text}" is not a URL (expected e.g. https://harbor.example.com/api/v2.0/health)`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    reader.report(path, `"${text}" must be an https:// or http:// URL`);
  } else if (url.username !== '' || url.password !== '') {
    reader.report(path, 'must not carry credentials');
  } else {
    return text;
  }
  return undefined;
}

function readProbe(reader: Reader, value: unknown, path: string, host: string | undefined): ProbeSettings {
  const record = reader.mapping(value, path, ['url', 'caFile', 'insecureSkipVerify']) ?? {};
  const fallback = defaultProbe(host ?? 'localhost');
  const url = record.url === undefined ? fallback.url : readUrl(reader, record.url, join(path, 'url'));
  const caFile = record.caFile === undefined ? undefined : reader.string(record.caFile, join(path, 'caFile'));
  const insecureSkipVerify = reader.boolean(
    record.insecureSkipVerify,
    join(path, 'insecureSkipVerify'),
    fallback.insecureSkipVerify,
  );
  return { url: url ?? fallback.url, caFile, insecureSkipVerify };
}

const sameProbe = (a: ProbeSettings, b: ProbeSettings): boolean =>
  a.url === b.url && a.caFile === b.caFile && a.insecureSkipVerify === b.insecureSkipVerify;

/** Rules that share a proxy host share its probe: two different ones cannot both be right. */
function checkSharedProbes(reader: Reader, rules: readonly (ConfigRule & { index: number })[]): void {
  rules.forEach((rule, position) => {
    if (rule.probe === undefined) return;
    const host = proxyHostOf(rule.proxy);
    const earlier = rules
      .slice(0, position)
      .find((other) => other.probe !== undefined && proxyHostOf(other.proxy) === host);
    if (earlier?.probe !== undefined && !sameProbe(earlier.probe, rule.probe)) {
      reader.report(
        join(join('rules', rule.index), 'probe'),
        `differs from rules[${earlier.index}].probe for the same proxy host ${host}; rules that share a host share one probe`,
      );
    }
  });
}

function readRules(reader: Reader, value: unknown): ConfigRule[] {
  const rules: (ConfigRule & { index: number })[] = [];
  const items = reader.list(value, 'rules') ?? [];
  if (Array.isArray(value) && items.length === 0) reader.report('rules', 'at least one rule is required');
  items.forEach((item, index) => {
    const path = join('rules', index);
    const record = reader.mapping(item, path, ['registry', 'proxy', 'pullSecrets', 'probe']);
    if (record === undefined) return;
    const registry = readRegistry(reader, record.registry, join(path, 'registry'));
    const proxy = readProxy(reader, record.proxy, join(path, 'proxy'));
    const pullSecrets =
      record.pullSecrets === undefined
        ? undefined
        : readSecretNames(reader, record.pullSecrets, join(path, 'pullSecrets'));
    const probe =
      record.probe === undefined
        ? undefined
        : readProbe(reader, record.probe, join(path, 'probe'), proxy && proxyHostOf(proxy));
    if (registry !== undefined && rules.some((rule) => rule.registry === registry)) {
      reader.report(join(path, 'registry'), `"${registry}" already has a rule; one rule per registry`);
      return;
    }
    if (registry === undefined || proxy === undefined) return;
    rules.push(
      probe === undefined
        ? { registry, proxy, pullSecrets, index }
        : { registry, proxy, pullSecrets, probe, index },
    );
  });
  checkSharedProbes(reader, rules);
  return rules.map(({ index: _index, ...rule }) => rule);
}

function readHealth(reader: Reader, value: unknown): HealthSettings {
  const known = ['enabled', 'intervalSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'];
  const record = reader.mapping(value, 'health', known) ?? {};
  const d = DEFAULT_HEALTH;
  return {
    enabled: reader.boolean(record.enabled, 'health.enabled', d.enabled),
    intervalSeconds: reader.number(
      record.intervalSeconds,
      'health.intervalSeconds',
      { min: 0.05, max: 3600 },
      d.intervalSeconds,
    ),
    timeoutSeconds: reader.number(
      record.timeoutSeconds,
      'health.timeoutSeconds',
      { min: 0.05, max: 60 },
      d.timeoutSeconds,
    ),
    failureThreshold: reader.number(
      record.failureThreshold,
      'health.failureThreshold',
      { min: 1, max: 100, integer: true },
      d.failureThreshold,
    ),
    successThreshold: reader.number(
      record.successThreshold,
      'health.successThreshold',
      { min: 1, max: 100, integer: true },
      d.successThreshold,
    ),
  };
}

// Namespaces are RFC 1123 labels.
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function readSecretReference(reader: Reader, value: unknown, path: string): SecretReference | undefined {
  const record = reader.mapping(value, path, ['namespace', 'name']);
  if (record === undefined) return undefined;
  const namespace = reader.string(record.namespace, join(path, 'namespace'));
  const name = reader.string(record.name, join(path, 'name'));
  if (namespace !== undefined && !dnsLabel.test(namespace)) {
    reader.report(
      join(path, 'namespace'),
      `"${namespace}" is not a valid namespace (lowercase RFC 1123 label)`,
    );
    return undefined;
  }
  if (name !== undefined && (name.length > 253 || !dnsSubdomain.test(name))) {
    reader.report(join(path, 'name'), `"${name}" is not a valid Secret name (lowercase RFC 1123 subdomain)`);
    return undefined;
  }
  return namespace === undefined || name === undefined ? undefined : { namespace, name };
}

function readVerify(reader: Reader, value: unknown): VerifySettings {
  const known = [
    'enabled',
    'credentialsSecret',
    'credentialsFile',
    'ttlSeconds',
    'budgetMilliseconds',
    'caFile',
    'insecureSkipVerify',
  ];
  const record = reader.mapping(value, 'verify', known) ?? {};
  const d = DEFAULT_VERIFY;
  const credentialsSecret =
    record.credentialsSecret === undefined
      ? undefined
      : readSecretReference(reader, record.credentialsSecret, 'verify.credentialsSecret');
  const credentialsFile =
    record.credentialsFile === undefined
      ? undefined
      : reader.string(record.credentialsFile, 'verify.credentialsFile');
  if (record.credentialsSecret !== undefined && record.credentialsFile !== undefined) {
    reader.report('verify', 'set credentialsSecret or credentialsFile, not both');
  }
  return {
    enabled: reader.boolean(record.enabled, 'verify.enabled', d.enabled),
    credentialsSecret,
    credentialsFile,
    ttlSeconds: reader.number(record.ttlSeconds, 'verify.ttlSeconds', { min: 1, max: 86_400 }, d.ttlSeconds),
    // The API server waits at most 30 s for a webhook (10 s by default); the budget must fit well inside.
    budgetMilliseconds: reader.number(
      record.budgetMilliseconds,
      'verify.budgetMilliseconds',
      { min: 1, max: 10_000, integer: true },
      d.budgetMilliseconds,
    ),
    caFile: record.caFile === undefined ? undefined : reader.string(record.caFile, 'verify.caFile'),
    insecureSkipVerify: reader.boolean(
      record.insecureSkipVerify,
      'verify.insecureSkipVerify',
      d.insecureSkipVerify,
    ),
  };
}

function readExclusions(reader: Reader, value: unknown): Config['exclude'] {
  const record = reader.mapping(value, 'exclude', ['images', 'owners']);
  const images: string[] = [];
  const owners: OwnerExclusion[] = [];
  if (record === undefined) return { images, owners };
  (record.images === undefined ? [] : (reader.list(record.images, 'exclude.images') ?? [])).forEach(
    (item, index) => {
      const path = join('exclude.images', index);
      const glob = reader.string(item, path);
      if (glob === undefined) return;
      if (!globRegistry.test(glob)) {
        reader.report(
          path,
          `"${glob}" must start with a registry: patterns match normalized references such as docker.io/library/postgres:16`,
        );
      } else {
        images.push(glob);
      }
    },
  );
  (record.owners === undefined ? [] : (reader.list(record.owners, 'exclude.owners') ?? [])).forEach(
    (item, index) => {
      const path = join('exclude.owners', index);
      const owner = reader.mapping(item, path, ['apiGroup', 'kind']);
      if (owner === undefined) return;
      const apiGroup = owner.apiGroup ?? '';
      if (typeof apiGroup !== 'string')
        reader.report(join(path, 'apiGroup'), 'must be a string ("" for core)');
      const kind = reader.string(owner.kind, join(path, 'kind'));
      if (typeof apiGroup === 'string' && kind !== undefined) owners.push({ apiGroup, kind });
    },
  );
  return { images, owners };
}

/** Validates an already-parsed document (YAML or JSON). Throws {@link ConfigError} with every issue. */
export function validateConfig(document: unknown, source: string): Config {
  const issues: Issues = [];
  const reader = new Reader(issues);
  const root = reader.mapping(document, '', ['mode', 'rules', 'exclude', 'pullSecrets', 'health', 'verify']);
  if (root === undefined) throw new ConfigError(source, issues);

  let mode: Mode = DEFAULT_CONFIG.mode;
  if (root.mode !== undefined) {
    if (MODES.includes(root.mode as Mode)) mode = root.mode as Mode;
    else reader.report('mode', `must be one of ${MODES.join(', ')}, got ${describe(root.mode)}`);
  }
  const rules = root.rules === undefined ? [...DEFAULT_CONFIG.rules] : readRules(reader, root.rules);
  const exclude =
    root.exclude === undefined ? { images: [], owners: [] } : readExclusions(reader, root.exclude);
  const pullSecrets =
    root.pullSecrets === undefined
      ? [...DEFAULT_CONFIG.pullSecrets]
      : readSecretNames(reader, root.pullSecrets, 'pullSecrets');
  const health = root.health === undefined ? { ...DEFAULT_HEALTH } : readHealth(reader, root.health);
  const verify = root.verify === undefined ? { ...DEFAULT_VERIFY } : readVerify(reader, root.verify);

  if (issues.length > 0) throw new ConfigError(source, issues);
  return deepFreeze({ mode, rules, exclude, pullSecrets, health, verify });
}

/**
 * Aliases expanded while building the value. A configuration needs a handful; a "billion laughs"
 * document needs thousands, and the library refuses it past this count instead of allocating.
 */
export const MAX_YAML_ALIASES = 100;

/** The document's value; any failure to build it (an alias bomb) is a configuration error, never a crash. */
function documentValue(document: ReturnType<typeof parseDocument>, source: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(source, [{ path: '', message: `cannot read the YAML: ${reason}` }]);
  }
}

/** Parses and validates a YAML configuration text. An empty document means the embedded default. */
export function parseConfig(text: string, source: string): Config {
  // prettyErrors puts "at line L, column C" in each message; the first line is the useful part.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => ({
        path: '',
        message: (error.message.split('\n')[0] ?? error.code).replace(/:$/, ''),
      })),
    );
  }
  const value = documentValue(document, source);
  if (value === null || value === undefined) return DEFAULT_CONFIG;
  return validateConfig(value, source);
}
