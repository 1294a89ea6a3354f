/**
 * How pullthrough reads a failed Kubernetes API call, in one place for every caller (certificates,
 * secret sync, leader election, the live audit). Read structurally: client-node 1.x throws
 * `ApiException` with a numeric `code` and the Status `body`, and reading it this way keeps the
 * client library out of the modules that only classify errors.
 */

/**
 * Someone else changed the object between our read and our write (HTTP 409, or a failed JSON-patch
 * test). Not a failure: the caller re-reads and, usually, adopts what the other writer did.
 */
export class ConflictError extends Error {
  readonly code = 'PT_ERR_CONFLICT';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** The HTTP status behind an API error, or undefined for anything else (a network error, say). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Errors that retrying cannot fix (bad credentials, missing RBAC, an object the API server rejects):
 * at start-up these fail fast with the API server's message instead of looping.
 */
export function isPermanentApiError(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status === 400 || status === 401 || status === 403 || status === 422;
}

/** An error the API server answered (client-node's `ApiException`), as opposed to a transport failure. */
function isApiException(error: unknown): error is Error & { code: number; body: unknown } {
  return error instanceof Error && httpStatusOf(error) !== undefined && 'body' in error;
}

/** True when the API server answered with this HTTP status. */
export function isApiStatus(error: unknown, status: number): boolean {
  return isApiException(error) && error.code === status;
}

/** A short message for an API error: status code and the Status object's message. */
export function describeApiError(error: unknown): string {
  if (!isApiException(error)) return error instanceof Error ? error.message : String(error);
  return `HTTP ${error.code}: ${statusMessage(error.body)}`;
}

function statusMessage(body: unknown): string {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body === '' ? 'no details' : body;
    }
  }
  if (value !== null && typeof value === 'object' && 'message' in value) return String(value.message);
  return 'no details';
}
