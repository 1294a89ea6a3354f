import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CredentialsError,
  fileCredentials,
  parseDockerConfig,
  registryHostOf,
  secretCredentials,
} from '../../src/health/credentials.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('reading a dockerconfigjson', () => {
  it('takes auth (base64 user:password) or username and password, keyed by host without scheme or path', () => {
    const credentials = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://Harbor.Example.com/v2/': { auth: b64('robot$pull:pa:ss') },
          'registry.local:5000': { username: 'u', password: 'p' },
          'empty.local': {},
        },
      }),
      'test',
    );
    expect(Object.fromEntries(credentials)).toEqual({
      'harbor.example.com': { username: 'robot$pull', password: 'pa:ss' },
      'registry.local:5000': { username: 'u', password: 'p' },
    });
  });

  it('accepts the legacy .dockercfg shape (the map without "auths")', () => {
    const credentials = parseDockerConfig(JSON.stringify({ 'h.local': { auth: b64('a:b') } }), 'test');
    expect(credentials.get('h.local')).toEqual({ username: 'a', password: 'b' });
  });

  it('says what is wrong without quoting the document', () => {
    const secret = 'top-secret-value';
    let error: unknown;
    try {
      parseDockerConfig(`{"auths": ${secret}`, 'the credentials file /x');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe('the credentials file /x is not valid JSON');
    expect(() => parseDockerConfig('[]', 's')).toThrow('s is not a JSON object');
    expect(() => parseDockerConfig('{"auths": 3}', 's')).toThrow('s: "auths" is not an object');
  });

  it('normalizes registry keys', () => {
    expect(registryHostOf('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(registryHostOf('[::1]:5000')).toBe('[::1]:5000');
  });
});

describe('credential sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('re-reads a mounted file only after its refresh period, so a rotated Secret applies', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ auths: { h: { auth: b64('a:1') } } }));
    let now = 0;
    const source = fileCredentials(path, { refreshMs: 1_000, now: () => now });
    expect((await source()).get('h')?.password).toBe('1');
    writeFileSync(path, JSON.stringify({ auths: { h: { auth: b64('a:2') } } }));
    now = 999;
    expect((await source()).get('h')?.password).toBe('1');
    now = 1_000;
    expect((await source()).get('h')?.password).toBe('2');
  });

  it('reports a missing file by path and error code, and retries it sooner', async () => {
    const path = join(dir, 'absent.json');
    let now = 0;
    const source = fileCredentials(path, { refreshMs: 60_000, retryMs: 100, now: () => now });
    await expect(source()).rejects.toThrow(`cannot read the credentials file ${path} (ENOENT)`);
    writeFileSync(path, JSON.stringify({ auths: { h: { username: 'u', password: 'p' } } }));
    now = 100;
    expect((await source()).get('h')).toEqual({ username: 'u', password: 'p' });
  });

  it('reads a kubernetes.io/dockerconfigjson Secret through the reader it is given', async () => {
    const reads: string[] = [];
    const source = secretCredentials(
      (namespace, name) => {
        reads.push(`${namespace}/${name}`);
        return Promise.resolve({
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson': b64(JSON.stringify({ auths: { 'harbor.local': { auth: b64('r:s') } } })),
          },
        });
      },
      { namespace: 'pullthrough', name: 'regcred-harbor' },
    );
    expect((await source()).get('harbor.local')).toEqual({ username: 'r', password: 's' });
    await source();
    expect(reads).toEqual(['pullthrough/regcred-harbor']);
  });

  it('reports a Secret it cannot read, or one without the key, by name only', async () => {
    const forbidden = secretCredentials(
      () => Promise.reject(Object.assign(new Error('forbidden: secret body here'), { code: 403 })),
      { namespace: 'ns', name: 'reg' },
    );
    await expect(forbidden()).rejects.toThrow(/^cannot read Secret ns\/reg \(HTTP 403\)$/);
    const opaque = secretCredentials(() => Promise.resolve({ type: 'Opaque', data: { token: b64('x') } }), {
      namespace: 'ns',
      name: 'reg',
    });
    await expect(opaque()).rejects.toThrow('Secret ns/reg has no .dockerconfigjson key (type Opaque)');
  });
});
