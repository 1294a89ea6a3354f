import { describe, expect, it } from 'vitest';
import {
  UsageError,
  enumFlag,
  integerFlag,
  namespaceFlag,
  objectNameFlag,
  parseFlags,
} from '../../src/cli/flags.js';
import { ConfigError, parseConfig } from '../../src/config/config.js';
import { main } from '../../src/cli/main.js';

const usage = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('no usage error');
};

describe('command-line flags', () => {
  it('reads whole numbers within bounds, and nothing else', () => {
    const bounds = { fallback: 25, min: 0, max: 300 };
    expect(integerFlag('--drain-timeout', undefined, bounds)).toBe(25);
    expect(integerFlag('--drain-timeout', '0', bounds)).toBe(0);
    expect(integerFlag('--drain-timeout', '300', bounds)).toBe(300);
    for (const bad of ['301', '-1', '1.5', '', ' 5', '0x10', '1e2', 'ten']) {
      expect(usage(() => integerFlag('--drain-timeout', bad, bounds))).toBe(
        `--drain-timeout must be a whole number from 0 to 300 (got "${bad}")`,
      );
    }
  });

  it('reads one of the allowed values', () => {
    expect(enumFlag('--mode', undefined, ['enforce', 'audit'], 'enforce')).toBe('enforce');
    expect(enumFlag('--mode', 'audit', ['enforce', 'audit'], 'enforce')).toBe('audit');
    expect(usage(() => enumFlag('--mode', 'Audit', ['enforce', 'audit'], 'enforce'))).toBe(
      '--mode must be one of enforce, audit (got "Audit")',
    );
  });

  it('accepts exactly the Secret and namespace names the configuration accepts', () => {
    const names = [
      'regcred',
      'regcred-harbor',
      'a.b',
      'Regcred',
      'a_b',
      '-a',
      'a'.repeat(253),
      'a'.repeat(254),
    ];
    for (const name of names) {
      const inConfig = (() => {
        try {
          parseConfig(`pullthrough: x\n`.replace('pullthrough: x', `pullSecrets: ["${name}"]`), 'test.yaml');
          return true;
        } catch (error) {
          if (error instanceof ConfigError) return false;
          throw error;
        }
      })();
      const onFlag = (() => {
        try {
          return objectNameFlag('--target-name', name) === name;
        } catch {
          return false;
        }
      })();
      expect(onFlag, name).toBe(inConfig);
    }
    expect(namespaceFlag('--namespace', 'pullthrough')).toBe('pullthrough');
    expect(usage(() => namespaceFlag('--namespace', 'a.b'))).toBe(
      '--namespace "a.b" is not a namespace name',
    );
    expect(usage(() => namespaceFlag('--namespace', undefined))).toBe('--namespace is required');
  });

  it("turns node's own parse errors into usage errors", () => {
    expect(usage(() => parseFlags({ args: ['--nope'], options: {} }))).toContain("Unknown option '--nope'");
  });

  it('exits 2 with one line for a bad number on any command', async () => {
    let stderr = '';
    const io = {
      stdin: process.stdin,
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
    };
    expect(await main(['serve', '--port', '70000'], io)).toBe(2);
    expect(stderr).toBe('pullthrough serve: --port must be a whole number from 0 to 65535 (got "70000")\n');
  });
});
