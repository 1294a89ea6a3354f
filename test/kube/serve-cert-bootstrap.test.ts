/**
 * `pullthrough serve --cert-secret ...` (the chart's default certificate path) started while the API
 * server cannot be reached, as the real process: it must keep retrying, and never end before it
 * serves. It used to log one warning and exit with status 0, because the only thing left to run was
 * an unref'ed retry timer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

let dir: string;
let child: ChildProcess | undefined;

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  expect(existsSync('dist/bin.js'), 'run `npm run build` before this test').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'pt-cert-bootstrap-'));
  const port = await closedPort();
  writeFileSync(
    join(dir, 'kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: down, cluster: {server: "https://127.0.0.1:' +
        port +
        '", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: down, user: u}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('serve --cert-secret keeps retrying an unreachable API server instead of exiting', async () => {
  child = spawn(
    process.execPath,
    [
      'dist/bin.js',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--cert-secret',
      'pullthrough-tls',
      '--webhook-config',
      'pullthrough',
      '--namespace',
      'pullthrough',
      '--service',
      'pullthrough',
    ],
    { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const running = child;
  let output = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  running.on('exit', (code, signal) => (exit = { code, signal }));

  // Two retry warnings: the process outlived the first wait (the old code exited 0 during it).
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fewer than 2 retries within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const retries = output
        .split('\n')
        .filter((l) => l.includes('cannot set up the certificate Secret yet'));
      if (retries.length >= 2) {
        clearTimeout(timer);
        resolve();
      }
    };
    running.stdout!.on('data', onData);
    running.stderr!.on('data', onData);
    running.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with status ${code} before serving:\n${output}`));
    });
  });

  expect(exit).toBeUndefined();
  expect(output).toContain('ECONNREFUSED');
  expect(output).not.toContain('pullthrough is serving');
  const lines = output
    .split('\n')
    .filter((l) => l.includes('cannot set up the certificate Secret yet'))
    .map((l) => JSON.parse(l) as { attempt: number; retryInMs: number });
  expect(lines.map((l) => l.attempt)).toEqual([1, 2]);
  expect(lines[1]!.retryInMs).toBeGreaterThan(lines[0]!.retryInMs);
});
