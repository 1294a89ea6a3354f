/**
 * The configuration file: its types, the embedded default, and validation that reports every
 * problem at once (by path and reason) so an operator fixes a ConfigMap in one round trip. The
 * format itself is the JSON Schema in `schema.ts`; this module adds what a schema cannot say.
 * Parsing is pure; reading the file lives in `load.ts`.
 */
import type { ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { DOCKER_HUB, LEGACY_DOCKER_HUB, MAX_REPOSITORY_PATH_LENGTH } from '../core/image-ref.js';
import { lowercaseHost, targetsOf, type RewritePolicy, type RewriteRule } from '../core/rewrite.js';
import { validate as generatedValidator } from './config-validator.generated.js';
import { CONFIG_SCHEMA, type SchemaNode } from './schema.js';

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

/** The `default` of each property of a schema object (absent ones stay undefined). */
function schemaDefaults(node: SchemaNode | undefined): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(node?.properties ?? {}).map(([key, property]) => [key, property.default]),
  );
}

/** Health probing is off unless asked for: the quick start runs with no reachable Harbor. */
export const DEFAULT_HEALTH: HealthSettings = deepFreeze(
  structuredClone(schemaDefaults(CONFIG_SCHEMA.properties?.health)) as unknown as HealthSettings,
);

export const DEFAULT_VERIFY: VerifySettings = deepFreeze(
  structuredClone(schemaDefaults(CONFIG_SCHEMA.properties?.verify)) as unknown as VerifySettings,
);

/** What pullthrough does with no configuration file: the Harbor setup of the user scenarios. */
export const DEFAULT_CONFIG: Config = deepFreeze({
  ...(structuredClone(schemaDefaults(CONFIG_SCHEMA)) as Pick<Config, 'mode' | 'rules' | 'pullSecrets'>),
  exclude: { images: [], owners: [] },
  health: DEFAULT_HEALTH,
  verify: DEFAULT_VERIFY,
});

/** `host[:port]` of a proxy target (`harbor.local/proxy_cache` → `harbor.local`, `mirror:5000` → itself). */
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
    (rule) => rule.probe !== undefined && targetsOf(rule).some((proxy) => proxyHostOf(proxy) === host),
  );
  return configured?.probe ?? defaultProbe(host);
}

/** The rewrite engine's view of a configuration. */
export function rewritePolicyOf(config: Config): RewritePolicy {
  return { rules: config.rules, excludeImages: config.exclude.images };
}

// ---------------------------------------------------------------------------------------------
// Validation: the JSON Schema (`schema.ts`) through ajv, every error by path in words an operator
// reads, then a small semantic pass for what a schema cannot say.

/** What ajv's validators are to their callers: a verdict, and the errors of the last call. */
type DocumentValidator = ((document: unknown) => boolean) & { errors?: ErrorObject[] | null };

/**
 * The schema's validator, generated ahead of time (`npm run generate:config`, options in
 * `reference.ts`): loading ajv and compiling the schema cost tens of milliseconds on every start.
 */
const validateDocument = generatedValidator as unknown as DocumentValidator;

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

/** `/rules/0/proxy` (a JSON Pointer) → `rules[0].proxy`. */
function dottedPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<string>(
      (path, segment) => join(path, /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment),
      '',
    );
}

const numberKinds: Readonly<Record<string, string>> = { number: 'a number', integer: 'an integer' };
const plainExpectations: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  boolean: 'true or false',
};

/** What a schema node expects, as the end of "must be …". */
function expectation(node: SchemaNode): string {
  const type = node.type ?? '';
  const plain = plainExpectations[type];
  if (plain !== undefined) return plain;
  const kind = numberKinds[type];
  if (kind !== undefined) {
    const bounded = node.minimum !== undefined && node.maximum !== undefined;
    return bounded ? `${kind} from ${node.minimum} to ${node.maximum}` : kind;
  }
  if (node.enum !== undefined) return `one of ${node.enum.join(', ')}`;
  return (node.minLength ?? 0) > 0 ? 'a non-empty string' : 'a string';
}

type Explain = (error: ErrorObject, path: string, node: SchemaNode) => ConfigIssue;

/** Keywords whose errors need more than "must be <expectation>, got <value>". */
const explanations: Readonly<Record<string, Explain>> = {
  additionalProperties(error, path, node) {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(node.properties ?? {}).join(', ');
    return { path: join(path, key), message: `unknown key (expected one of: ${known})` };
  },
  required(error, path, node) {
    const key = (error.params as { missingProperty: string }).missingProperty;
    const property = node.properties?.[key] ?? {};
    return { path: join(path, key), message: `must be ${expectation(property)}, got nothing` };
  },
  oneOf(error, path, node) {
    const keys = (node.oneOf ?? []).flatMap((branch) => branch.required ?? []).join(', ');
    const passing = (error.params as { passingSchemas: number[] | null }).passingSchemas;
    return { path, message: passing === null ? `needs one of: ${keys}` : `set only one of: ${keys}` };
  },
  uniqueItems(error, path) {
    // ajv scans from the end: `j` is the later of the two equal items, the one to remove.
    const { j } = error.params as { i: number; j: number };
    const item: unknown = Array.isArray(error.data) ? (error.data as unknown[])[j] : undefined;
    return { path: join(path, j), message: `${JSON.stringify(item)} is listed twice` };
  },
  minItems(error, path) {
    const limit = (error.params as { limit: number }).limit;
    return { path, message: `must list at least ${limit} item${limit === 1 ? '' : 's'}` };
  },
  maxItems(error, path) {
    const limit = (error.params as { limit: number }).limit;
    return { path, message: `must list at most ${limit} items` };
  },
  maxLength(_error, path, node) {
    return { path, message: `must be at most ${node.maxLength} characters long` };
  },
  pattern(error, path, node) {
    const reason = node.errorMessage ?? `must match ${node.pattern}`;
    return { path, message: `${JSON.stringify(error.data)} ${reason}` };
  },
};

/** One ajv error as a {@link ConfigIssue}, or undefined for errors another one already explains. */
function issueOf(error: ErrorObject): ConfigIssue | undefined {
  // A failed oneOf branch (`required: [proxy]`) is explained by the oneOf error itself.
  if (/\/oneOf\/\d+\//.test(error.schemaPath)) return undefined;
  const path = dottedPath(error.instancePath);
  const node = (error.parentSchema ?? {}) as SchemaNode;
  const explain = explanations[error.keyword];
  if (explain !== undefined) return explain(error, path, node);
  // type, enum, minimum, maximum, minLength: what the value should have been.
  return { path, message: `must be ${expectation(node)}, got ${describe(error.data)}` };
}

/**
 * Where a dotted path sits in the document, for sorting issues the way the file reads: each
 * segment's position among its parent's keys (or its list index); a missing key sorts last.
 */
function documentPosition(document: unknown, path: string): number[] {
  const position: number[] = [];
  let node = document;
  for (const [, key, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (index !== undefined) {
      position.push(Number(index));
      node = Array.isArray(node) ? (node as unknown[])[Number(index)] : undefined;
    } else if (key !== undefined) {
      const keys = node !== null && typeof node === 'object' ? Object.keys(node) : [];
      const at = keys.indexOf(key);
      position.push(at === -1 ? keys.length : at);
      node = at === -1 ? undefined : (node as Record<string, unknown>)[key];
    }
  }
  return position;
}

function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return a.length - b.length;
}

/** Issues in document order; the sort is stable, so one path's issues keep their order. */
function inDocumentOrder(document: unknown, issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue) => ({ issue, position: documentPosition(document, issue.path) }))
    .sort((a, b) => comparePositions(a.position, b.position))
    .map(({ issue }) => issue);
}

/** Schema errors, one per path (the first: a wrong type makes its other errors noise). */
function schemaIssues(errors: readonly ErrorObject[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const issue = issueOf(error);
    if (issue === undefined || seen.has(issue.path)) continue;
    seen.add(issue.path);
    issues.push(issue);
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// The document as the schema guarantees it, and what the semantic pass adds.

interface RawRule {
  readonly registry: string;
  readonly proxy?: string;
  readonly proxies?: readonly string[];
  readonly match?: readonly string[];
  readonly stripPrefix?: string;
  readonly pullSecrets?: readonly string[];
  readonly probe?: { readonly url?: string; readonly caFile?: string; readonly insecureSkipVerify?: boolean };
}

type Report = (path: string, message: string) => void;

interface IndexedRule {
  readonly rule: RawRule;
  /** Position in the file, for issue paths. */
  readonly index: number;
}

interface IndexedConfigRule {
  readonly rule: ConfigRule;
  readonly index: number;
}

interface RawConfig {
  readonly mode?: Mode;
  readonly rules?: readonly RawRule[];
  readonly exclude?: {
    readonly images?: readonly string[];
    readonly owners?: readonly { readonly apiGroup?: string; readonly kind: string }[];
  };
  readonly pullSecrets?: readonly string[];
  readonly health?: Partial<HealthSettings>;
  readonly verify?: Partial<Omit<VerifySettings, 'credentialsSecret'>> & {
    readonly credentialsSecret?: SecretReference;
  };
}

// First segment of an exclusion glob: a registry, or a wildcard that stands for one.
const globRegistry = /^(\*|localhost|[^/]*[.:*?[][^/]*)(\/|$)/;

/**
 * Docker's own alias: `index.docker.io/x` is parsed as `docker.io/x`, so a proxy written with it
 * would never be recognized as already proxied and would be prefixed again on every re-invocation.
 */
function normalizeHostAlias(target: string): string {
  return target === LEGACY_DOCKER_HUB || target.startsWith(`${LEGACY_DOCKER_HUB}/`)
    ? DOCKER_HUB + target.slice(LEGACY_DOCKER_HUB.length)
    : target;
}

const MAX_PORT = 65_535;

/** The grammar takes any digits for a port; a registry or cache behind port 0 or 70000 is a typo. */
function checkPort(hostAndPath: string, path: string, report: Report): void {
  const digits = /:([0-9]+)$/.exec(proxyHostOf(hostAndPath))?.[1];
  if (digits === undefined) return;
  const port = Number(digits);
  if (port < 1 || port > MAX_PORT) {
    report(path, `"${hostAndPath}" has port ${digits}; ports are 1 to ${MAX_PORT}`);
  }
}

/** The text before a glob's first wildcard: every string it matches starts with it. */
const literalPrefixOf = (glob: string): string => glob.slice(0, glob.search(/[*?]|$/));

/** Whether `inner` is `outer` or lies under it, as image repositories see them (hosts ignore case). */
function proxyWithin(inner: string, outer: string): boolean {
  const [lowerInner, lowerOuter] = [lowercaseHost(inner), lowercaseHost(outer)];
  return lowerInner === lowerOuter || lowerInner.startsWith(`${lowerOuter}/`);
}

/** A target whose own path leaves no room for `/` and one character of image path can take no image. */
function checkRoom(target: string, path: string, report: Report): void {
  const slash = target.indexOf('/');
  const length = slash === -1 ? 0 : target.length - slash - 1;
  if (length + 2 > MAX_REPOSITORY_PATH_LENGTH) {
    report(
      path,
      `"${target}" has a ${length}-character path: with "/" and an image path it exceeds the ${MAX_REPOSITORY_PATH_LENGTH}-character limit of repository names, so no image could go there`,
    );
  }
}

const sameProbe = (a: ProbeSettings, b: ProbeSettings): boolean =>
  a.url === b.url && a.caFile === b.caFile && a.insecureSkipVerify === b.insecureSkipVerify;

/** Match globs are over the normalized repository: one that cannot start with `<registry>/` is a mistake. */
function checkMatch(globs: readonly string[], registry: string, path: string, report: Report): void {
  const repositoryStart = `${registry}/`;
  globs.forEach((glob, position) => {
    const prefix = literalPrefixOf(glob);
    if (!prefix.startsWith(repositoryStart) && !repositoryStart.startsWith(prefix)) {
      report(
        join(join(path, 'match'), position),
        `"${glob}" can never match: this rule only sees ${registry} images, and match globs are over the normalized repository, e.g. ${registry}/team/app`,
      );
    }
  });
}

/** A stripPrefix that no matched repository can start with is a silent no-op: say so. */
function checkStripReachable(
  { globs, strip, registry }: { globs: readonly string[]; strip: string; registry: string },
  path: string,
  report: Report,
): void {
  const repositoryStart = `${registry}/${strip}`;
  const possible = globs.some((glob) => {
    const prefix = literalPrefixOf(glob);
    return prefix.startsWith(repositoryStart) || repositoryStart.startsWith(prefix);
  });
  if (!possible) {
    report(
      join(path, 'stripPrefix'),
      `"${strip}" can never apply: every repository this rule matches (${globs.join(', ')}) starts otherwise`,
    );
  }
}

/**
 * One rule checked and normalized. Options the semantic pass has nothing to say about pass through
 * as the schema accepted them, so a new rule option needs only the schema and the rewrite engine.
 */
function resolveRule(raw: RawRule, index: number, report: Report): ConfigRule {
  const path = join('rules', index);
  const { registry: written, proxy, proxies, probe, ...options } = raw;
  if (written !== written.toLowerCase()) {
    report(
      join(path, 'registry'),
      `"${written}" must be lowercase: rules match the registry as images are normalized (e.g. docker.io), so this rule would never apply; write "${written.toLowerCase()}"`,
    );
  }
  checkPort(written, join(path, 'registry'), report);
  (proxies ?? [proxy ?? '']).forEach((target, position) => {
    checkPort(
      target,
      proxies === undefined ? join(path, 'proxy') : join(join(path, 'proxies'), position),
      report,
    );
  });
  const registry = normalizeHostAlias(written);
  const targets = (proxies ?? [proxy ?? '']).map(normalizeHostAlias);
  if (options.match !== undefined) checkMatch(options.match, registry, path, report);
  if (options.match !== undefined && options.stripPrefix !== undefined) {
    checkStripReachable({ globs: options.match, strip: options.stripPrefix, registry }, path, report);
  }
  return {
    ...options,
    registry,
    ...(proxies === undefined ? { proxy: targets[0] } : { proxies: targets }),
    ...(probe === undefined ? {} : { probe: resolveProbe(probe, targets, join(path, 'probe'), report) }),
  };
}

function resolveProbe(
  probe: NonNullable<RawRule['probe']>,
  targets: readonly string[],
  path: string,
  report: Report,
): ProbeSettings {
  if (probe.url !== undefined) checkUrl(probe.url, join(path, 'url'), report);
  return {
    url: probe.url ?? defaultProbe(proxyHostOf(targets[0] ?? 'localhost')).url,
    caFile: probe.caFile,
    insecureSkipVerify: probe.insecureSkipVerify ?? false,
  };
}

/** Checks and normalizes the rules, then what only the rules together can get wrong. */
function resolveRules(rawRules: readonly IndexedRule[], report: Report): IndexedConfigRule[] {
  const rules = rawRules.map(({ rule, index }) => ({ rule: resolveRule(rule, index, report), index }));
  checkReachable(rules, report);
  checkProxies(rules, report);
  checkSharedProbes(rules, report);
  return rules;
}

function checkUrl(text: string, path: string, report: Report): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    report(path, `"${text}" is not a URL (expected e.g. https://harbor.example.com/api/v2.0/health)`);
    return;
  }
  if (url.username !== '' || url.password !== '') report(path, 'must not carry credentials');
}

/** A rule that an earlier rule for the same registry always pre-empts can never apply. */
function checkReachable(rules: readonly IndexedConfigRule[], report: Report): void {
  rules.forEach(({ rule, index }, position) => {
    const earlier = rules
      .slice(0, position)
      .find(
        ({ rule: other }) =>
          other.registry === rule.registry &&
          (other.match === undefined ||
            (rule.match !== undefined && rule.match.every((glob) => other.match?.includes(glob)))),
      );
    if (earlier === undefined) return;
    const why =
      earlier.rule.match === undefined
        ? `rules[${earlier.index}] already takes every ${rule.registry} image (it has no match); put narrower rules first`
        : `rules[${earlier.index}] already matches every repository this rule matches`;
    report(join(join('rules', index), 'registry'), `this rule can never apply: ${why}`);
  });
}

/**
 * Proxies of different registries must not overlap: an image under both could not be told apart
 * (which upstream is `h/a/b/x` under `h/a` and `h/a/b`?). A root proxy's host is a proxy, never an
 * upstream: its images count as already proxied, so a rule for it could not apply.
 */
function checkProxies(rules: readonly IndexedConfigRule[], report: Report): void {
  const targets = rules.flatMap(({ rule, index }) =>
    targetsOf(rule).map((proxy, position) => ({
      proxy,
      index,
      registry: rule.registry,
      path:
        rule.proxies === undefined
          ? join(join('rules', index), 'proxy')
          : join(join(join('rules', index), 'proxies'), position),
    })),
  );
  targets.forEach((target, position) => {
    checkRoom(target.proxy, target.path, report);
    if (!target.proxy.includes('/')) {
      const upstream = rules.find(({ rule }) => rule.registry === target.proxy.toLowerCase());
      if (upstream !== undefined) {
        report(
          target.path,
          `"${target.proxy}" is a root proxy (images on it count as already proxied) and the registry of rules[${upstream.index}]; a host cannot be both`,
        );
      }
    }
    const overlapping = targets
      .slice(0, position)
      .find(
        (other) =>
          other.registry !== target.registry &&
          (proxyWithin(target.proxy, other.proxy) || proxyWithin(other.proxy, target.proxy)),
      );
    if (overlapping !== undefined) {
      report(
        target.path,
        `"${target.proxy}" overlaps "${overlapping.proxy}" (rules[${overlapping.index}], ${overlapping.registry}): one proxy path cannot hold the images of two upstream registries`,
      );
    }
  });
}

/** Rules that share a proxy host share its probe: two different ones cannot both be right. */
function checkSharedProbes(rules: readonly IndexedConfigRule[], report: Report): void {
  rules.forEach(({ rule, index }, position) => {
    if (rule.probe === undefined) return;
    const hosts = targetsOf(rule).map(proxyHostOf);
    const earlier = rules
      .slice(0, position)
      .find(
        ({ rule: other }) =>
          other.probe !== undefined && targetsOf(other).some((proxy) => hosts.includes(proxyHostOf(proxy))),
      );
    if (earlier?.rule.probe !== undefined && !sameProbe(earlier.rule.probe, rule.probe)) {
      const host = targetsOf(earlier.rule)
        .map(proxyHostOf)
        .find((candidate) => hosts.includes(candidate));
      report(
        join(join('rules', index), 'probe'),
        `differs from rules[${earlier.index}].probe for the same proxy host ${host}; rules that share a host share one probe`,
      );
    }
  });
}

/** Whether no issue lies at or under `path`: the semantic pass looks only at what the schema let through. */
const cleanAt = (issues: readonly ConfigIssue[], path: string): boolean =>
  !issues.some(
    (issue) => issue.path === path || issue.path.startsWith(`${path}.`) || issue.path.startsWith(`${path}[`),
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Exclusion globs must name a registry first (or a wildcard for one): they match normalized references. */
function checkExclusions(raw: RawConfig, schema: readonly ConfigIssue[], report: Report): void {
  const images: unknown = isRecord(raw.exclude) ? raw.exclude.images : undefined;
  if (!Array.isArray(images)) return;
  images.forEach((glob: unknown, index) => {
    const path = join('exclude.images', index);
    if (typeof glob === 'string' && cleanAt(schema, path) && !globRegistry.test(glob)) {
      report(
        path,
        `"${glob}" must start with a registry: patterns match normalized references such as docker.io/library/postgres:16`,
      );
    }
  });
}

/**
 * The semantic pass, over every part of the document the schema accepted (so one round trip shows
 * every problem): the resolved rules, and the issues found.
 */
function semanticPass(raw: RawConfig, schema: readonly ConfigIssue[]): [ConfigRule[], ConfigIssue[]] {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message) => {
    issues.push({ path, message });
  };
  const rawRules: unknown = raw.rules;
  const candidates = (Array.isArray(rawRules) ? (rawRules as RawRule[]) : [])
    .map((rule, index) => ({ rule, index }))
    .filter(({ index }) => cleanAt(schema, join('rules', index)));
  const rules = resolveRules(candidates, report).map(({ rule }) => rule);
  checkExclusions(raw, schema, report);
  const verify: unknown = raw.verify;
  if (isRecord(verify) && verify.credentialsSecret !== undefined && verify.credentialsFile !== undefined) {
    report('verify', 'set credentialsSecret or credentialsFile, not both');
  }
  return [rules, issues];
}

/**
 * Validates an already-parsed document (YAML or JSON). Throws {@link ConfigError} with every issue:
 * the schema's, and the semantic pass's over every part the schema accepted, in document order.
 */
export function validateConfig(document: unknown, source: string): Config {
  const schema = validateDocument(document) ? [] : schemaIssues(validateDocument.errors ?? []);
  if (!isRecord(document)) throw new ConfigError(source, schema);
  const raw = document as RawConfig;
  const [rules, semantic] = semanticPass(raw, schema);
  if (schema.length + semantic.length > 0) {
    throw new ConfigError(source, inDocumentOrder(document, [...schema, ...semantic]));
  }
  return deepFreeze({
    mode: raw.mode ?? DEFAULT_CONFIG.mode,
    rules: raw.rules === undefined ? [...DEFAULT_CONFIG.rules] : rules,
    exclude: {
      images: [...(raw.exclude?.images ?? [])],
      owners: (raw.exclude?.owners ?? []).map((owner) => ({
        apiGroup: owner.apiGroup ?? '',
        kind: owner.kind,
      })),
    },
    pullSecrets: [...(raw.pullSecrets ?? DEFAULT_CONFIG.pullSecrets)],
    health: { ...DEFAULT_HEALTH, ...raw.health },
    verify: { ...DEFAULT_VERIFY, ...raw.verify },
  });
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
