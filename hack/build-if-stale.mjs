#!/usr/bin/env node
// `npm start` (prestart) builds only when something the build reads changed since the last
// successful build, which `npm run build` marks with dist/.build-stamp: starting again is then
// instant instead of a full tsc run. A deleted or added file changes its directory's time, so it
// counts too. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP = 'dist/.build-stamp';
export const BUILD_INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** The newest modification time under a path (itself included); -Infinity when it does not exist. */
function newestChange(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return -Infinity;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** True when there is no successful build yet, or an input changed after it. */
export function isStale(root, inputs = BUILD_INPUTS, stamp = STAMP) {
  const built = newestChange(join(root, stamp));
  if (built === -Infinity) return true;
  return inputs.some((input) => newestChange(join(root, input)) > built);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!isStale(root)) {
    process.stderr.write('pullthrough: dist/ is up to date with src/ (npm run build rebuilds anyway)\n');
  } else {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    process.exitCode = build.status ?? 1;
  }
}
