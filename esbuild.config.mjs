/**
 * The bundle the image runs: dist/bin.js (tsc's output) and every dependency in one ES module,
 * dist/bundle/bin.mjs, so start-up reads and compiles one file instead of resolving and loading
 * hundreds. What only some paths need (the Kubernetes client, certificate generation, the audit
 * and sync-secrets commands) stays behind dynamic imports, in chunks loaded on first use.
 *
 *   node esbuild.config.mjs        (run by `npm run build`)
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// Chunk names carry content hashes: without this, every build would leave the last one's chunks
// behind, and the image would ship them.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/bin.js'],
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js: "import { createRequire as __pullthroughCreateRequire } from 'node:module'; const require = __pullthroughCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  logLevel: 'warning',
});
