import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script (what `npm start` runs), no type declarations
import { isStale } from '../../hack/build-if-stale.mjs';

interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
}
// semver ships no types and is only a transitive dependency: load it untyped.
const semver = createRequire(import.meta.url)('semver') as Semver;
const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { engines: { node: string } };
const lock = require('../../package-lock.json') as {
  packages: Record<string, { dev?: boolean; optional?: boolean; engines?: { node?: string } }>;
};

describe('package.json engines', () => {
  it('is true: the oldest Node it admits satisfies every production dependency', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBeDefined();
    const unmet = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.dev !== true && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.satisfies(oldest!, entry.engines!.node!))
      .map(([path, entry]) => `${path} needs node ${entry.engines!.node}`);
    expect(unmet).toEqual([]);
  });

  it('admits the Node the image ships (24) and CI runs', () => {
    expect(semver.satisfies('24.0.0', pkg.engines.node)).toBe(true);
  });
});

describe('npm start builds only when sources changed', () => {
  const root = mkdtempSync(join(tmpdir(), 'pt-stale-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  it('builds when there is no build yet, not when nothing changed since, and again after an edit', () => {
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'src', 'a.ts'), 'export {};\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    const inputs = ['src', 'tsconfig.json'];
    expect(isStale(root, inputs)).toBe(true);

    writeFileSync(join(root, 'dist', '.build-stamp'), '');
    for (const path of ['src/a.ts', 'src', 'tsconfig.json']) at(path, 1_000);
    at('dist/.build-stamp', 2_000);
    expect(isStale(root, inputs)).toBe(false);

    at('src/a.ts', 3_000);
    expect(isStale(root, inputs)).toBe(true);
  });

  it('counts a deleted file (its directory changed)', () => {
    at('src/a.ts', 1_000);
    at('dist/.build-stamp', 2_000);
    expect(isStale(root, ['src'])).toBe(false);
    rmSync(join(root, 'src', 'a.ts'));
    at('src', 3_000);
    expect(isStale(root, ['src'])).toBe(true);
  });
});
