/** The built executable, as users run it: needs `npm run build` first (`npm test` does it). */
import { existsSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the pullthrough executable', () => {
  it('works as the built executable (npx pullthrough rewrite httpd)', () => {
    expect(existsSync('dist/bin.js'), 'run `npm run build` before this test').toBe(true);
    const output = execFileSync('npx', ['--no-install', 'pullthrough', 'rewrite', 'httpd'], {
      encoding: 'utf8',
    });
    expect(output).toBe('harbor.ingress.local/proxy_cache/library/httpd:latest\n');
    const invalid = spawnSync('node', ['dist/bin.js', 'rewrite', 'Bad'], { encoding: 'utf8' });
    expect(invalid.status).toBe(1);
  }, 60_000);
});
