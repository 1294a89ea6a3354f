/**
 * AdmissionReview `admission.k8s.io/v1`: the envelope's types, its JSON schema (the envelope only:
 * the Pod inside is the API server's and is read defensively), and the response builder.
 */
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

/**
 * Checked by fastify before the handler runs. `additionalProperties` stays open: future API
 * server fields must not turn into rejected reviews.
 */
export const admissionReviewSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { type: 'string', const: ADMISSION_API_VERSION },
    kind: { type: 'string', const: 'AdmissionReview' },
    request: {
      type: 'object',
      required: ['uid'],
      properties: {
        uid: { type: 'string', minLength: 1 },
        kind: {
          type: 'object',
          properties: { group: { type: 'string' }, version: { type: 'string' }, kind: { type: 'string' } },
        },
        subResource: { type: 'string' },
        name: { type: 'string' },
        namespace: { type: 'string' },
        operation: { type: 'string' },
        dryRun: { type: 'boolean' },
      },
    },
  },
} as const;

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
