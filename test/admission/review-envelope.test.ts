import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admissionReviewProblem,
  buildReviewResponse,
  MAX_AUDIT_ANNOTATION_LENGTH,
  reviewResponseText,
} from '../../src/admission/review.js';

/**
 * The envelope as a JSON Schema: what fastify checked before the handler did. The code check must
 * accept and refuse exactly the same bodies (no coercion: fastify was told not to coerce either).
 */
const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'request'],
  properties: {
    apiVersion: { type: 'string', const: 'admission.k8s.io/v1' },
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
};
const schemaAccepts = new Ajv({ coerceTypes: false, strict: false }).compile(ENVELOPE_SCHEMA);

const valid = () => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'shop',
    dryRun: false,
    object: { metadata: {}, spec: { containers: [] } },
  },
});

describe('admissionReviewProblem', () => {
  it('accepts a review as the API server sends it, with fields it does not know', () => {
    expect(admissionReviewProblem(valid())).toBeUndefined();
    expect(
      admissionReviewProblem({ ...valid(), future: 1, request: { uid: 'x', later: [1] } }),
    ).toBeUndefined();
  });

  it.each([
    ['an array', [], 'body must be object'],
    ['null', null, 'body must be object'],
    ['a string', 'AdmissionReview', 'body must be object'],
    [
      'no request',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      "body must have required property 'request'",
    ],
    [
      'v1beta1',
      { ...valid(), apiVersion: 'admission.k8s.io/v1beta1' },
      'body/apiVersion must be equal to admission.k8s.io/v1',
    ],
    ['another kind', { ...valid(), kind: 'Pod' }, 'body/kind must be equal to AdmissionReview'],
    ['request is an array', { ...valid(), request: [] }, 'body/request must be object'],
    [
      'no uid',
      { ...valid(), request: { operation: 'CREATE' } },
      "body/request must have required property 'uid'",
    ],
    ['a numeric uid', { ...valid(), request: { uid: 42 } }, 'body/request/uid must be string'],
    [
      'an empty uid',
      { ...valid(), request: { uid: '' } },
      'body/request/uid must NOT have fewer than 1 characters',
    ],
    [
      'dryRun as a string',
      { ...valid(), request: { uid: 'u', dryRun: 'true' } },
      'body/request/dryRun must be boolean',
    ],
    [
      'a null namespace',
      { ...valid(), request: { uid: 'u', namespace: null } },
      'body/request/namespace must be string',
    ],
    [
      'kind as a string',
      { ...valid(), request: { uid: 'u', kind: 'Pod' } },
      'body/request/kind must be object',
    ],
    [
      'kind.version a number',
      { ...valid(), request: { uid: 'u', kind: { version: 1 } } },
      'body/request/kind/version must be string',
    ],
  ])('refuses %s: %s', (_name, body, message) => {
    expect(admissionReviewProblem(body)).toBe(message);
  });

  it('refuses exactly what the envelope schema refuses', () => {
    const anything = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
    );
    const field = <T>(value: fc.Arbitrary<T>) => fc.option(fc.oneof(value, anything), { nil: undefined });
    const kind = fc.record(
      { group: field(fc.constant('')), version: field(fc.constant('v1')), kind: field(fc.constant('Pod')) },
      { requiredKeys: [] },
    );
    const request = fc.record(
      {
        uid: field(fc.constantFrom('u', '')),
        kind: field(kind),
        subResource: field(fc.constantFrom('', 'status')),
        name: field(fc.string()),
        namespace: field(fc.string()),
        operation: field(fc.constantFrom('CREATE', 'UPDATE')),
        dryRun: field(fc.boolean()),
        object: field(fc.constant({})),
      },
      { requiredKeys: [] },
    );
    const review = fc.record(
      {
        apiVersion: field(fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1')),
        kind: field(fc.constantFrom('AdmissionReview', 'Pod')),
        request: field(request),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(review, anything), (body) => {
        // Through JSON, as the body arrives: no undefined-valued keys.
        const parsed: unknown = JSON.parse(JSON.stringify(body) ?? 'null');
        expect(admissionReviewProblem(parsed) === undefined).toBe(schemaAccepts(parsed));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reviewResponseText', () => {
  // Strings as a user's Pod can make them: quotes, backslashes, controls, lone surrogates, long ones.
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('"', '\\', '\u2028', '\ud800', '</script>', 'x'.repeat(MAX_AUDIT_ANNOTATION_LENGTH + 5)),
  );
  const operation = fc.record({
    op: fc.constantFrom<'add' | 'replace'>('add', 'replace'),
    path: text,
    value: fc.option(fc.jsonValue(), { nil: undefined }),
  });

  it('writes exactly what JSON.stringify writes, for every response buildReviewResponse makes and its patch', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(operation, { maxLength: 4 }),
        // A few, or enough that the last one counts the rest.
        fc.oneof(fc.array(text, { maxLength: 3 }), fc.array(text, { minLength: 19, maxLength: 25 })),
        fc.dictionary(text, text, { maxKeys: 3 }),
        (uid, patch, warnings, annotations) => {
          const review = buildReviewResponse(uid, patch, warnings, annotations);
          expect(reviewResponseText(review)).toBe(JSON.stringify(review));
          const patchJson =
            patch.length === 0 ? undefined : Buffer.from(JSON.stringify(patch)).toString('base64');
          expect(review.response.patch).toBe(patchJson);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
