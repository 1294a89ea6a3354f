/**
 * AdmissionReview `admission.k8s.io/v1`: the envelope's types, its JSON schema (the envelope only:
 * the Pod inside is the API server's and is read defensively), and the response builder.
 */
import { arrayShape, objectShape, WHOLE } from '../core/json-projection.js';
import type { JsonPatchOperation } from '../core/mutate-pod.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: GroupVersionKind;
  readonly resource?: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation?: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
}

export interface AdmissionReview {
  readonly apiVersion: string;
  readonly kind: string;
  readonly request: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === 'string';
const isObject: Check = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The optional fields of `request` pullthrough reads, with the JSON type each must have. */
const REQUEST_FIELDS: readonly (readonly [string, string, Check])[] = [
  ['kind', 'object', isObject],
  ['subResource', 'string', isString],
  ['name', 'string', isString],
  ['namespace', 'string', isString],
  ['operation', 'string', isString],
  ['dryRun', 'boolean', (value) => typeof value === 'boolean'],
];
const KIND_FIELDS = ['group', 'version', 'kind'] as const;

/**
 * Why `body` is not an AdmissionReview pullthrough can answer, worded like a JSON Schema error
 * (`body/request must have required property 'uid'`), or undefined when it is one. The envelope
 * only: the Pod inside is the API server's and is read defensively. Unknown fields are allowed,
 * so future API server fields never turn into rejected reviews, and nothing is coerced.
 * Checked in code rather than by a schema compiler: eight fields do not need one at start-up.
 */
export function admissionReviewProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'body must be object';
  const review = body as Record<string, unknown>;
  for (const field of ['apiVersion', 'kind', 'request']) {
    if (!(field in review)) return `body must have required property '${field}'`;
  }
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    return `body/apiVersion must be equal to ${ADMISSION_API_VERSION}`;
  }
  if (review.kind !== 'AdmissionReview') return 'body/kind must be equal to AdmissionReview';
  if (!isObject(review.request)) return 'body/request must be object';
  return requestProblem(review.request as Record<string, unknown>);
}

function requestProblem(request: Record<string, unknown>): string | undefined {
  if (!('uid' in request)) return "body/request must have required property 'uid'";
  if (typeof request.uid !== 'string') return 'body/request/uid must be string';
  if (request.uid === '') return 'body/request/uid must NOT have fewer than 1 characters';
  for (const [field, type, check] of REQUEST_FIELDS) {
    if (request[field] !== undefined && !check(request[field]))
      return `body/request/${field} must be ${type}`;
  }
  if (request.kind === undefined) return undefined;
  const kind = request.kind as Record<string, unknown>;
  const notString = KIND_FIELDS.find((field) => kind[field] !== undefined && typeof kind[field] !== 'string');
  return notString === undefined ? undefined : `body/request/kind/${notString} must be string`;
}

/** The API server may truncate warnings past 256 characters (it asks for 120); cut them ourselves, readably. */
const MAX_WARNING_LENGTH = 256;
/**
 * The API server keeps at most 4 KiB of warnings per request (16 at full length), so more is only
 * bytes on the wire: past this many, the rest are counted in one last warning.
 */
export const MAX_WARNINGS = 20;
/**
 * An audit annotation lands in every audit event of the request; a Pod with thousands of images
 * would otherwise write megabytes per event. Longer values are cut and say so.
 */
export const MAX_AUDIT_ANNOTATION_LENGTH = 8 * 1024;

/**
 * Image strings are user input: nothing that moves kubectl's cursor, hides or reorders text reaches
 * its terminal: C0 and C1 controls (\p{Cc}), format characters such as bidi overrides and
 * zero-width joiners (\p{Cf}), and the line and paragraph separators.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** Cuts `text` to `max` UTF-16 units without splitting a surrogate pair, marking the cut. */
function cut(text: string, max: number, marker: string): string {
  if (text.length <= max) return text;
  let end = max - marker.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${marker}`;
}

const sanitizeWarning = (text: string): string =>
  cut(text.replace(UNPRINTABLE, '\uFFFD'), MAX_WARNING_LENGTH, '…');

function boundedWarnings(warnings: readonly string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings.map(sanitizeWarning);
  const kept = warnings.slice(0, MAX_WARNINGS - 1).map(sanitizeWarning);
  const omitted = warnings.length - kept.length;
  return [...kept, `pullthrough: ${omitted} more warnings not shown (${warnings.length} in all)`];
}

/** Builds the response: `patchType`/`patch` only for a non-empty patch, empty lists and maps omitted. */
export function buildReviewResponse(
  uid: string,
  patch: readonly JsonPatchOperation[],
  warnings: readonly string[] = [],
  auditAnnotations: Readonly<Record<string, string>> = {},
): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  if (warnings.length > 0) response.warnings = boundedWarnings(warnings);
  const keys = Object.keys(auditAnnotations);
  if (keys.length > 0) {
    const annotations: Record<string, string> = {};
    for (const key of keys) {
      const value = auditAnnotations[key] as string;
      // The cut marker is built only for a value that is cut (this runs on every review).
      annotations[key] =
        value.length <= MAX_AUDIT_ANNOTATION_LENGTH
          ? value
          : cut(value, MAX_AUDIT_ANNOTATION_LENGTH, `… (cut from ${value.length} characters)`);
    }
    response.auditAnnotations = annotations;
  }
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/**
 * `JSON.stringify(review)` for the one shape a response has, written out: its fixed parts are literal
 * text and a base64 patch needs no escaping, so only the uid, the warnings and the audit annotations
 * are serialized (this runs for every review; the generic walk cost about 1 µs more).
 */
export function reviewResponseText(review: AdmissionReviewResponse): string {
  const { uid, patchType, patch, warnings, auditAnnotations } = review.response;
  let text = `{"apiVersion":"${ADMISSION_API_VERSION}","kind":"AdmissionReview","response":{"uid":${JSON.stringify(uid)},"allowed":true`;
  if (patchType !== undefined) text += `,"patchType":"${patchType}"`;
  if (patch !== undefined) text += `,"patch":"${patch}"`;
  if (warnings !== undefined) text += `,"warnings":${JSON.stringify(warnings)}`;
  if (auditAnnotations !== undefined) text += `,"auditAnnotations":${JSON.stringify(auditAnnotations)}`;
  return `${text}}}`;
}

/** A container, and a volume (whose `image` is an object holding `reference`). */
const NAME_AND_IMAGE = objectShape({ name: WHOLE, image: WHOLE });
const POD_SHAPE = objectShape({
  metadata: objectShape({
    name: WHOLE,
    generateName: WHOLE,
    annotations: WHOLE,
    labels: WHOLE,
    ownerReferences: WHOLE,
  }),
  spec: objectShape({
    initContainers: arrayShape(NAME_AND_IMAGE),
    containers: arrayShape(NAME_AND_IMAGE),
    ephemeralContainers: arrayShape(NAME_AND_IMAGE),
    volumes: arrayShape(NAME_AND_IMAGE),
    imagePullSecrets: WHOLE,
  }),
});

/**
 * What pullthrough reads of a review: the envelope, and of the Pod (new and old) its names,
 * annotations, labels, owners, image fields and pull secrets. The body parser builds only these
 * (json-projection.ts); a field read anywhere on the review path must be named here.
 */
export const REVIEW_SHAPE = objectShape({
  apiVersion: WHOLE,
  kind: WHOLE,
  request: objectShape({
    uid: WHOLE,
    kind: WHOLE,
    subResource: WHOLE,
    name: WHOLE,
    namespace: WHOLE,
    operation: WHOLE,
    dryRun: WHOLE,
    object: POD_SHAPE,
    oldObject: POD_SHAPE,
  }),
});
