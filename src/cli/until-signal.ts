/** How the long-running commands end: on SIGTERM or SIGINT, stop cleanly and report the status. */
import type { Logger } from 'pino';
import { flushLogger } from '../log.js';

/** Waits for SIGTERM or SIGINT, then runs `stop`; resolves 0 when it succeeds, 1 when it fails. */
export function untilSignal(logger: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down');
      stop().then(
        () => {
          flushLogger(logger);
          resolve(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          flushLogger(logger);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
