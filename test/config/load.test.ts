import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pullthrough-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('returns the text it parsed, so the watcher starts from exactly what is in force', async () => {
    const path = join(dir, 'config.yaml');
    const text = 'rules: [{registry: docker.io, proxy: "mirror.local:5000"}]\n';
    await writeFile(path, text);
    const loaded = await loadConfig(path);
    expect(loaded.text).toBe(text);
    expect(loaded.config.rules).toEqual([{ registry: 'docker.io', proxy: 'mirror.local:5000' }]);
  });

  it('returns the embedded default and no text without a path', async () => {
    expect(await loadConfig(undefined)).toEqual({ config: DEFAULT_CONFIG, text: undefined });
  });

  it('names the file it cannot read', async () => {
    const path = join(dir, 'missing.yaml');
    await expect(loadConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadConfig(path)).rejects.toThrow(`invalid configuration in ${path}`);
  });
});
