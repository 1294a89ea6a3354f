/**
 * The slice of a pino logger the TLS, certificate and health code needs. Declared here rather than importing
 * pino's `Logger` so these modules (and their tests) accept any object-first logger, and a pino child
 * logger can be passed as is.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything: the default, so callers that do not care need not pass one. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
