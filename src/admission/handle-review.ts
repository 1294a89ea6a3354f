/**
 * Maps an AdmissionReview to the core and back. No HTTP here: the route hands a validated review
 * in, and gets the response plus a summary for its log line and metrics.
 */
import { mutatePod, type ImageDecision, type MutationKind } from '../core/mutate-pod.js';
import { targetsOf, type RewriteReason, type RewriteOptions } from '../core/rewrite.js';
import type { AdmissionRuntime } from './runtime.js';
import {
  buildReviewResponse,
  type AdmissionRequest,
  type AdmissionReview,
  type AdmissionReviewResponse,
} from './review.js';
import { asJsonObject } from '../core/json.js';

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
  if (request.operation === 'UPDATE' && subResource === '')
    return { kind: 'update', oldPod: request.oldObject };
  return undefined;
}

function podName(request: AdmissionRequest): string | undefined {
  const metadata = asJsonObject(asJsonObject(request.object).metadata);
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof request.name === 'string' && request.name !== '') return request.name;
  return typeof metadata.generateName === 'string' ? metadata.generateName : undefined;
}

/** What the summary, the annotation and the warnings need from the decisions, in one pass. */
interface Tally {
  readonly counts: Partial<Record<RewriteReason, number>>;
  /** `field/name` → the reference written, for each image rewritten (would be, in audit mode). */
  readonly rewritten: Record<string, string>;
  readonly changed: boolean;
  readonly bypassed: string[];
}

function tally(images: readonly ImageDecision[]): Tally {
  const counts: Partial<Record<RewriteReason, number>> = {};
  const rewritten: Record<string, string> = {};
  const bypassed: string[] = [];
  let changed = false;
  for (const image of images) {
    const { decision } = image;
    counts[decision.reason] = (counts[decision.reason] ?? 0) + 1;
    if (decision.rewritten) {
      changed = true;
      rewritten[`${image.field}/${image.name}`] = decision.output;
    }
    const warning = bypassWarning(image);
    if (warning !== undefined) bypassed.push(warning);
  }
  return { counts, rewritten, changed, bypassed };
}

function auditWarnings(images: readonly ImageDecision[]): string[] {
  return images
    .filter((image) => image.decision.rewritten)
    .map(
      (image) =>
        `pullthrough audit: ${image.field}/${image.name} would use ${image.decision.output} instead of ${image.decision.input}`,
    );
}

/** The warning for an image that bypassed its proxy: the proxy is down, or the image was not found through it. */
function bypassWarning(image: ImageDecision): string | undefined {
  const { reason, rule, input, proxy } = image.decision;
  if (reason === 'proxy-unhealthy') {
    const targets = rule === undefined ? [] : targetsOf(rule);
    const which = targets.length === 1 ? `proxy ${targets[0]} is` : `proxies ${targets.join(', ')} are`;
    return `${image.field}/${image.name}: ${which} unavailable; ${input} pulls from upstream`;
  }
  if (reason === 'unverified') {
    return `${image.field}/${image.name}: ${input} could not be verified through proxy ${proxy}; it pulls from upstream`;
  }
  return undefined;
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
  // Every summary is built whole, once (this runs for every Pod created in the cluster).
  const summary = (
    outcome: ReviewSummary['outcome'],
    skipped: string | undefined,
    images: readonly ImageDecision[],
    counts: ReviewSummary['counts'],
  ): ReviewSummary => ({
    uid: request.uid,
    namespace: request.namespace,
    pod: podName(request),
    operation: request.operation,
    mode,
    dryRun: request.dryRun === true,
    outcome,
    skipped,
    images,
    counts,
  });
  const kind = mutationKindOf(request);
  if (kind === undefined) {
    return { response: buildReviewResponse(request.uid, []), summary: summary('ignored', undefined, [], {}) };
  }
  // Listed, not spread: this runs for every Pod, and a spread copies through a slower path.
  const { rewriter, pullSecrets, excludedOwners } = runtime.settings;
  const mutation = mutatePod(request.object, { rewriter, pullSecrets, excludedOwners, rewriteOptions }, kind);
  const { counts, rewritten, changed, bypassed } = tally(mutation.images);
  if (mutation.skipped !== undefined) {
    return {
      response: buildReviewResponse(request.uid, []),
      summary: summary('skipped', mutation.skipped, mutation.images, counts),
    };
  }
  const warnings = bypassed.length === 0 ? mutation.warnings : [...mutation.warnings, ...bypassed];
  if (mode === 'audit') {
    const annotations: Record<string, string> = changed ? { 'would-rewrite': JSON.stringify(rewritten) } : {};
    return {
      response: buildReviewResponse(
        request.uid,
        [],
        [...auditWarnings(mutation.images), ...warnings],
        annotations,
      ),
      summary: summary(changed ? 'audited' : 'unchanged', undefined, mutation.images, counts),
    };
  }
  const annotations: Record<string, string> = changed ? { rewritten: JSON.stringify(rewritten) } : {};
  return {
    response: buildReviewResponse(request.uid, mutation.patch, warnings, annotations),
    summary: summary(mutation.patch.length > 0 ? 'patched' : 'unchanged', undefined, mutation.images, counts),
  };
}

/**
 * Checks proxied references before they are written (`verify.enabled`); resolves to those that could
 * not be verified, and never rejects.
 */
export type ImageVerification = (
  references: readonly string[],
  /** A dry run must have no side effects (`sideEffects: None`): no request may go out for it. */
  options: { readonly dryRun: boolean },
) => Promise<ReadonlySet<string>>;

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
    return verify(references, { dryRun: review.request.dryRun === true }).then((unverifiedImages) =>
      unverifiedImages.size === 0
        ? decided
        : handleReview(review, endpoint, runtime, { ...rewriteOptions, unverifiedImages }),
    );
  };
}
