/**
 * Writing the self-signed CA (issue #13 item 13, issue #14 item 5): a second instance never
 * overwrites the first one's CA, and a file or symlink planted in the directory is never followed.
 */
import { lstat, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selfSignedTlsSource, writeFileAtomically } from '../../src/tls/tls-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pt-ca-file-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writing the CA file', () => {
  it('does not write through a symlink planted at the temporary name the old code predicted', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious\n');
    const target = join(dir, 'ca.crt');
    await symlink(victim, `${target}.${process.pid}.tmp`);
    await writeFileAtomically(target, 'CA\n', 0o644);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await readFile(target, 'utf8')).toBe('CA\n');
  });

  it('replaces a symlink planted at the destination instead of writing through it', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious\n');
    const target = join(dir, 'ca.crt');
    await symlink(victim, target);
    await writeFileAtomically(target, 'CA\n', 0o644);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await lstat(target)).isSymbolicLink()).toBe(false);
    expect(await readFile(target, 'utf8')).toBe('CA\n');
    expect(((await lstat(target)).mode & 0o777).toString(8)).toBe('644');
  });

  it('uses an unpredictable temporary name each time and leaves none behind', async () => {
    const target = join(dir, 'ca.crt');
    await Promise.all([1, 2, 3].map((n) => writeFileAtomically(target, `CA ${n}\n`, 0o644)));
    expect(await readdir(dir)).toEqual(['ca.crt']);
  });

  it('two instances on different ports keep two CA files', async () => {
    const first = await selfSignedTlsSource({ port: 18443 });
    const second = await selfSignedTlsSource({ port: 18444 });
    try {
      expect(first.caPath).not.toBe(second.caPath);
      expect(await readFile(first.caPath, 'utf8')).not.toBe(await readFile(second.caPath, 'utf8'));
    } finally {
      await Promise.all([first.source.close(), second.source.close()]);
      await Promise.all([rm(first.caPath, { force: true }), rm(second.caPath, { force: true })]);
    }
  });
});
