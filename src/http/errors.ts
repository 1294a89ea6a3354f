/**
 * The coded errors pullthrough answers with. Tests assert on `code`; clients read `message`.
 * No response ever carries a stack trace.
 */
export interface ErrorDefinition {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

export const ERRORS = {
  BAD_REVIEW: { code: 'PT_ERR_BAD_REVIEW', statusCode: 400, message: 'malformed AdmissionReview' },
  BAD_JSON: { code: 'PT_ERR_BAD_JSON', statusCode: 400, message: 'the body is not valid JSON' },
  EMPTY_BODY: {
    code: 'PT_ERR_EMPTY_BODY',
    statusCode: 400,
    message: 'the body is empty; expected an AdmissionReview',
  },
  TOO_DEEP: {
    code: 'PT_ERR_TOO_DEEP',
    statusCode: 400,
    message: 'the body is nested deeper than any Pod can be',
  },
  BODY_TOO_LARGE: {
    code: 'PT_ERR_BODY_TOO_LARGE',
    statusCode: 413,
    message: 'the body is larger than the limit',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'PT_ERR_MEDIA_TYPE',
    statusCode: 415,
    message: 'unsupported content type; send application/json',
  },
  NOT_FOUND: { code: 'PT_ERR_NOT_FOUND', statusCode: 404, message: 'no such endpoint' },
  INTERNAL: {
    code: 'PT_ERR_INTERNAL',
    statusCode: 500,
    message: 'internal error; the review was not handled',
  },
} as const satisfies Record<string, ErrorDefinition>;

/** The JSON body of every error response. */
export function errorBody(definition: ErrorDefinition, detail?: string): { code: string; message: string } {
  return {
    code: definition.code,
    message: detail === undefined ? definition.message : `${definition.message}: ${detail}`,
  };
}
