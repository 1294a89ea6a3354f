import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '../../src/tls/self-signed.js';
import { describeCertificate, type TlsMaterial } from '../../src/tls/tls-material.js';
import { fileTlsSource, type TlsSource } from '../../src/tls/tls-source.js';
import { captureLogger } from '../helpers/logger.js';
import {
  caWithTwoLeaves,
  get,
  nextChange,
  replaceFile,
  serve,
  sleep,
  swapSecretVolume,
  writeSecretVolume,
  type Answer,
  type Served,
} from './helpers.js';

let ca: CertificateAuthority;
let a: TlsMaterial;
let b: TlsMaterial;
let fpA: string;
let fpB: string;

beforeAll(async () => {
  ({ ca, a, b } = await caWithTwoLeaves());
  fpA = describeCertificate(a.cert).fingerprint256;
  fpB = describeCertificate(b.cert).fingerprint256;
});

let dir: string;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pullthrough-tls-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function start(
  certPath: string,
  keyPath: string,
  log = captureLogger(),
): Promise<{ source: TlsSource; served: Served }> {
  const source = await fileTlsSource(certPath, keyPath, {
    log,
    debounceMs: 20,
    retryMs: 200,
    pollIntervalMs: 0,
  });
  cleanups.push(() => source.close());
  const served = await serve(source);
  cleanups.push(() => served.close());
  return { source, served };
}

/**
 * Sends requests one after another (fresh connection each) until `stop` resolves, then a few more.
 * Returns every answer; a failed request rejects the whole loop.
 */
async function requestLoop(port: number, stop: Promise<unknown>): Promise<Answer[]> {
  const answers: Answer[] = [];
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped) answers.push(await get(port, ca.cert));
  for (let i = 0; i < 5; i++) answers.push(await get(port, ca.cert));
  return answers;
}

function expectSwitchedOnce(answers: Answer[]): void {
  const fps = answers.map((x) => x.fingerprint256);
  expect(answers.every((x) => x.status === 200 && x.body === 'ok')).toBe(true);
  expect(fps[0]).toBe(fpA);
  expect(fps.at(-1)).toBe(fpB);
  // Once the new certificate is served, the old one never comes back.
  expect(fps.slice(fps.indexOf(fpB)).every((f) => f === fpB)).toBe(true);
  // The loop really overlapped the swap: several requests on each side of it.
  expect(fps.filter((f) => f === fpA).length).toBeGreaterThan(1);
  expect(fps.filter((f) => f === fpB).length).toBeGreaterThan(1);
}

describe('certificates from files', () => {
  it('replacing both files while requests run: every request succeeds and the new certificate is served after', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, a.key);
    const { source, served } = await start(certPath, keyPath);

    const changed = nextChange(source);
    const loop = requestLoop(served.port, changed);
    await sleep(100);
    await replaceFile(keyPath, b.key);
    await replaceFile(certPath, b.cert);
    await changed;
    const answers = await loop;

    expectSwitchedOnce(answers);
    expect(source.current().cert).toBe(b.cert);
  });

  it('a Kubernetes Secret volume swap (..data symlink renamed to a new directory) is picked up without dropping requests', async () => {
    await writeSecretVolume(dir, a, '2026_01_01_00_00_00.1');
    const { source, served } = await start(join(dir, 'tls.crt'), join(dir, 'tls.key'));

    const changed = nextChange(source);
    const loop = requestLoop(served.port, changed);
    await sleep(100);
    await swapSecretVolume(dir, b, '2026_01_01_00_00_00.1', '2026_01_02_00_00_00.2');
    await changed;
    const answers = await loop;

    expectSwitchedOnce(answers);
  });

  it('a second Secret volume swap is picked up too (the watches follow the new files)', async () => {
    await writeSecretVolume(dir, a, 's1');
    const { source, served } = await start(join(dir, 'tls.crt'), join(dir, 'tls.key'));
    let changed = nextChange(source);
    await swapSecretVolume(dir, b, 's1', 's2');
    await changed;
    changed = nextChange(source);
    await swapSecretVolume(dir, a, 's2', 's3');
    await changed;
    expect((await get(served.port, ca.cert)).fingerprint256).toBe(fpA);
  });

  it('a mismatched cert/key pair is logged and ignored, the old certificate stays, and the completed pair is then served', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, a.key);
    const log = captureLogger();
    const { source, served } = await start(certPath, keyPath, log);
    let changes = 0;
    source.subscribe(() => changes++);

    await replaceFile(certPath, b.cert);
    await sleep(300);
    expect(changes).toBe(0);
    expect(source.current()).toEqual({ cert: a.cert, key: a.key });
    expect((await get(served.port, ca.cert)).fingerprint256).toBe(fpA);
    expect(log.entries.some((l) => l.level === 'warn' && /does not match/.test(JSON.stringify(l.obj)))).toBe(
      true,
    );

    const changed = nextChange(source);
    await replaceFile(keyPath, b.key);
    await changed;
    expect((await get(served.port, ca.cert)).fingerprint256).toBe(fpB);
  });

  it('a half-written certificate file is ignored and the old certificate keeps being served', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, a.key);
    const { source, served } = await start(certPath, keyPath);
    let changes = 0;
    source.subscribe(() => changes++);

    await writeFile(certPath, b.cert.slice(0, b.cert.length / 2));
    await sleep(300);
    expect(changes).toBe(0);
    expect((await get(served.port, ca.cert)).fingerprint256).toBe(fpA);
  });

  it('a pair that is unusable at start is an error naming the files', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, b.key);
    await expect(fileTlsSource(certPath, keyPath)).rejects.toThrow(/tls\.crt.*tls\.key.*does not match/);
    await expect(fileTlsSource(join(dir, 'missing.crt'), keyPath)).rejects.toThrow(/ENOENT/);
  });

  it('the safety-net re-read picks up a change even without file events', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, a.key);
    // No watchers at all, as on a filesystem that reports nothing: only the periodic re-read can notice.
    const source = await fileTlsSource(certPath, keyPath, {
      debounceMs: 10,
      pollIntervalMs: 50,
      watch: false,
    });
    cleanups.push(() => source.close());
    const changed = nextChange(source);
    await replaceFile(keyPath, b.key);
    await replaceFile(certPath, b.cert);
    await expect(changed).resolves.toEqual({ cert: b.cert, key: b.key });
  });

  it('after close, file changes are no longer reported', async () => {
    const certPath = join(dir, 'tls.crt');
    const keyPath = join(dir, 'tls.key');
    await writeFile(certPath, a.cert);
    await writeFile(keyPath, a.key);
    const source = await fileTlsSource(certPath, keyPath, { debounceMs: 10, pollIntervalMs: 20 });
    let changes = 0;
    source.subscribe(() => changes++);
    await source.close();
    await replaceFile(keyPath, b.key);
    await replaceFile(certPath, b.cert);
    await sleep(150);
    expect(changes).toBe(0);
  });
});
