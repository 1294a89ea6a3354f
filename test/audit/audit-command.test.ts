import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUDIT_REASONS } from '../../src/audit/report.js';
import { formatTable } from '../../src/audit/table.js';
import { GRAFANA_LIKE_OUTPUT, KUSTOMIZE_OUTPUT } from './fixtures.js';
import { auditJson, removeTempFiles, run, tempFiles } from './run.js';

const dir = tempFiles({
  'kustomize.yaml': KUSTOMIZE_OUTPUT,
  'grafana.yaml': GRAFANA_LIKE_OUTPUT,
  'proxied.yaml': `apiVersion: v1
kind: Pod
metadata: { name: done }
spec: { containers: [{ name: a, image: harbor.ingress.local/proxy_cache/library/httpd:latest }] }
`,
  'broken.yaml': `apiVersion: v1
kind: Pod
metadata: { name: fine }
spec: { containers: [{ name: a, image: "quay.io/prometheus/node-exporter:v1.8.2" }] }
---
kind: Pod
metadata:
  name: bad
 spec: {}
`,
  'config.yaml': 'rules:\n  - { registry: quay.io, proxy: harbor.ingress.local/quay }\n',
  'invalid-config.yaml': 'rules: [{ registry: docker.io }]\nunknown: 1\n',
});
const file = (name: string) => join(dir, name);

describe('pullthrough audit -f', () => {
  afterAll(removeTempFiles);

  it('prints an aligned table grouped by namespace and workload, one row per item with its FILE:LINE, then the summary', async () => {
    const result = await run(['audit', '-f', file('kustomize.yaml'), '-f', file('proxied.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const kustomize = `${file('kustomize.yaml')}:1`;
    const proxied = `${file('proxied.yaml')}:1`.padEnd(kustomize.length);
    expect(result.stdout).toBe(
      [
        `NAMESPACE  WORKLOAD                       ${'SOURCE'.padEnd(kustomize.length)}  CONTAINER  AS WRITTEN                                             RESULT                                                      REASON`,
        `default    Deployment/app-with-kustomize  ${kustomize}  nginx      nginx:1.26-alpine                                      harbor.ingress.local/proxy_cache/library/nginx:1.26-alpine  rewritten`,
        `           Pod/done                       ${proxied}  a          harbor.ingress.local/proxy_cache/library/httpd:latest  (unchanged)                                                 already-proxied`,
        '',
        'Summary: 2 pod specs in 2 workloads, 2 images.',
        '  would move to the cache: 1 image, 1 distinct upstream repository (1 on Docker Hub)',
        '  by reason: rewritten 1, already-proxied 1',
        '  pod specs admission would patch: 1',
        '',
      ].join('\n'),
    );
  });

  it('keeps one row per item when several files hold the same workload', async () => {
    const same = `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: hello }\nspec: { template: { spec: { containers: [{ name: app, image: nginx }] } } }\n`;
    const twins = tempFiles({ 'a.yaml': same, 'b.yaml': `# a comment\n${same}` });
    const result = await run(['audit', '-f', join(twins, 'a.yaml'), '-f', join(twins, 'b.yaml')]);
    const rows = result.stdout.split('\n\n')[0]!.split('\n').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^default +Deployment/hello +${join(twins, 'a.yaml')}:1 +app `));
    expect(rows[1]).toMatch(new RegExp(`^ +${join(twins, 'b.yaml')}:2 +app `));
  });

  it('writes one JSON document with summary, items and errors for machines', async () => {
    const { status, report } = await auditJson(['-f', file('grafana.yaml'), '-f', file('broken.yaml')]);
    expect(status).toBe(1);
    expect(Object.keys(report)).toEqual(['summary', 'items', 'errors']);
    expect(Object.keys(report.summary)).toEqual([
      'source',
      'pods',
      'workloads',
      'images',
      'byReason',
      'wouldRewrite',
      'wouldRewriteAuditOnly',
      'podsToRewrite',
      'distinctUpstreamRepositories',
      'dockerHubRepositories',
      'upstreamRepositories',
      'ignoredObjects',
      'pullSecrets',
    ]);
    expect(Object.keys(report.summary.byReason)).toEqual(AUDIT_REASONS);
    expect(report.summary).toMatchObject({ source: 'manifests', pods: 3, images: 6, wouldRewrite: 4 });
    expect(report.items[0]).toEqual({
      namespace: 'monitoring',
      workload: { kind: 'Deployment', name: 'grafana' },
      pod: null,
      source: `${file('grafana.yaml')}:95:1`,
      field: 'initContainers',
      container: 'init-chown-data',
      image: 'docker.io/library/busybox:1.31.1',
      result: 'harbor.ingress.local/proxy_cache/library/busybox:1.31.1',
      reason: 'rewritten',
      proxy: 'harbor.ingress.local/proxy_cache',
      wouldRewrite: true,
      mode: 'enforce',
      normalized: 'docker.io/library/busybox:1.31.1',
      error: null,
    });
    expect(report.errors).toEqual([
      {
        source: file('broken.yaml'),
        line: 9,
        column: 1,
        message:
          'All mapping items must start at the same column; the document starting at line 6 (Pod/bad) is not audited',
      },
    ]);
  });

  it('writes the JSON document with one item per line, so large reports stream and grep well', async () => {
    const { stdout } = await run(['audit', '-f', file('grafana.yaml'), '-o', 'json']);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('{');
    expect(lines[1]).toBe('  "summary": {');
    const items = lines.filter((line) => line.startsWith('    {"namespace":'));
    expect(items).toHaveLength(5);
    expect(JSON.parse(items[0]!.replace(/,$/, '')).container).toBe('init-chown-data');
    expect(stdout.endsWith('  "errors": []\n}\n')).toBe(true);
    expect(JSON.parse(stdout).items).toHaveLength(5);
    const empty = await run(
      ['audit', '-f', '-', '-o', 'json'],
      'apiVersion: v1\nkind: Service\nmetadata: { name: s }\n',
    );
    expect(JSON.parse(empty.stdout)).toMatchObject({
      items: [],
      errors: [],
      summary: { pods: 0, ignoredObjects: 1 },
    });
  });

  it('reads standard input with -f -, and a directory for its manifest files', async () => {
    const stdin = await auditJson(['-f', '-'], KUSTOMIZE_OUTPUT);
    expect(stdin.status).toBe(0);
    expect(stdin.report.items[0].source).toBe('<stdin>:1:1');

    const manifests = join(dir, 'dir');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'b.yml'), KUSTOMIZE_OUTPUT);
    writeFileSync(
      join(manifests, 'a.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'j' },
        spec: { containers: [{ name: 'c', image: 'httpd' }] },
      }),
    );
    writeFileSync(join(manifests, 'notes.txt'), 'not a manifest');
    const fromDir = await auditJson(['-f', manifests]);
    expect(fromDir.report.items.map((item: any) => item.source)).toEqual([
      `${join(manifests, 'a.json')}:1:1`,
      `${join(manifests, 'b.yml')}:1:1`,
    ]);
  });

  it('reports broken documents on standard error as FILE:LINE:COLUMN, skips them and exits 1', async () => {
    const result = await run(['audit', '-f', file('broken.yaml')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `${file('broken.yaml')}:9:1: All mapping items must start at the same column; the document starting at line 6 (Pod/bad) is not audited\n`,
    );
    expect(result.stdout).toContain('Pod/fine');
    expect(result.stdout).toContain('  problems: 1, listed on standard error; the report is incomplete\n');
  });

  it('reports an unreadable file and goes on with the others', async () => {
    const result = await auditJson(['-f', file('missing.yaml'), '-f', file('kustomize.yaml')]);
    expect(result.status).toBe(1);
    expect(result.report.items).toHaveLength(1);
    expect(result.stderr).toMatch(/^pullthrough audit: .*missing\.yaml: cannot read: ENOENT/);
  });

  it('uses the configuration given with --config', async () => {
    const { report } = await auditJson(['-f', file('broken.yaml'), '--config', file('config.yaml')]);
    expect(report.items[0]).toMatchObject({
      result: 'harbor.ingress.local/quay/prometheus/node-exporter:v1.8.2',
      reason: 'rewritten',
    });
  });

  describe('exit status', () => {
    it('is 3 with --fail-on-rewrite when any image would be rewritten, and 0 when none would', async () => {
      expect((await run(['audit', '-f', file('kustomize.yaml'), '--fail-on-rewrite'])).status).toBe(3);
      expect((await run(['audit', '-f', file('proxied.yaml'), '--fail-on-rewrite'])).status).toBe(0);
      expect((await run(['audit', '-f', file('kustomize.yaml')])).status).toBe(0);
    });

    it('is 3 rather than 1 when images would be rewritten and a document was broken', async () => {
      const args = ['audit', '-f', file('kustomize.yaml'), '-f', file('broken.yaml'), '--fail-on-rewrite'];
      expect((await run(args)).status).toBe(3);
    });

    it('is 0 for invalid image references: they are reported, as admission warns about them', async () => {
      const { status, report } = await auditJson(
        ['-f', '-'],
        'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: a, image: Nginx }] }\n',
      );
      expect(status).toBe(0);
      expect(report.items[0]).toMatchObject({ reason: 'invalid', result: 'Nginx' });
    });

    it('is 2 for usage and configuration errors, with nothing on standard output', async () => {
      const cases = [
        [['--output', 'yaml'], 'pullthrough audit: --output must be one of table, wide, json (got "yaml")\n'],
        [
          ['--scope', 'everything'],
          'pullthrough audit: --scope must be one of cluster, opt-in (got "everything")\n',
        ],
        [
          ['--page-size', '0'],
          'pullthrough audit: --page-size must be a whole number from 1 to 10000 (got "0")\n',
        ],
        [
          ['-f', file('kustomize.yaml'), '--context', 'prod'],
          'pullthrough audit: --kubeconfig and --context read a live cluster; they cannot be combined with -f\n',
        ],
        [['--bogus'], /^pullthrough audit: Unknown option '--bogus'/],
        [['stray'], /^pullthrough audit: Unexpected argument 'stray'/],
        [
          ['-f', file('kustomize.yaml'), '--config', file('invalid-config.yaml')],
          /^pullthrough: invalid configuration in /,
        ],
      ] as const;
      for (const [args, stderr] of cases) {
        const result = await run(['audit', ...args]);
        expect(result.status, args.join(' ')).toBe(2);
        expect(result.stdout).toBe('');
        if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
        else expect(result.stderr).toMatch(stderr);
      }
    });
  });

  it('prints its help, listing the exit statuses', async () => {
    const result = await run(['audit', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: pullthrough audit \[options\]/);
    expect(result.stdout).toContain('--fail-on-rewrite');
    expect(result.stdout).toContain('Exit status: 0 the report is complete; 1');
    expect((await run(['--help'])).stdout).toMatch(/\n {2}audit {8}report what admission does/);
  });

  it('reports progress per file on standard error only when asked', async () => {
    expect((await run(['audit', '-f', file('grafana.yaml')])).stderr).toBe('');
    const told = await run(['audit', '-f', file('grafana.yaml'), '--progress']);
    expect(told.stderr).toBe(`pullthrough audit: read ${file('grafana.yaml')}: 2 Pod specs\n`);
  });

  it('scales to a generated file of 2,000 workloads of every kind', { timeout: 60_000 }, async () => {
    const kinds = [
      [
        'apps/v1',
        'Deployment',
        (spec: string) => `spec: { replicas: 3, template: { metadata: { labels: { app: x } }, ${spec} } }`,
      ],
      ['apps/v1', 'StatefulSet', (spec: string) => `spec: { template: { ${spec} } }`],
      ['apps/v1', 'DaemonSet', (spec: string) => `spec: { template: { ${spec} } }`],
      ['batch/v1', 'Job', (spec: string) => `spec: { template: { ${spec} } }`],
      ['batch/v1', 'CronJob', (spec: string) => `spec: { jobTemplate: { spec: { template: { ${spec} } } } }`],
    ] as const;
    const documents: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const [apiVersion, kind, wrap] = kinds[i % kinds.length]!;
      const spec = `spec: { initContainers: [{ name: init, image: "busybox:1.36" }], containers: [{ name: app, image: "team${i % 50}/app${i}:v${i % 7}" }, { name: metrics, image: "quay.io/prometheus/node-exporter:v1.8.2" }] }`;
      documents.push(
        `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: w${i}\n  namespace: ns${i % 20}\n${wrap(spec)}`,
      );
      if (i % 10 === 0)
        documents.push(`apiVersion: v1\nkind: Service\nmetadata: { name: s${i}, namespace: ns${i % 20} }`);
    }
    const large = tempFiles({ 'large.yaml': documents.join('\n---\n') });
    const started = Date.now();
    const { status, report } = await auditJson(['-f', join(large, 'large.yaml')]);
    const elapsed = Date.now() - started;
    expect(status).toBe(0);
    expect(report.summary).toMatchObject({
      pods: 2000,
      workloads: 2000,
      images: 6000,
      wouldRewrite: 4000,
      podsToRewrite: 2000,
      distinctUpstreamRepositories: 2001,
      dockerHubRepositories: 2001,
      ignoredObjects: 200,
    });
    expect(report.summary.byReason).toMatchObject({ rewritten: 4000, 'no-rule': 2000 });
    expect(report.items.filter((item: any) => item.workload.kind === 'CronJob')).toHaveLength(1200);
    // The table of 6,000 rows stays aligned: every row as wide as its columns say.
    const rows = formatTable(report).split('\n\n')[0]!.split('\n');
    expect(rows).toHaveLength(6001);
    const reasonColumn = rows[0]!.indexOf('REASON');
    expect(rows.every((row) => row.length > reasonColumn)).toBe(true);
    // A few seconds on a 2-core machine, mostly YAML parsing; the bound only catches a blow-up.
    expect(elapsed).toBeLessThan(30_000);
  });
});
