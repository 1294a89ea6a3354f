import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdin: Readable.from([stdin]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { status, stdout, stderr };
}

describe('pullthrough rewrite', () => {
  it('prints one line per image, as docs/rewriting.md states', async () => {
    const result = await run([
      'rewrite',
      'httpd',
      'quay.io/prometheus/node-exporter:v1.8.2',
      'localhost:5000/app',
    ]);
    expect(result).toEqual({
      status: 0,
      stdout:
        'harbor.ingress.local/proxy_cache/library/httpd:latest\nquay.io/prometheus/node-exporter:v1.8.2\nlocalhost:5000/app\n',
      stderr: '',
    });
  });

  it('prints one JSON object per line with --json', async () => {
    const result = await run(['rewrite', '--json', 'busybox:1.36', 'UPPER']);
    expect(result.status).toBe(1);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        input: 'busybox:1.36',
        normalized: 'docker.io/library/busybox:1.36',
        output: 'harbor.ingress.local/proxy_cache/library/busybox:1.36',
        rewritten: true,
        reason: 'rewritten',
        proxy: 'harbor.ingress.local/proxy_cache',
        error: null,
      },
      {
        input: 'UPPER',
        normalized: null,
        output: 'UPPER',
        rewritten: false,
        reason: 'invalid',
        proxy: null,
        error: 'invalid reference format: repository name (library/UPPER) must be lowercase',
      },
    ]);
  });

  it('reads images from stdin when none are given, skipping blanks and comments', async () => {
    const result = await run(['rewrite'], 'nginx:1.26-alpine\n\n# a comment\n  grafana/grafana:11.1.3  \n');
    expect(result.stdout).toBe(
      'harbor.ingress.local/proxy_cache/library/nginx:1.26-alpine\nharbor.ingress.local/proxy_cache/grafana/grafana:11.1.3\n',
    );
  });

  it('exits 1 on an invalid image, prints it unchanged and the reason on stderr', async () => {
    const result = await run(['rewrite', 'a//b']);
    expect(result).toEqual({
      status: 1,
      stdout: 'a//b\n',
      stderr: 'pullthrough: a//b: invalid reference format\n',
    });
  });

  it('uses --config and exits 2 with every problem when the file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-cli-'));
    writeFileSync(join(dir, 'good.yaml'), 'rules: [{registry: quay.io, proxy: harbor.local/quay}]\n');
    writeFileSync(join(dir, 'bad.yaml'), 'mode: x\nrules: 1\n');
    expect(
      (await run(['rewrite', '--config', join(dir, 'good.yaml'), 'quay.io/a/b:1', 'nginx'])).stdout,
    ).toBe('harbor.local/quay/a/b:1\nnginx\n');
    const bad = await run(['rewrite', '-c', join(dir, 'bad.yaml'), 'nginx']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('mode: must be one of enforce, audit');
    expect(bad.stderr).toContain('rules: must be a list');
    const missing = await run(['rewrite', '-c', join(dir, 'none.yaml'), 'nginx']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the file');
  });

  it('follows routing, root-mounted caches and stripPrefix from --config, and names the target in --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-cli-'));
    writeFileSync(
      join(dir, 'caches.yaml'),
      `rules:
  - {registry: docker.io, match: ["docker.io/bitnami/*"], proxy: harbor.example.com/bitnami_cache}
  - {registry: docker.io, proxies: ["mirror.local:5000", harbor.example.com/hub]}
  - {registry: ghcr.io, proxy: gitlab.example.com/g/dependency_proxy/containers, stripPrefix: acme/}
`,
    );
    const config = join(dir, 'caches.yaml');
    expect(
      (await run(['rewrite', '-c', config, 'bitnami/redis:7.4', 'httpd', 'ghcr.io/acme/api:2'])).stdout,
    ).toBe(
      [
        'harbor.example.com/bitnami_cache/bitnami/redis:7.4',
        'mirror.local:5000/library/httpd:latest',
        'gitlab.example.com/g/dependency_proxy/containers/api:2',
        '',
      ].join('\n'),
    );
    const json = await run([
      'rewrite',
      '-c',
      config,
      '--json',
      'mirror.local:5000/library/httpd:latest',
      'httpd',
    ]);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toMatchObject([
      { reason: 'already-proxied', proxy: null },
      { reason: 'rewritten', proxy: 'mirror.local:5000' },
    ]);
  });

  it('has --help for the command and for the CLI, and rejects unknown flags and commands', async () => {
    expect((await run(['rewrite', '--help'])).stdout).toContain(
      'Usage: pullthrough rewrite [--config FILE] [--json]',
    );
    expect((await run(['--help'])).stdout).toContain('Commands:');
    expect(await run(['rewrite', '--nope'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("Unknown option '--nope'"),
    });
    expect(await run(['frobnicate'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('unknown command "frobnicate"'),
    });
  });
});
