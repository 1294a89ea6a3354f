/**
 * The configuration file: its types, the embedded default, and validation that reports every
 * problem at once (by path and reason) so an operator fixes a ConfigMap in one round trip.
 * Parsing is pure; reading the file lives in `load.ts`.
 */
import { parseDocument } from 'yaml';
import { DOCKER_HUB, domainRegExp, repositoryPathRegExp } from '../core/image-ref.js';
import type { RewritePolicy, RewriteRule } from '../core/rewrite.js';

export const MODES = ['enforce', 'audit'] as const;
export type Mode = (typeof MODES)[number];

export interface OwnerExclusion {
  /** API group of the controlling owner; `""` for the core group. */
  readonly apiGroup: string;
  readonly kind: string;
}

export interface Config {
  readonly mode: Mode;
  readonly rules: readonly RewriteRule[];
  readonly exclude: { readonly images: readonly string[]; readonly owners: readonly OwnerExclusion[] };
  readonly pullSecrets: readonly string[];
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

/** What pullthrough does with no configuration file: the Harbor setup of the user scenarios. */
export const DEFAULT_CONFIG: Config = deepFreeze({
  mode: 'enforce',
  rules: [{ registry: DOCKER_HUB, proxy: 'harbor.ingress.local/proxy_cache' }],
  exclude: { images: [], owners: [] },
  pullSecrets: ['regcred-harbor'],
});

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

function readRules(reader: Reader, value: unknown): RewriteRule[] {
  const rules: RewriteRule[] = [];
  const items = reader.list(value, 'rules') ?? [];
  if (Array.isArray(value) && items.length === 0) reader.report('rules', 'at least one rule is required');
  items.forEach((item, index) => {
    const path = join('rules', index);
    const record = reader.mapping(item, path, ['registry', 'proxy', 'pullSecrets']);
    if (record === undefined) return;
    const registry = readRegistry(reader, record.registry, join(path, 'registry'));
    const proxy = readProxy(reader, record.proxy, join(path, 'proxy'));
    const pullSecrets =
      record.pullSecrets === undefined
        ? undefined
        : readSecretNames(reader, record.pullSecrets, join(path, 'pullSecrets'));
    if (registry !== undefined && rules.some((rule) => rule.registry === registry)) {
      reader.report(join(path, 'registry'), `"${registry}" already has a rule; one rule per registry`);
      return;
    }
    if (registry !== undefined && proxy !== undefined) rules.push({ registry, proxy, pullSecrets });
  });
  return rules;
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
  const root = reader.mapping(document, '', ['mode', 'rules', 'exclude', 'pullSecrets']);
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

  if (issues.length > 0) throw new ConfigError(source, issues);
  return deepFreeze({ mode, rules, exclude, pullSecrets });
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
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return DEFAULT_CONFIG;
  return validateConfig(value, source);
}
