import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultKubeConfigSource, NO_CLUSTER_MESSAGE } from '../../src/kube/client.js';
import { caWithTwoLeaves } from '../tls/helpers.js';
import { run } from '../audit/run.js';

const dir = mkdtempSync(join(tmpdir(), 'pt-startup-'));
const file = (name: string) => join(dir, name);

/** Exactly one line on stderr, exit 2, nothing that looks like a stack trace. */
function expectOneLine(result: { status: number; stderr: string }, ...mentions: string[]): void {
  expect(result.status).toBe(2);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const mention of mentions) expect(result.stderr).toContain(mention);
}

beforeAll(async () => {
  const { a, b } = await caWithTwoLeaves();
  writeFileSync(file('a.crt'), a.cert);
  writeFileSync(file('a.key'), a.key);
  writeFileSync(file('b.key'), b.key);
  writeFileSync(file('garbage.key'), 'not a key\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serve start-up errors: one line naming the file or port and what to do, exit 2', () => {
  it('missing certificate files', async () => {
    const result = await run(['serve', '--tls-cert', '/nope.crt', '--tls-key', '/nope.key', '-p', '0']);
    expectOneLine(result, '/nope.crt', 'give --tls-cert and --tls-key');
  });

  it('a garbage key', async () => {
    const result = await run([
      'serve',
      '--tls-cert',
      file('a.crt'),
      '--tls-key',
      file('garbage.key'),
      '-p',
      '0',
    ]);
    expectOneLine(result, file('garbage.key'), 'private key does not parse');
  });

  it('an unreadable key (a directory where the file should be)', async () => {
    const result = await run(['serve', '--tls-cert', file('a.crt'), '--tls-key', dir, '-p', '0']);
    expectOneLine(result, dir, 'EISDIR');
  });

  it("a key that is not the certificate's", async () => {
    const result = await run(['serve', '--tls-cert', file('a.crt'), '--tls-key', file('b.key'), '-p', '0']);
    expectOneLine(result, 'private key does not match the certificate');
  });

  it('a port already in use', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const result = await run(['serve', '--host', '127.0.0.1', '-p', String(port), '--log-level', 'silent']);
      expectOneLine(result, `port ${port} on 127.0.0.1 is already in use`, '--port');
    } finally {
      holder.close();
    }
  });
});

/** No $KUBECONFIG and a home without .kube/config (restored after each test). */
function noClusterAnywhere(): void {
  vi.stubEnv('KUBECONFIG', undefined);
  vi.stubEnv('HOME', dir);
}

describe('no cluster configured', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('finds none when neither $KUBECONFIG, ~/.kube/config nor a ServiceAccount is there', () => {
    expect(defaultKubeConfigSource({ HOME: '/nowhere' }, () => false)).toBeUndefined();
    expect(defaultKubeConfigSource({ KUBECONFIG: '/k' }, () => false)).toBe('env');
    expect(defaultKubeConfigSource({ HOME: '/h' }, (path) => path === '/h/.kube/config')).toBe('home');
  });

  it('audit says so and how to point at one (exit 2); -o json still prints its document', async () => {
    noClusterAnywhere();
    const table = await run(['audit']);
    expectOneLine(table, 'no Kubernetes cluster found', '--kubeconfig FILE or KUBECONFIG=FILE');
    const json = await run(['audit', '-o', 'json']);
    expect(json.status).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(Object.keys(report)).toEqual(['summary', 'items', 'errors']);
    expect(report.items).toEqual([]);
    expect(report.errors).toEqual([
      { source: 'cluster', line: null, column: null, message: NO_CLUSTER_MESSAGE },
    ]);
  });

  it('sync-secrets stops at once with the same message instead of retrying (exit 2)', async () => {
    noClusterAnywhere();
    const result = await run(['sync-secrets', '--source-namespace', 'pt', '--source-name', 'regcred']);
    expectOneLine(result, 'no Kubernetes cluster found');
  });

  it('audit -o json prints its document when the kubeconfig names an unreachable cluster', async () => {
    writeFileSync(
      file('kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
      ].join('\n'),
    );
    const result = await run(['audit', '--kubeconfig', file('kubeconfig'), '-o', 'json']);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.summary.images).toBe(0);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0].message).toContain('127.0.0.1:1');
  });
});

describe('--version and check-config', () => {
  it('--version on every command prints the package version and the Node version', async () => {
    const { version } = JSON.parse(
      await import('node:fs').then((fs) => fs.readFileSync('package.json', 'utf8')),
    );
    for (const args of [
      ['--version'],
      ['serve', '--version'],
      ['audit', '--version'],
      ['check-config', '--version'],
    ]) {
      expect(await run(args)).toEqual({
        status: 0,
        stdout: `pullthrough ${version} (node ${process.version})\n`,
        stderr: '',
      });
    }
  });

  it('check-config exits 0 for a valid file and prints what it configures', async () => {
    writeFileSync(
      file('good.yaml'),
      'rules:\n  - { registry: quay.io, proxy: harbor.local/quay }\npullSecrets: [regcred]\n',
    );
    expect(await run(['check-config', file('good.yaml')])).toEqual({
      status: 0,
      stdout: `${file('good.yaml')}: valid: mode enforce, 1 rule (quay.io -> harbor.local/quay), pull secrets regcred\n`,
      stderr: '',
    });
  });

  it('check-config names every failover target and a rule\'s match, never "undefined"', async () => {
    writeFileSync(
      file('routing.yaml'),
      [
        'rules:',
        '  - { registry: docker.io, match: ["docker.io/bitnami/*"], proxy: harbor.local/bitnami }',
        '  - { registry: docker.io, proxies: [harbor.local/hub, "mirror.local:5000"], stripPrefix: library/ }',
      ].join('\n'),
    );
    const result = await run(['check-config', file('routing.yaml')]);
    expect(result.stdout).toBe(
      `${file('routing.yaml')}: valid: mode enforce, 2 rules (docker.io matching docker.io/bitnami/* -> harbor.local/bitnami, ` +
        'docker.io -> harbor.local/hub or else mirror.local:5000 without library/), pull secrets regcred-harbor\n',
    );
  });

  it('check-config exits 2 and lists every problem, as serve would refuse the file', async () => {
    writeFileSync(file('bad.yaml'), 'mode: x\nrules: 1\n');
    const result = await run(['check-config', file('good.yaml'), file('bad.yaml')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('mode: must be one of enforce, audit');
    expect(result.stderr).toContain('rules: must be a list');
    const missing = await run(['check-config', file('none.yaml')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the file');
    expect((await run(['check-config'])).status).toBe(2);
  });
});
