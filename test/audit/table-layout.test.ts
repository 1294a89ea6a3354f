import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { elideMiddle, formatColumns, shortenDigests, wrapLines } from '../../src/audit/table.js';
import { main } from '../../src/cli/main.js';
import { removeTempFiles, run, tempFiles } from './run.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const deployment = (name: string, image: string, namespace = 'kube-prometheus-stack-operator') =>
  `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec: { template: { spec: { containers: [{ name: ${name}-container, image: "${image}" }] } } }
`;
const dir = tempFiles({
  'wide.yaml': [
    deployment(
      'prometheus-operator-admission-webhook',
      `quay.io/prometheus-operator/admission-webhook:v0.76.0@${DIGEST}`,
    ),
    deployment('grafana', 'docker.io/grafana/grafana-enterprise:11.1.3-ubuntu'),
    deployment('kube-proxy', 'registry.k8s.io/kube-proxy:v1.34.4', 'kube-system'),
  ].join('---\n'),
});

/** Runs with a stdout that looks like a terminal of `columns` (or a pipe when undefined). */
async function runOn(args: string[], stdout: { columns?: number; isTTY?: boolean } = {}) {
  let out = '';
  let err = '';
  const status = await main(args, {
    stdin: Readable.from(['']),
    stdout: { write: (chunk: string) => (out += chunk), ...stdout },
    stderr: { write: (chunk: string) => (err += chunk) },
  });
  return { status, stdout: out, stderr: err };
}

const tableLines = (stdout: string) => stdout.split('\n\n')[0]!.split('\n');
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

describe('the audit table fits the terminal', () => {
  afterAll(removeTempFiles);
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fits 80 columns: each workload on its own line, its images below, long cells elided in the middle', async () => {
    const { stdout } = await runOn(['audit', '-f', join(dir, 'wide.yaml')], { columns: 80, isTTY: true });
    // Every line, summary included, fits.
    for (const line of stdout.replace(ANSI, '').split('\n'))
      expect([...line].length, line).toBeLessThanOrEqual(80);
    const lines = tableLines(stdout.replace(ANSI, ''));
    expect(lines.slice(0, 2)).toEqual([
      'NAMESPACE  WORKLOAD  SOURCE',
      expect.stringMatching(/^ {2}CONTAINER +AS WRITTEN +RESULT +REASON$/),
    ]);
    expect(lines.filter((line) => !line.startsWith(' '))).toEqual([
      'NAMESPACE  WORKLOAD  SOURCE',
      expect.stringMatching(/^kube-.*operator {2}Deployment\/grafana {2}.*wide\.yaml:6$/),
      // Too long for one line: the longest parts lose their middle; the ends and the line stay.
      expect.stringMatching(/^kube-.*operator {2}Deploy.*-webhook {2}.*wide\.yaml:1$/),
    ]);
    // Every image row keeps its reason whole, and the end of its references (repository and tag).
    const images = lines.filter((line) => line.startsWith('  ')).slice(1);
    expect(images.map((line) => line.split(/ {2,}/).at(-1))).toEqual(['rewritten', 'no-rule']);
    expect(images[0]).toMatch(
      /^ {2}grafana-container +\S+…:11\.1\.3-ubuntu +\S+…:11\.1\.3-ubuntu +rewritten$/,
    );
    expect(images[1]).toContain(':v0.76.0@…');
  });

  it('takes the width from COLUMNS when stdout is not a terminal, and never elides a pipe without it', async () => {
    vi.stubEnv('COLUMNS', '100');
    const narrow = await runOn(['audit', '-f', join(dir, 'wide.yaml')]);
    for (const line of tableLines(narrow.stdout)) expect([...line].length).toBeLessThanOrEqual(100);
    vi.stubEnv('COLUMNS', undefined);
    const piped = await runOn(['audit', '-f', join(dir, 'wide.yaml')]);
    expect(piped.stdout).toContain('grafana/grafana-enterprise:11.1.3-ubuntu');
    // Whole cells: the only ellipsis left is the shortened digest.
    expect(piped.stdout.match(/…/g)).toEqual(['…']);
    expect(piped.stdout).toContain('quay.io/prometheus-operator/admission-webhook:v0.76.0@…');
    expect(tableLines(piped.stdout).some((line) => line.length > 100)).toBe(true);
  });

  it('shortens digests to 12 hex digits unless -o wide, which shows every cell whole at any width', async () => {
    const table = await runOn(['audit', '-f', join(dir, 'wide.yaml')]);
    expect(table.stdout).toContain('admission-webhook:v0.76.0@…');
    expect(table.stdout).not.toContain(DIGEST);
    const wide = await runOn(['audit', '-f', join(dir, 'wide.yaml'), '-o', 'wide'], { columns: 80 });
    expect(wide.stdout).toContain(`quay.io/prometheus-operator/admission-webhook:v0.76.0@${DIGEST}`);
    expect(wide.stdout).not.toContain('…');
  });

  it('colours only on a terminal, and never with NO_COLOR set', async () => {
    vi.stubEnv('NO_COLOR', undefined);
    expect((await runOn(['audit', '-f', join(dir, 'wide.yaml')], { isTTY: true })).stdout).toMatch(ANSI);
    expect((await runOn(['audit', '-f', join(dir, 'wide.yaml')])).stdout).not.toMatch(ANSI);
    vi.stubEnv('NO_COLOR', '1');
    expect((await runOn(['audit', '-f', join(dir, 'wide.yaml')], { isTTY: true })).stdout).not.toMatch(ANSI);
  });

  it('hides excluded namespaces (kube-system) unless --all', async () => {
    const hidden = await run(['audit', '-f', join(dir, 'wide.yaml')]);
    expect(hidden.stdout).not.toContain('kube-proxy');
    expect(hidden.stdout).toContain('  hidden: 1 image in excluded namespaces (--all shows them)\n');
    const all = await run(['audit', '-f', join(dir, 'wide.yaml'), '--all']);
    expect(all.stdout).toMatch(/^kube-system +Deployment\/kube-proxy .* namespace-excluded$/m);
  });
});

describe('cells', () => {
  it('wraps summary lines at spaces, continuations indented under their line', () => {
    expect(wrapLines('  would move to the cache: 3 images, 2 distinct upstream repositories', 40)).toBe(
      '  would move to the cache: 3 images, 2\n    distinct upstream repositories',
    );
    expect(wrapLines('short', 40)).toBe('short');
    expect(wrapLines('x'.repeat(50), 40)).toBe('x'.repeat(50));
  });

  it('elides the middle, keeping both ends, to exactly the width', () => {
    expect(elideMiddle('harbor.ingress.local/proxy_cache/library/nginx:1.26', 20)).toBe(
      'harbor…ry/nginx:1.26',
    );
    expect([...elideMiddle('x'.repeat(300), 13)]).toHaveLength(13);
    expect(elideMiddle('short', 20)).toBe('short');
  });

  it('shortens only full sha256 digests', () => {
    expect(shortenDigests(`a@${DIGEST}`)).toBe('a@sha256:0123456789ab…');
    expect(shortenDigests(`localhost:5000/a@${DIGEST}`)).toBe('localhost:5000/a@sha256:0123456789ab…');
    expect(shortenDigests(`localhost:5000/a:1.2@${DIGEST}`)).toBe('localhost:5000/a:1.2@…');
    expect(shortenDigests('a:sha256-tag')).toBe('a:sha256-tag');
  });

  it('never elides below the header or 8 characters: it overflows instead', () => {
    const text = formatColumns(
      [
        ['NAME', 'REFERENCE'],
        ['a', 'x'.repeat(40)],
      ],
      { width: 10 },
    );
    expect(text.split('\n')[1]).toBe(`a     ${'x'.repeat(2)}…${'x'.repeat(6)}`);
  });
});

describe('-f DIR', () => {
  it('recurses like kubectl apply -R, skipping hidden directories, in a stable order', async () => {
    const root = tempFiles({});
    mkdirSync(join(root, 'apps', 'web'), { recursive: true });
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, 'apps', 'web', 'deploy.yaml'), deployment('web', 'nginx', 'shop'));
    writeFileSync(
      join(root, 'apps', 'pod.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'a', image: 'httpd' }] },
      }),
    );
    writeFileSync(join(root, '.git', 'x.yaml'), deployment('hidden', 'redis', 'shop'));
    symlinkSync(root, join(root, 'apps', 'loop'));
    const result = await run(['audit', '-f', root, '-o', 'json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).items.map((item: any) => item.source)).toEqual([
      `${join(root, 'apps', 'pod.json')}:1:1`,
      `${join(root, 'apps', 'web', 'deploy.yaml')}:1:1`,
    ]);
  });

  it('says when a directory holds nothing to read, and exits 1', async () => {
    const empty = tempFiles({ 'notes.txt': 'hello' });
    mkdirSync(join(empty, 'sub'));
    const result = await run(['audit', '-f', empty]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `pullthrough audit: ${empty}: cannot read: no *.yaml, *.yml or *.json file in this directory or below it\n`,
    );
  });
});
