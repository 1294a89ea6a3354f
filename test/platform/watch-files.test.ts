import { mkdirSync, mkdtempSync, rmSync, symlinkSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFiles, type FileWatch } from '../../src/platform/watch-files.js';
import { FakeClock } from '../helpers/fake-clock.js';

let watch: FileWatch | undefined;
let dir: string | undefined;
afterEach(() => {
  watch?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  watch = undefined;
  dir = undefined;
});

describe('watching mounted files', () => {
  it('polls when there are no events, once per interval after the debounce, and stops when closed', async () => {
    const clock = new FakeClock();
    let changes = 0;
    watch = watchFiles({ directories: [], pollIntervalMs: 1_000, debounceMs: 100, clock }, () => changes++);
    await clock.advance(1_050);
    expect(changes).toBe(0);
    await clock.advance(50);
    expect(changes).toBe(1);
    await clock.advance(1_000);
    expect(changes).toBe(2);
    watch.close();
    await clock.advance(5_000);
    expect(changes).toBe(2);
    expect(clock.pending()).toEqual([]);
  });

  it('coalesces a burst of triggers into one change', async () => {
    const clock = new FakeClock();
    let changes = 0;
    watch = watchFiles({ directories: [], pollIntervalMs: 0, debounceMs: 100, clock }, () => changes++);
    for (let i = 0; i < 5; i++) {
      watch.trigger();
      await clock.advance(60);
    }
    expect(changes).toBe(0);
    await clock.advance(100);
    expect(changes).toBe(1);
  });

  it("sees the kubelet's ..data swap in a watched directory", async () => {
    dir = mkdtempSync(join(tmpdir(), 'pt-watch-'));
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'config.yaml'), 'one');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'config.yaml'), join(dir, 'config.yaml'));
    const changed = new Promise<void>((resolve) => {
      watch = watchFiles({ directories: [dir!], pollIntervalMs: 0, debounceMs: 10 }, resolve);
    });
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'config.yaml'), 'two');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await expect(changed).resolves.toBeUndefined();
  });
});
