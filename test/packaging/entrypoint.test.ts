/**
 * The image's command as the Dockerfile writes it (node, its flags, the bundled entry), run from
 * this checkout's build: the bundle starts, serves a review, and stops cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchOnce, imageEntrypoint } from '../../bench/lib.mjs';
import { loadReview } from '../fixtures/load.js';
import { decodePatch } from '../helpers/app.js';

function entrypoint(): string[] {
  const argv = imageEntrypoint();
  if (argv === undefined) throw new Error('the Dockerfile has no exec-form ENTRYPOINT');
  return argv;
}

describe('the image entrypoint', () => {
  it('runs the bundle with the image flags and answers a review', async () => {
    const [node, ...rest] = entrypoint();
    expect(node).toBe('node');
    const script = (rest.pop() as string).replace(/^\/app\//, '');
    expect(script).toBe('dist/bundle/bin.mjs');
    const tmp = mkdtempSync(join(tmpdir(), 'pt-entrypoint-'));
    const child = spawn(process.execPath, [...rest, script, 'serve', '--host', '127.0.0.1', '--port', '0'], {
      env: { PATH: process.env.PATH, TMPDIR: tmp },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`not serving:\n${output}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.split('\n').find((text) => text.includes('pullthrough is serving'));
          if (line === undefined) return;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      // TLS trust is tested elsewhere; here the bench's client (no CA check) posts the review.
      const { body } = await fetchOnce(`${url}/mutate`, {
        method: 'POST',
        body: JSON.stringify(loadReview('httpd-untagged-create')),
        timeoutMs: 10_000,
      });
      const reply = body as string;
      const patch = decodePatch(JSON.parse(reply).response);
      expect(patch[0].value).toBe('harbor.ingress.local/proxy_cache/library/httpd:latest');
    } finally {
      // Stops cleanly on SIGTERM; a server that died on its own after answering fails here too.
      const exited =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve(child.exitCode)
          : new Promise<number | null>((resolve) => child.once('exit', resolve));
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});
