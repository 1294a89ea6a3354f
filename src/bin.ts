#!/usr/bin/env node
/** The executable behind package.json's `bin`. */
import { endQuietlyWhenStdoutCloses } from './cli/io.js';
import { main } from './cli/main.js';

endQuietlyWhenStdoutCloses();
main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // One line for users; the stack only with PULLTHROUGH_DEBUG=1 (for a bug report).
    const detail =
      error instanceof Error
        ? process.env.PULLTHROUGH_DEBUG
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    process.stderr.write(`pullthrough: ${detail}\n`);
    process.exitCode = 1;
  },
);
