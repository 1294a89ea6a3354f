/**
 * Maps an AdmissionReview to the core and back. No HTTP here: the route hands a validated review
 * in, and gets the response plus a summary for its log line and metrics.
 */
import { mutatePod, type ImageDecision, type MutationKind, type PodMutation } from '../core/mutate-pod.js';
import type { RewriteReason, RewriteOptions } from '../core/rewrite.js';
import type { AdmissionRuntime } from './runtime.js';
import {
  buildReviewResponse,
  type AdmissionRequest,
  type AdmissionReview,
  type AdmissionReviewResponse,
} from './review.js';

/** `/mutate` patches (unless the configuration's mode is `audit`); `/audit` never does. */
export type Endpoint = 'mutate' | 'audit';

/** What happened, for the log line and the metrics. */
export interface ReviewSummary {
  readonly uid: string;
  readonly namespace: string | undefined;
  /** Pod name, or its `generateName` prefix for Pods the API server has not named yet. */
  readonly pod: string | undefined;
  readonly operation: string | undefined;
  readonly mode: 'enforce' | 'audit';
  readonly dryRun: boolean;
  /** `ignored` when the request is not one pullthrough acts on (another kind, operation, subresource). */
  readonly outcome: 'patched' | 'unchanged' | 'audited' | 'skipped' | 'ignored';
  readonly skipped: string | undefined;
  readonly images: readonly ImageDecision[];
  readonly counts: Readonly<Partial<Record<RewriteReason, number>>>;
}

export interface ReviewResult {
  readonly response: AdmissionReviewResponse;
  readonly summary: ReviewSummary;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};

/** Which mutation a request calls for, or undefined when pullthrough has nothing to do with it. */
function mutationKindOf(request: AdmissionRequest): MutationKind | undefined {
  const kind = request.kind;
  if (kind === undefined || kind.group !== '' || kind.version !== 'v1' || kind.kind !== 'Pod')
    return undefined;
  const subResource = request.subResource ?? '';
  if (request.operation === 'CREATE' && subResource === '') return { kind: 'create' };
  if (request.operation === 'UPDATE' && subResource === 'ephemeralcontainers') {
    return { kind: 'ephemeral-update', oldPod: request.oldObject };
  }
  return undefined;
}

function podName(request: AdmissionRequest): string | undefined {
  const metadata = asObject(asObject(request.object).metadata);
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof request.name === 'string' && request.name !== '') return request.name;
  return typeof metadata.generateName === 'string' ? metadata.generateName : undefined;
}

function countReasons(images: readonly ImageDecision[]): Partial<Record<RewriteReason, number>> {
  const counts: Partial<Record<RewriteReason, number>> = {};
  for (const { decision } of images) counts[decision.reason] = (counts[decision.reason] ?? 0) + 1;
  return counts;
}

function rewrittenMap(images: readonly ImageDecision[]): string {
  const entries = images.filter((image) => image.decision.rewritten);
  return JSON.stringify(
    Object.fromEntries(entries.map((image) => [`${image.field}/${image.name}`, image.decision.output])),
  );
}

function auditWarnings(mutation: PodMutation): string[] {
  return mutation.images
    .filter((image) => image.decision.rewritten)
    .map(
      (image) =>
        `pullthrough audit: ${image.field}/${image.name} would use ${image.decision.output} instead of ${image.decision.input}`,
    );
}

/** One warning per image that bypassed its proxy: the proxy is down, or the image was not found through it. */
function bypassWarnings(images: readonly ImageDecision[]): string[] {
  return images.flatMap((image) => {
    const { reason, rule, input } = image.decision;
    const proxy = rule?.proxy ?? '';
    if (reason === 'proxy-unhealthy') {
      return [`${image.field}/${image.name}: proxy ${proxy} is unavailable; ${input} pulls from upstream`];
    }
    if (reason === 'unverified') {
      return [
        `${image.field}/${image.name}: ${input} could not be verified through proxy ${proxy}; it pulls from upstream`,
      ];
    }
    return [];
  });
}

/** Handles one validated review. Always allows; never throws on what the Pod contains. */
export function handleReview(
  review: AdmissionReview,
  endpoint: Endpoint,
  runtime: AdmissionRuntime,
  rewriteOptions?: RewriteOptions,
): ReviewResult {
  const request = review.request;
  const mode = endpoint === 'audit' || runtime.config.mode === 'audit' ? 'audit' : 'enforce';
  const base = {
    uid: request.uid,
    namespace: request.namespace,
    pod: podName(request),
    operation: request.operation,
    mode,
    dryRun: request.dryRun === true,
  } as const;
  const kind = mutationKindOf(request);
  if (kind === undefined) {
    return {
      response: buildReviewResponse(request.uid, []),
      summary: { ...base, outcome: 'ignored', skipped: undefined, images: [], counts: {} },
    };
  }
  const mutation = mutatePod(
    request.object,
    {
      rewriter: runtime.rewriter,
      pullSecrets: runtime.config.pullSecrets,
      excludedOwners: runtime.config.exclude.owners,
      rewriteOptions,
    },
    kind,
  );
  const summary = {
    ...base,
    skipped: mutation.skipped,
    images: mutation.images,
    counts: countReasons(mutation.images),
  };
  if (mutation.skipped !== undefined) {
    return { response: buildReviewResponse(request.uid, []), summary: { ...summary, outcome: 'skipped' } };
  }
  const changed = mutation.images.some((image) => image.decision.rewritten);
  const warnings = [...mutation.warnings, ...bypassWarnings(mutation.images)];
  if (mode === 'audit') {
    const annotations: Record<string, string> = changed
      ? { 'would-rewrite': rewrittenMap(mutation.images) }
      : {};
    return {
      response: buildReviewResponse(request.uid, [], [...auditWarnings(mutation), ...warnings], annotations),
      summary: { ...summary, outcome: changed ? 'audited' : 'unchanged' },
    };
  }
  const annotations: Record<string, string> = changed ? { rewritten: rewrittenMap(mutation.images) } : {};
  return {
    response: buildReviewResponse(request.uid, mutation.patch, warnings, annotations),
    summary: { ...summary, outcome: mutation.patch.length > 0 ? 'patched' : 'unchanged' },
  };
}

/**
 * Checks proxied references before they are written (`verify.enabled`); resolves to those that could
 * not be verified, and never rejects.
 */
export type ImageVerification = (references: readonly string[]) => Promise<ReadonlySet<string>>;

/** Decides a review: synchronously, unless its proxied references must be verified first. */
export type ReviewHandler = (
  review: AdmissionReview,
  endpoint: Endpoint,
  runtime: AdmissionRuntime,
  rewriteOptions?: RewriteOptions,
) => ReviewResult | Promise<ReviewResult>;

/** The proxied references a decided review writes into its Pod, in order, without repeats. */
export function rewrittenReferences(images: readonly ImageDecision[]): string[] {
  return [
    ...new Set(images.filter((image) => image.decision.rewritten).map((image) => image.decision.output)),
  ];
}

/**
 * The admission route's handler. With verification on, a review is decided once and the references
 * it would write are verified; only when some could not be is it decided again, leaving those as
 * written, so every rule (mirror pods, opt-outs, excluded owners, proxy health) stays in one place.
 */
export function createReviewHandler(verify?: ImageVerification): ReviewHandler {
  if (verify === undefined) return handleReview;
  return (review, endpoint, runtime, rewriteOptions) => {
    const decided = handleReview(review, endpoint, runtime, rewriteOptions);
    if (!runtime.config.verify.enabled) return decided;
    const references = rewrittenReferences(decided.summary.images);
    if (references.length === 0) return decided;
    return verify(references).then((unverifiedImages) =>
      unverifiedImages.size === 0
        ? decided
        : handleReview(review, endpoint, runtime, { ...rewriteOptions, unverifiedImages }),
    );
  };
}
