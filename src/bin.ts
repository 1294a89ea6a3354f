#!/usr/bin/env node
/** The executable behind package.json's `bin`, and the entry of the bundle the image runs. */
import nodeModule from 'node:module';
import { endQuietlyWhenStdoutCloses } from './cli/io.js';

// Node 22.1+ keeps compiled code on disk (under $TMPDIR) for the next start; older Nodes lack it,
// and a read-only $TMPDIR only means no cache. Enabled before the CLI is imported, so it covers it.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

endQuietlyWhenStdoutCloses();
import('./cli/main.js')
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
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
