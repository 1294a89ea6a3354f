import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Runs the built CLI with `input` on stdin, reads its first line, then closes the pipe as `head -1` does. */
async function headOne(args: string[], input: string) {
  expect(existsSync('dist/bin.js'), 'run `npm run build` before this test').toBe(true);
  const child = spawn(process.execPath, ['dist/bin.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = new Promise<string>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => {
      child.stdout.destroy();
      resolve(chunk.toString().split('\n')[0]!);
    });
  });
  const status = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  return { firstLine: await firstLine, status: await status, stderr };
}

// `npm test` builds first; this is the process users pipe.
describe('a closed standard output (| head -1) ends the command quietly: exit 0, no EPIPE trace', () => {
  it('rewrite', async () => {
    // Enough images that writes continue after the reader has gone.
    const images = Array.from({ length: 200_000 }, (_, i) => `image-${i}`).join('\n');
    expect(await headOne(['rewrite'], images)).toEqual({
      firstLine: 'harbor.ingress.local/proxy_cache/library/image-0:latest',
      status: 0,
      stderr: '',
    });
  }, 30_000);

  it('audit -o json', async () => {
    const pods = Array.from({ length: 5_000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${i}` },
      spec: { containers: [{ name: 'a', image: `image-${i}` }] },
    }));
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods });
    expect(await headOne(['audit', '-f', '-', '-o', 'json'], list)).toEqual({
      firstLine: '{',
      status: 0,
      stderr: '',
    });
  }, 60_000);
});
