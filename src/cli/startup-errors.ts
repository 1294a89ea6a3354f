/**
 * Start-up failures the operator fixes (a port, a certificate file), turned into one line that
 * names the thing and what to do; the commands exit 2 on them. Anything else is a bug and is
 * left to propagate. Pure.
 */

/** Where a command tried to listen, for messages. */
export interface ListenTarget {
  readonly host: string;
  readonly port: number;
  /** The flag that chooses the port (`--port`, `--metrics-port`). */
  readonly portFlag: string;
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** One line for a failed listen (port in use, privileged port, foreign address), or undefined. */
export function listenErrorMessage(error: unknown, target: ListenTarget): string | undefined {
  const where = `port ${target.port} on ${target.host}`;
  switch (errnoOf(error)) {
    case 'EADDRINUSE':
      return `${where} is already in use: stop the process that holds it (ss -ltnp 'sport = :${target.port}') or choose another with ${target.portFlag}`;
    case 'EACCES':
      return `not allowed to listen on ${where}: ports below 1024 need privileges; choose a port of 1024 or above with ${target.portFlag}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${target.host} is not an address of this machine; use --host 0.0.0.0 or one of its addresses`;
    default:
      return undefined;
  }
}

/** What to do when the certificate flags or files are unusable. */
export const TLS_FILES_HINT =
  'give --tls-cert and --tls-key a readable PEM certificate and its matching private key, or leave both out for a self-signed certificate';
