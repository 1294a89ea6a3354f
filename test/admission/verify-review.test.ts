import { describe, expect, it, vi } from 'vitest';
import {
  createReviewHandler,
  handleReview,
  rewrittenReferences,
  type ReviewResult,
} from '../../src/admission/handle-review.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { createRewriter } from '../../src/core/rewrite.js';
import type { ImageVerifier } from '../../src/health/image-verifier.js';
import { createImageVerification } from '../../src/health/verify-images.js';
import { createReview } from '../fixtures/load.js';
import { decodePatch } from '../helpers/app.js';
import { captureLogger } from '../helpers/logger.js';

const PROXY = 'harbor.ingress.local/proxy_cache';
const verifyOn = parseConfig('verify: {enabled: true}\n', 'test.yaml');

const pod = (images: string[], extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'web', namespace: 'default', ...extra },
  spec: { containers: images.map((image, index) => ({ name: `c${index}`, image })) },
});

function fakeVerifier(unverified: (references: readonly string[]) => string[] | Error): ImageVerifier & {
  calls: string[][];
} {
  const calls: string[][] = [];
  return {
    calls,
    verify(references) {
      calls.push([...references]);
      const answer = unverified(references);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(new Set(answer));
    },
    cachedOnly(references) {
      calls.push(['cached-only', ...references]);
      return new Set(references);
    },
    reconfigure: () => undefined,
    close: () => undefined,
  };
}

const handlerWith = (verifier: ImageVerifier, logger = captureLogger()) => {
  const handle = createReviewHandler(createImageVerification({ verifier, logger }));
  return (...args: Parameters<typeof handle>): Promise<ReviewResult> => Promise.resolve(handle(...args));
};

describe('the rewrite engine with unverified images', () => {
  it('leaves an image as written when its proxied reference is unverified, keyed by that reference', () => {
    const rewriter = createRewriter({ rules: [{ registry: 'docker.io', proxy: PROXY }], excludeImages: [] });
    const unverifiedImages = new Set([`${PROXY}/library/httpd:latest`]);
    expect(rewriter.rewrite('httpd', { unverifiedImages })).toMatchObject({
      input: 'httpd',
      output: 'httpd',
      rewritten: false,
      reason: 'unverified',
      rule: { proxy: PROXY },
    });
    expect(rewriter.rewrite('nginx', { unverifiedImages })).toMatchObject({
      output: `${PROXY}/library/nginx:latest`,
      reason: 'rewritten',
    });
  });
});

describe('the verification pre-pass of a review', () => {
  it('lists the proxied references the review would write, once each, and nothing it would not rewrite', () => {
    const review = createReview(
      pod(['httpd', 'docker.io/library/httpd:latest', 'quay.io/a/b:1', `${PROXY}/library/x:1`, 'nginx:1.27']),
    );
    const candidates = (...args: Parameters<typeof handleReview>) =>
      rewrittenReferences(handleReview(...args).summary.images);
    expect(candidates(review, 'mutate', createRuntime(DEFAULT_CONFIG), undefined)).toEqual([
      `${PROXY}/library/httpd:latest`,
      `${PROXY}/library/nginx:1.27`,
    ]);
    expect(
      candidates(review, 'mutate', createRuntime(DEFAULT_CONFIG), {
        unhealthyProxies: new Set([PROXY]),
      }),
    ).toEqual([]);
    const optedOut = createReview(pod(['httpd'], { labels: { 'pullthrough.io/rewrite': 'disabled' } }));
    expect(candidates(optedOut, 'mutate', createRuntime(DEFAULT_CONFIG), undefined)).toEqual([]);
  });

  it('does nothing while verify.enabled is false', () => {
    const verifier = fakeVerifier(() => []);
    const review = createReview(pod(['httpd']));
    const runtime = createRuntime(DEFAULT_CONFIG);
    const result = createReviewHandler(createImageVerification({ verifier }))(review, 'mutate', runtime);
    // Decided synchronously, exactly as without a verifier.
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual(handleReview(review, 'mutate', runtime));
    expect(verifier.calls).toEqual([]);
  });

  it('leaves unverified images as written with a warning, rewrites the verified ones', async () => {
    const verifier = fakeVerifier((references) =>
      references.filter((reference) => reference.includes('nginx')),
    );
    const runtime = createRuntime(verifyOn);
    const review = createReview(pod(['httpd', 'nginx:1.27']));
    const { response, summary } = await handlerWith(verifier)(review, 'mutate', runtime);
    expect(verifier.calls).toEqual([[`${PROXY}/library/httpd:latest`, `${PROXY}/library/nginx:1.27`]]);
    expect(decodePatch(response.response)).toContainEqual({
      op: 'replace',
      path: '/spec/containers/0/image',
      value: `${PROXY}/library/httpd:latest`,
    });
    expect(JSON.stringify(decodePatch(response.response))).not.toContain('/spec/containers/1/image');
    expect(response.response.warnings).toEqual([
      `containers/c1: nginx:1.27 could not be verified through proxy ${PROXY}; it pulls from upstream`,
    ]);
    expect(summary.counts).toEqual({ rewritten: 1, unverified: 1 });
  });

  it('decides a fully verified review once, and again only when an image could not be verified', async () => {
    const runtime = createRuntime(verifyOn);
    const rewrite = vi.spyOn(runtime.rewriter, 'rewrite');
    const review = createReview(pod(['httpd', 'nginx:1.27']));
    await handlerWith(fakeVerifier(() => []))(review, 'mutate', runtime);
    expect(rewrite).toHaveBeenCalledTimes(2);
    rewrite.mockClear();
    await handlerWith(fakeVerifier((references) => references.slice(0, 1)))(review, 'mutate', runtime);
    expect(rewrite).toHaveBeenCalledTimes(4);
  });

  it('sends no request for a dry run: only cached answers count, the rest stay as written', async () => {
    const verifier = fakeVerifier(() => []);
    const review = createReview(pod(['httpd']));
    const dryRun = { ...review, request: { ...review.request, dryRun: true } };
    const { summary } = await handlerWith(verifier)(dryRun, 'mutate', createRuntime(verifyOn));
    expect(verifier.calls).toEqual([['cached-only', `${PROXY}/library/httpd:latest`]]);
    expect(summary.counts).toEqual({ unverified: 1 });
  });

  it('keeps the proxy health of the base options', async () => {
    const config = parseConfig(
      `rules:
  - {registry: docker.io, proxy: ${PROXY}}
  - {registry: quay.io, proxy: harbor.ingress.local/quay}
verify: {enabled: true}
`,
      'test.yaml',
    );
    const verifier = fakeVerifier(() => []);
    const base = { unhealthyProxies: new Set(['harbor.ingress.local/quay']) };
    const review = createReview(pod(['httpd', 'quay.io/a/b:1']));
    const runtime = createRuntime(config);
    const result = await handlerWith(verifier)(review, 'mutate', runtime, base);
    expect(verifier.calls).toEqual([[`${PROXY}/library/httpd:latest`]]);
    // Everything verified: the first decision stands, with the unhealthy proxy's image left as written.
    expect(result).toEqual(handleReview(review, 'mutate', runtime, base));
    expect(result.summary.counts).toEqual({ rewritten: 1, 'proxy-unhealthy': 1 });
  });

  it('treats a verifier that fails as doubt about every image: all are left as written', async () => {
    const logger = captureLogger();
    const verifier = fakeVerifier(() => new Error('boom'));
    const runtime = createRuntime(verifyOn);
    const review = createReview(pod(['httpd']));
    const { response } = await handlerWith(verifier, logger)(review, 'audit', runtime);
    expect(response.response.warnings).toEqual([
      `containers/c0: httpd could not be verified through proxy ${PROXY}; it pulls from upstream`,
    ]);
    expect(logger.entries).toEqual([
      { level: 'warn', obj: { error: 'boom' }, msg: 'image verification failed' },
    ]);
  });
});
