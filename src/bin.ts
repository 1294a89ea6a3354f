#!/usr/bin/env node
/** The executable behind package.json's `bin`, and the entry of the bundle the image runs. */
import nodeModule from 'node:module';

// Node 22.1+ keeps compiled code on disk (under $TMPDIR) for the next start; older Nodes lack it,
// and a read-only $TMPDIR only means no cache. Enabled before the CLI is imported, so it covers it.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

import('./cli/main.js')
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(
        `pullthrough: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
