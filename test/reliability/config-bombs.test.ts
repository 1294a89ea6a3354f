/**
 * Hostile configuration files (issue #13, item 5): every way a file can fail to parse is a
 * configuration error. At start-up that is exit 2 with the problem stated; on reload the last good
 * configuration stays in force and the process keeps running.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ConfigError, parseConfig, type Config } from '../../src/config/config.js';
import { watchConfig } from '../../src/config/watch.js';

/** "Billion laughs": nine levels of nine aliases each expand to 9^9 strings. */
const ALIAS_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => {
    const previous = 'abcdefghi'[i]!;
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
  'rules: *i',
].join('\n');

const GOOD = 'rules:\n  - registry: docker.io\n    proxy: harbor.ingress.local/proxy_cache\n';

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pt-config-bomb-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('hostile configuration files', () => {
  it('an alias bomb is a configuration error, not a crash', () => {
    expect(() => parseConfig(ALIAS_BOMB, 'bomb.yaml')).toThrow(ConfigError);
    expect(() => parseConfig(ALIAS_BOMB, 'bomb.yaml')).toThrow(/bomb\.yaml[\s\S]*alias/i);
  });

  it('a few ordinary aliases still work', () => {
    const config = parseConfig(
      [
        'rules:',
        '  - {registry: docker.io, proxy: h.local/p, pullSecrets: &s [regcred-harbor]}',
        '  - {registry: quay.io, proxy: h.local/q, pullSecrets: *s}',
      ].join('\n'),
      'anchors.yaml',
    );
    expect(config.rules.map((rule) => rule.pullSecrets)).toEqual([['regcred-harbor'], ['regcred-harbor']]);
  });

  it('on reload, an alias bomb is reported and the last good configuration stays', async () => {
    const path = tempFile(GOOD);
    const applied: Config[] = [];
    const rejected: ConfigError[] = [];
    const watcher = watchConfig(
      path,
      { onChange: (config) => applied.push(config), onInvalid: (error) => rejected.push(error) },
      { initialText: GOOD, pollIntervalMs: 60_000 },
    );
    try {
      writeFileSync(path, ALIAS_BOMB);
      await watcher.check();
      expect(applied).toEqual([]);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.message).toMatch(/alias/i);
    } finally {
      watcher.close();
    }
  });

  it('at start-up, serve exits 2 with the problem stated and no stack trace', async () => {
    const path = tempFile(ALIAS_BOMB);
    let stderr = '';
    const sink = (write: (text: string) => void) =>
      new Writable({
        write(chunk, _encoding, callback) {
          write(String(chunk));
          callback();
        },
      });
    const io = {
      stdin: process.stdin,
      stdout: sink(() => undefined),
      stderr: sink((text) => (stderr += text)),
    };
    const status = await main(['serve', '--config', path, '--port', '0'], io);
    expect(status).toBe(2);
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/alias/i);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
