/**
 * The slice of a pino logger the code below the wiring needs. Declared here rather than importing
 * pino's `Logger` so every module (and its tests) accepts any object-first logger, and a pino logger
 * or child can be passed as is. Only `log.ts` (which builds the logger) and the fastify app (which
 * hands it to fastify) know pino.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that can name a component: `child({ component })` adds the bindings to every line. */
export interface ScopedLogger extends Logger {
  child(bindings: Record<string, unknown>): ScopedLogger;
}

/** A logger that drops everything: the default, so callers that do not care need not pass one. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
