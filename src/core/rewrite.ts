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
] as const;
export type RewriteReason = (typeof REWRITE_REASONS)[number];

/** One upstream registry mapped to a proxy project. */
export interface RewriteRule {
  /** Normalized upstream registry: `docker.io`, `quay.io`, `localhost:5000`. */
  readonly registry: string;
  /** `host[:port]/project[/more]` that replaces the registry. */
  readonly proxy: string;
  /** Pull secrets this rule's images need; the policy's default list when absent. */
  readonly pullSecrets?: readonly string[] | undefined;
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
  /** The parser's message when invalid. */
  readonly error: string | undefined;
}

export interface RewriteOptions {
  /** Proxies currently known to be down: their images are left as written. */
  readonly unhealthyProxies?: ReadonlySet<string> | undefined;
  /**
   * Proxied references (rewrite outputs) that could not be verified through the proxy: images that
   * would become one of these are left as written.
   */
  readonly unverifiedImages?: ReadonlySet<string> | undefined;
}

export interface Rewriter {
  rewrite(image: string, options?: RewriteOptions): RewriteDecision;
}

/** Turns an exclusion glob into an anchored RegExp: `*` any run of characters, `?` one. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Parsed references repeat across Pods (every replica of a Deployment), so keep a bounded cache. */
const PARSE_CACHE_LIMIT = 4096;

type Parsed = { ref: ImageReference } | { error: ImageReferenceError };

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
    error: fields.error,
  };
}

/** Compiles a policy into a {@link Rewriter}. Rules are looked up by registry in a Map. */
export function createRewriter(policy: RewritePolicy): Rewriter {
  const rulesByRegistry = new Map(policy.rules.map((rule) => [rule.registry, rule]));
  const proxyPrefixes = policy.rules.map((rule) => `${rule.proxy}/`);
  const exclusions = policy.excludeImages.map(globToRegExp);
  const cache = new Map<string, Parsed>();

  const parse = (image: string): Parsed => {
    const hit = cache.get(image);
    if (hit !== undefined) return hit;
    let parsed: Parsed;
    try {
      parsed = { ref: parseImageReference(image) };
    } catch (error) {
      if (!(error instanceof ImageReferenceError)) throw error;
      parsed = { error };
    }
    if (cache.size >= PARSE_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(image, parsed);
    return parsed;
  };

  return {
    rewrite(image: string, options?: RewriteOptions): RewriteDecision {
      const parsed = parse(image);
      if ('error' in parsed) return decide(image, { reason: 'invalid', error: parsed.error.message });
      const { ref } = parsed;
      const repository = repositoryOf(ref);
      const normalized = formatNormalized(ref);
      const known = { normalized, registry: ref.domain };
      if (proxyPrefixes.some((prefix) => repository.startsWith(prefix))) {
        return decide(image, { ...known, reason: 'already-proxied' });
      }
      if (exclusions.some((glob) => glob.test(normalized) || glob.test(repository))) {
        return decide(image, { ...known, reason: 'excluded' });
      }
      const rule = rulesByRegistry.get(ref.domain);
      if (rule === undefined) return decide(image, { ...known, reason: 'no-rule' });
      if (options?.unhealthyProxies?.has(rule.proxy) === true) {
        return decide(image, { ...known, rule, reason: 'proxy-unhealthy' });
      }
      const proxyPath = rule.proxy.slice(rule.proxy.indexOf('/') + 1);
      const pathLength = proxyPath.length + 1 + ref.path.length;
      if (pathLength > MAX_REPOSITORY_PATH_LENGTH) {
        const error = `the proxied name would be ${pathLength} characters long; repository names are limited to ${MAX_REPOSITORY_PATH_LENGTH}`;
        return decide(image, { ...known, rule, reason: 'invalid', error });
      }
      const output = `${rule.proxy}/${ref.path}${suffixOf(ref)}`;
      if (options?.unverifiedImages?.has(output) === true) {
        return decide(image, { ...known, rule, reason: 'unverified' });
      }
      return decide(image, { ...known, rule, reason: 'rewritten', output });
    },
  };
}
