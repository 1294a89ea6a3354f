/**
 * The verifier as the admission route needs it: a function from proxied references to the ones that
 * could not be verified, which never rejects. Bounded by the verifier's budget.
 */
import type { ImageVerifier } from './image-verifier.js';
import { silentLogger, type HealthLogger } from './support.js';

export interface ImageVerificationOptions {
  readonly verifier: ImageVerifier;
  readonly logger?: HealthLogger;
}

/**
 * Resolves to the references that could not be verified. A verifier that fails counts as doubt about
 * every reference: an image never goes to a proxy that was not checked.
 */
export function createImageVerification(
  options: ImageVerificationOptions,
): (references: readonly string[], review: { readonly dryRun: boolean }) => Promise<ReadonlySet<string>> {
  const logger = options.logger ?? silentLogger;
  return async (references, review) => {
    // A dry run costs no requests: what the cache does not know stays as written.
    if (review.dryRun) return options.verifier.cachedOnly(references);
    try {
      return await options.verifier.verify(references);
    } catch (error) {
      logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'image verification failed',
      );
      return new Set(references);
    }
  };
}
