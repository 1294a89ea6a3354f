import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('a closed standard output (| head -1)', () => {
  // `npm test` builds first; this is the process users pipe.
  it('ends the command quietly, exit 0, no EPIPE trace', async () => {
    expect(existsSync('dist/bin.js'), 'run `npm run build` before this test').toBe(true);
    const child = spawn(process.execPath, ['dist/bin.js', 'rewrite'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const firstLine = new Promise<string>((resolve) => {
      child.stdout.once('data', (chunk: Buffer) => {
        child.stdout.destroy(); // what `head -1` does after its line
        resolve(chunk.toString().split('\n')[0]!);
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Enough images that writes continue after the reader has gone.
    child.stdin.on('error', () => undefined);
    child.stdin.end(Array.from({ length: 200_000 }, (_, i) => `image-${i}`).join('\n'));
    expect(await firstLine).toBe('harbor.ingress.local/proxy_cache/library/image-0:latest');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 30_000);
});
