/**
 * The rewrite engine: from an image reference as written to a decision. Pure; the policy is
 * compiled once (per configuration load) so that the admission hot path only does lookups.
 */
import {
  ImageReferenceError,
  MAX_REPOSITORY_PATH_LENGTH,
  formatNormalized,
  parseImageReference,
  repositoryOf,
  suffixOf,
  type ImageReference,
} from './image-ref.js';
import { compileGlob, type GlobMatcher } from './glob.js';

/**
 * Why an image got the output it got. Logs, metrics, warnings and the audit report share these,
 * so the set stays small and fixed.
 */
export const REWRITE_REASONS = [
  'rewritten',
  'no-rule',
  'excluded',
  'already-proxied',
  'invalid',
  'proxy-unhealthy',
  'unverified',
  // A Pod UPDATE changed the image, but the Pod lacks the pull secret the proxy needs.
  'pull-secret-missing',
] as const;
export type RewriteReason = (typeof REWRITE_REASONS)[number];

/**
 * One upstream registry (narrowed by repository, optionally) mapped to one or more proxy targets.
 * A target is `host[:port]/path` (the image path goes under the path: Harbor's `<host>/<project>`)
 * or `host[:port]` (the image path goes at the root: Docker's registry in proxy mode, Zot).
 */
export interface RewriteRule {
  /** Normalized upstream registry: `docker.io`, `quay.io`, `localhost:5000`. */
  readonly registry: string;
  /** The one target (when `proxies` is absent). */
  readonly proxy?: string | undefined;
  /** Failover targets in priority order (instead of `proxy`). */
  readonly proxies?: readonly string[] | undefined;
  /** Globs over the normalized repository (`docker.io/bitnami/redis`); absent: every repository. */
  readonly match?: readonly string[] | undefined;
  /** A leading image path (`library/`) dropped before the path goes under the target, when present. */
  readonly stripPrefix?: string | undefined;
  /** Pull secrets this rule's images need; the policy's default list when absent. */
  readonly pullSecrets?: readonly string[] | undefined;
}

/** A rule's targets in priority order. */
export function targetsOf(rule: RewriteRule): readonly string[] {
  return rule.proxies ?? (rule.proxy === undefined ? [] : [rule.proxy]);
}

export interface RewritePolicy {
  readonly rules: readonly RewriteRule[];
  /** Globs over the normalized reference or repository; `*` crosses `/`. */
  readonly excludeImages: readonly string[];
}

export interface RewriteDecision {
  /** The reference exactly as written. */
  readonly input: string;
  /** What the Pod gets: the proxied reference, or `input` byte for byte. */
  readonly output: string;
  readonly rewritten: boolean;
  readonly reason: RewriteReason;
  /** Full canonical form of the input; undefined when invalid. */
  readonly normalized: string | undefined;
  /** Normalized upstream registry of the input; undefined when invalid. */
  readonly registry: string | undefined;
  /** The rule that matched (rewritten, or would have been but for proxy health or verification). */
  readonly rule: RewriteRule | undefined;
  /** The target the output went to (or would have gone to, for `unverified`); undefined when not rewritten. */
  readonly proxy: string | undefined;
  /**
   * Every target of the rule with what the image becomes there, in priority order: proxy health
   * picks the first healthy one. Empty unless a rule matched.
   */
  readonly alternatives: readonly ProxiedImage[];
  /** The parser's message when invalid. */
  readonly error: string | undefined;
}

export interface ProxiedImage {
  readonly proxy: string;
  readonly output: string;
}

export interface RewriteOptions {
  /** Targets currently known to be down: images go to the next one, or are left as written. */
  readonly unhealthyProxies?: ReadonlySet<string> | undefined;
  /**
   * Proxied references (rewrite outputs) that could not be verified through the proxy: images that
   * would become one of these are left as written.
   */
  readonly unverifiedImages?: ReadonlySet<string> | undefined;
}

export interface Rewriter {
  rewrite(image: string, options?: RewriteOptions): RewriteDecision;
  /** What the decision cache holds now: for tests and memory accounting. */
  cacheUsage(): { readonly entries: number; readonly characters: number };
}

/**
 * The longest reference any registry can serve: a DNS name (253) and `:65535`, `/`, a repository
 * path (255, distribution's limit), `:` and a tag (128), `@sha512:` and 128 hex digits: 780
 * characters. 1024 leaves room for the grammar's slack (an IPv6 literal, a longer port) and
 * refuses the 2.5 MB "domains" the grammar alone would accept, before the parser or cache sees them.
 */
export const MAX_IMAGE_REFERENCE_LENGTH = 1024;

/** Images repeat across Pods (every replica of a Deployment), so decisions are kept in a bounded cache. */
const DECISION_CACHE_LIMIT = 4096;
/**
 * The cache is also bounded by the characters it holds (inputs are bounded above, but outputs,
 * normalized forms and errors add up): 4096 decisions of ordinary images use a fraction of this.
 */
export const DECISION_CACHE_CHARACTERS = 2 * 1024 * 1024;

/** Characters a decision keeps alive (its strings); the object overhead is small and constant. */
function charactersOf(decision: RewriteDecision): number {
  return (
    decision.input.length +
    (decision.output === decision.input ? 0 : decision.output.length) +
    (decision.normalized?.length ?? 0) +
    (decision.error?.length ?? 0) +
    // Failover outputs after the first (which is `output`).
    decision.alternatives.slice(1).reduce((sum, alternative) => sum + alternative.output.length, 0) +
    64
  );
}

function decide(
  input: string,
  fields: Partial<Omit<RewriteDecision, 'input'>> & { reason: RewriteReason },
): RewriteDecision {
  return {
    input,
    output: fields.output ?? input,
    rewritten: fields.reason === 'rewritten',
    reason: fields.reason,
    normalized: fields.normalized,
    registry: fields.registry,
    rule: fields.rule,
    proxy: fields.proxy,
    alternatives: fields.alternatives ?? [],
    error: fields.error,
  };
}

/** A rule ready for lookups: its globs compiled, its targets split into host and path. */
interface CompiledRule {
  readonly rule: RewriteRule;
  readonly matchers: readonly GlobMatcher[] | undefined;
  readonly targets: readonly string[];
}

function compileRule(rule: RewriteRule): CompiledRule {
  return { rule, matchers: rule.match?.map((glob) => compileGlob(glob)), targets: targetsOf(rule) };
}

/** `host[:port]/path` with the host in lowercase: how two spellings of one proxy compare equal. */
export function lowercaseHost(target: string): string {
  const slash = target.indexOf('/');
  return slash === -1 ? target.toLowerCase() : target.slice(0, slash).toLowerCase() + target.slice(slash);
}

/** The repository path under a target: the target's own path, then the image path. */
function proxiedPath(target: string, imagePath: string): string {
  const slash = target.indexOf('/');
  return slash === -1 ? imagePath : `${target.slice(slash + 1)}/${imagePath}`;
}

/** What the image becomes through each of the rule's targets, or why no target can take it. */
function route(compiled: CompiledRule, ref: ImageReference): ProxiedImage[] | string {
  const strip = compiled.rule.stripPrefix;
  const imagePath =
    strip !== undefined && ref.path.startsWith(strip) ? ref.path.slice(strip.length) : ref.path;
  const suffix = suffixOf(ref);
  const alternatives: ProxiedImage[] = [];
  for (const target of compiled.targets) {
    const pathLength = proxiedPath(target, imagePath).length;
    if (pathLength > MAX_REPOSITORY_PATH_LENGTH) {
      const through = compiled.targets.length > 1 ? ` through ${target}` : '';
      return `the proxied name would be ${pathLength} characters long${through}; repository names are limited to ${MAX_REPOSITORY_PATH_LENGTH}`;
    }
    alternatives.push({ proxy: target, output: `${target}/${imagePath}${suffix}` });
  }
  return alternatives;
}

/** Compiles a policy into a {@link Rewriter}. Rules are looked up by registry in a Map. */
export function createRewriter(policy: RewritePolicy): Rewriter {
  // Rules of one registry in configuration order: the first whose globs match wins.
  const rulesByRegistry = new Map<string, CompiledRule[]>();
  for (const rule of policy.rules) {
    const list = rulesByRegistry.get(rule.registry) ?? [];
    list.push(compileRule(rule));
    rulesByRegistry.set(rule.registry, list);
  }
  // Host names are case-insensitive: `Harbor.local/p/x` is on the proxy `harbor.local/p`, so targets
  // and images are compared with their host in lowercase (paths are lowercase by grammar).
  const targets = policy.rules.flatMap(targetsOf).map(lowercaseHost);
  // A root-mounted cache's host is a proxy, never an upstream: everything on it is already proxied.
  const rootProxies = new Set(targets.filter((target) => !target.includes('/')));
  const proxyPrefixes = targets.filter((target) => target.includes('/')).map((target) => `${target}/`);
  const exclusions = policy.excludeImages.map(compileGlob);
  // Decisions without proxy health or verification depend only on the image: cache them whole.
  const cache = new Map<string, RewriteDecision>();

  const ruleFor = (ref: ImageReference, repository: string): CompiledRule | undefined =>
    rulesByRegistry
      .get(ref.domain)
      ?.find(
        (entry) => entry.matchers === undefined || entry.matchers.some((matches) => matches(repository)),
      );

  const decideStatically = (image: string): RewriteDecision => {
    if (image.length > MAX_IMAGE_REFERENCE_LENGTH) {
      const error = `the reference is ${image.length} characters long; image references are limited to ${MAX_IMAGE_REFERENCE_LENGTH}`;
      return decide(image, { reason: 'invalid', error });
    }
    let ref: ImageReference;
    try {
      ref = parseImageReference(image);
    } catch (error) {
      if (!(error instanceof ImageReferenceError)) throw error;
      return decide(image, { reason: 'invalid', error: error.message });
    }
    const repository = repositoryOf(ref);
    const normalized = formatNormalized(ref);
    const known = { normalized, registry: ref.domain };
    const onHost = lowercaseHost(repository);
    if (
      rootProxies.has(ref.domain.toLowerCase()) ||
      proxyPrefixes.some((prefix) => onHost.startsWith(prefix))
    ) {
      return decide(image, { ...known, reason: 'already-proxied' });
    }
    if (exclusions.some((matches) => matches(normalized) || matches(repository))) {
      return decide(image, { ...known, reason: 'excluded' });
    }
    const compiled = ruleFor(ref, repository);
    if (compiled === undefined) return decide(image, { ...known, reason: 'no-rule' });
    const { rule } = compiled;
    const routed = route(compiled, ref);
    if (typeof routed === 'string')
      return decide(image, { ...known, rule, reason: 'invalid', error: routed });
    const alternatives = routed;
    const [first] = alternatives;
    if (first === undefined) return decide(image, { ...known, reason: 'no-rule' });
    return decide(image, { ...known, rule, reason: 'rewritten', ...first, alternatives });
  };

  let cachedCharacters = 0;
  const cachedDecision = (image: string): RewriteDecision => {
    const hit = cache.get(image);
    if (hit !== undefined) return hit;
    const decision = decideStatically(image);
    // An oversized image is refused without parsing; keeping it would only let it occupy memory.
    if (image.length > MAX_IMAGE_REFERENCE_LENGTH) return decision;
    const characters = charactersOf(decision);
    while (
      cache.size > 0 &&
      (cache.size >= DECISION_CACHE_LIMIT || cachedCharacters + characters > DECISION_CACHE_CHARACTERS)
    ) {
      const [oldestImage, oldest] = cache.entries().next().value as [string, RewriteDecision];
      cache.delete(oldestImage);
      cachedCharacters -= charactersOf(oldest);
    }
    cache.set(image, decision);
    cachedCharacters += characters;
    return decision;
  };

  return {
    cacheUsage: () => ({ entries: cache.size, characters: cachedCharacters }),
    rewrite(image: string, options?: RewriteOptions): RewriteDecision {
      const decision = cachedDecision(image);
      if (!decision.rewritten || options === undefined) return decision;
      const unhealthy = options.unhealthyProxies;
      const chosen =
        unhealthy === undefined || unhealthy.size === 0
          ? decision.alternatives[0]
          : decision.alternatives.find((alternative) => !unhealthy.has(alternative.proxy));
      if (chosen === undefined) {
        return { ...decision, output: image, rewritten: false, reason: 'proxy-unhealthy', proxy: undefined };
      }
      if (options.unverifiedImages?.has(chosen.output) === true) {
        return { ...decision, output: image, rewritten: false, reason: 'unverified', proxy: chosen.proxy };
      }
      return chosen === decision.alternatives[0] ? decision : { ...decision, ...chosen };
    },
  };
}
