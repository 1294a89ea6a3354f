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

/** Image strings are user input: no control characters reach kubectl's terminal. */
const sanitizeWarning = (text: string): string => {
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
  return printable.length <= MAX_WARNING_LENGTH
    ? printable
    : `${printable.slice(0, MAX_WARNING_LENGTH - 1)}…`;
};

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
  if (warnings.length > 0) response.warnings = warnings.map(sanitizeWarning);
  if (Object.keys(auditAnnotations).length > 0) response.auditAnnotations = { ...auditAnnotations };
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
