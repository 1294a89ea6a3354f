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
import { compileGlob } from './glob.js';

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
    error: fields.error,
  };
}

/** Compiles a policy into a {@link Rewriter}. Rules are looked up by registry in a Map. */
export function createRewriter(policy: RewritePolicy): Rewriter {
  const rulesByRegistry = new Map(policy.rules.map((rule) => [rule.registry, rule]));
  const proxyPrefixes = policy.rules.map((rule) => `${rule.proxy}/`);
  const exclusions = policy.excludeImages.map(compileGlob);
  // Decisions without proxy health or verification depend only on the image: cache them whole.
  const cache = new Map<string, RewriteDecision>();

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
    if (proxyPrefixes.some((prefix) => repository.startsWith(prefix))) {
      return decide(image, { ...known, reason: 'already-proxied' });
    }
    if (exclusions.some((matches) => matches(normalized) || matches(repository))) {
      return decide(image, { ...known, reason: 'excluded' });
    }
    const rule = rulesByRegistry.get(ref.domain);
    if (rule === undefined) return decide(image, { ...known, reason: 'no-rule' });
    const proxyPath = rule.proxy.slice(rule.proxy.indexOf('/') + 1);
    const pathLength = proxyPath.length + 1 + ref.path.length;
    if (pathLength > MAX_REPOSITORY_PATH_LENGTH) {
      const error = `the proxied name would be ${pathLength} characters long; repository names are limited to ${MAX_REPOSITORY_PATH_LENGTH}`;
      return decide(image, { ...known, rule, reason: 'invalid', error });
    }
    return decide(image, {
      ...known,
      rule,
      reason: 'rewritten',
      output: `${rule.proxy}/${ref.path}${suffixOf(ref)}`,
    });
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
      const rule = decision.rule;
      if (!decision.rewritten || rule === undefined || options === undefined) return decision;
      if (options.unhealthyProxies?.has(rule.proxy) === true) {
        return { ...decision, output: image, rewritten: false, reason: 'proxy-unhealthy' };
      }
      if (options.unverifiedImages?.has(decision.output) === true) {
        return { ...decision, output: image, rewritten: false, reason: 'unverified' };
      }
      return decision;
    },
  };
}
