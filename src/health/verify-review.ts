/**
 * The admission route's asynchronous pre-pass when verification is enabled: decide the review as
 * usual, verify the proxied references it would produce, and hand back the RewriteOptions that make
 * `handleReview` leave the unverified ones as written. Bounded by the verifier's budget; never throws.
 */
import { handleReview, type Endpoint } from '../admission/handle-review.js';
import type { AdmissionReview } from '../admission/review.js';
import type { AdmissionRuntime } from '../admission/runtime.js';
import type { RewriteOptions } from '../core/rewrite.js';
import type { ImageVerifier } from './image-verifier.js';
import { silentLogger, type HealthLogger } from './support.js';

/** The proxied references a review would write into its Pod, in order, without repeats. */
export function candidateReferences(
  review: AdmissionReview,
  endpoint: Endpoint,
  runtime: AdmissionRuntime,
  base: RewriteOptions | undefined,
): string[] {
  // handleReview is pure and fast: running it twice keeps every rule (mirror pods, opt-out labels,
  // excluded owners, ephemeral-container updates, proxy health) in one place.
  const { summary } = handleReview(review, endpoint, runtime, base);
  const outputs = summary.images
    .filter((image) => image.decision.rewritten)
    .map((image) => image.decision.output);
  return [...new Set(outputs)];
}

export interface ReviewVerifierOptions {
  readonly verifier: ImageVerifier;
  readonly logger?: HealthLogger;
}

/** Computes a review's RewriteOptions with verification, from the base options (proxy health). */
export type ReviewVerifier = (
  review: AdmissionReview,
  endpoint: Endpoint,
  runtime: AdmissionRuntime,
  base: RewriteOptions | undefined,
) => Promise<RewriteOptions | undefined>;

/**
 * The pre-pass for the admission route: `base` plus the references that could not be verified.
 * Returns `base` unchanged when `verify.enabled` is false in the runtime's configuration or nothing
 * would be rewritten; resolves within the verifier's budget and never rejects.
 */
export function createReviewVerifier(options: ReviewVerifierOptions): ReviewVerifier {
  const logger = options.logger ?? silentLogger;
  return async (review, endpoint, runtime, base) => {
    if (!runtime.config.verify.enabled) return base;
    const candidates = candidateReferences(review, endpoint, runtime, base);
    if (candidates.length === 0) return base;
    let unverified: ReadonlySet<string>;
    if (review.request.dryRun === true) {
      // A dry run must cost no requests: what the cache does not know stays as written.
      unverified = options.verifier.cachedOnly(candidates);
      return unverified.size === 0 ? base : { ...base, unverifiedImages: unverified };
    }
    try {
      unverified = await options.verifier.verify(candidates);
    } catch (error) {
      // On doubt, leave as written: an image never goes to a proxy that was not checked.
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'image verification failed',
      );
      unverified = new Set(candidates);
    }
    return unverified.size === 0 ? base : { ...base, unverifiedImages: unverified };
  };
}
