/**
 * The Dockerfile's runtime layer without Docker: production dependencies only, in a clean folder
 * that the server cannot write to, started as the image's non-root UID. Proves the shipped set of
 * files is complete and that nothing needs a dev dependency or a writable /app.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReview } from '../fixtures/load.js';

const IMAGE_UID = '65532';
let appDir: string;
let tmpDir: string;
let server: ChildProcess | undefined;
let url = '';

function waitForServing(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('pullthrough is serving')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

beforeAll(() => {
  expect(existsSync('dist/bin.js'), 'run `npm run build` before this test').toBe(true);
  appDir = mkdtempSync(join(tmpdir(), 'pt-runtime-app-'));
  tmpDir = mkdtempSync(join(tmpdir(), 'pt-runtime-tmp-'));
  for (const file of ['package.json', 'package-lock.json']) cpSync(file, join(appDir, file));
  cpSync('dist', join(appDir, 'dist'), { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: appDir,
    stdio: 'pipe',
  });
  chmodSync(appDir, 0o755); // readable, not writable, by the image's user
  chmodSync(tmpDir, 0o1777);
}, 180_000);

afterAll(() => {
  server?.kill('SIGTERM');
});

describe('the runtime layer', () => {
  it('has no development dependency installed', () => {
    for (const dev of ['typescript', 'vitest', 'eslint', 'fast-check', 'autocannon']) {
      expect(existsSync(join(appDir, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(join(appDir, 'node_modules', 'fastify'))).toBe(true);
  });

  it('serves reviews as a non-root user from a folder it cannot write to', async () => {
    const runAsImageUser =
      process.getuid?.() === 0
        ? ['setpriv', `--reuid=${IMAGE_UID}`, `--regid=${IMAGE_UID}`, '--clear-groups']
        : [];
    const [command, ...prefix] = [...runAsImageUser, process.execPath];
    server = spawn(
      command,
      [...prefix, join(appDir, 'dist/bin.js'), 'serve', '--host', '127.0.0.1', '--port', '0'],
      {
        cwd: appDir,
        env: { PATH: process.env.PATH, TMPDIR: tmpDir, NODE_ENV: 'production' },
      },
    );
    url = await waitForServing(server);
    // Port 0: the CA file is per process (pullthrough-ca-pid<pid>.crt).
    const caFile = readdirSync(tmpDir).find((name) => /^pullthrough-ca-.+\.crt$/.test(name));
    const ca = readFileSync(join(tmpDir, caFile ?? 'no CA file written'), 'utf8');
    const body = JSON.stringify(loadReview('httpd-untagged-create'));
    const reply = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${url}/mutate`,
        { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const patch = JSON.parse(Buffer.from(JSON.parse(reply).response.patch, 'base64').toString());
    expect(patch[0].value).toBe('harbor.ingress.local/proxy_cache/library/httpd:latest');
    const exited = new Promise<number | null>((resolve) => server!.on('exit', resolve));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;
  }, 60_000);
});
