/**
 * Reading a command line: one usage error, one parser, and the checks every command's flags share
 * (numbers, enums, Kubernetes names). A usage error exits 2 with a line that says what to change.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isNamespaceName, isObjectName } from '../core/names.js';

/** The command line cannot be run as given; main() prints `pullthrough COMMAND: message`, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'PT_ERR_USAGE';
}

/** Node's own parseArgs error codes (unknown option, missing value, unexpected positional). */
function isParseArgsError(error: unknown): error is Error {
  return error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS_');
}

/** `util.parseArgs`, with its errors as {@link UsageError}s. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

export interface IntegerBounds {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}

/** A whole number within bounds, or the fallback when the flag is absent. */
export function integerFlag(flag: string, value: string | undefined, bounds: IntegerBounds): number {
  if (value === undefined) return bounds.fallback;
  // Digits only: no sign, exponent, hex or blanks that Number() would quietly accept.
  const parsed = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < bounds.min || parsed > bounds.max) {
    throw new UsageError(
      `${flag} must be a whole number from ${bounds.min} to ${bounds.max} (got "${value}")`,
    );
  }
  return parsed;
}

/** One of the allowed values, or the fallback when the flag is absent. */
export function enumFlag<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
}

function required(flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

/** A namespace name (RFC 1123 label), required. */
export function namespaceFlag(flag: string, value: string | undefined): string {
  const name = required(flag, value);
  if (!isNamespaceName(name)) throw new UsageError(`${flag} "${name}" is not a namespace name`);
  return name;
}

/** An object name (RFC 1123 subdomain), required. */
export function objectNameFlag(flag: string, value: string | undefined): string {
  const name = required(flag, value);
  if (!isObjectName(name)) {
    throw new UsageError(`${flag} "${name}" is not a valid object name (lowercase RFC 1123 subdomain)`);
  }
  return name;
}
