import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GRAFANA_LIKE_CHART,
  GRAFANA_LIKE_HELM_ARGS,
  GRAFANA_LIKE_OUTPUT,
  KUSTOMIZE_BASE,
  KUSTOMIZE_OUTPUT,
} from './fixtures.js';
import { findKubectl, helmInstallTimeout, installHelm } from '../helpers/tools.js';

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function writeTree(files: Readonly<Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'pullthrough-fixture-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

describe('the scenario manifests the audit tests read', () => {
  const kubectl = findKubectl();
  it.skipIf(kubectl === undefined)('are what kubectl kustomize prints for the scenario 1 base', () => {
    const base = writeTree(KUSTOMIZE_BASE);
    expect(execFileSync(kubectl!, ['kustomize', base], { encoding: 'utf8', timeout: 60_000 })).toBe(
      KUSTOMIZE_OUTPUT,
    );
  });

  it(
    'are what helm template prints for the Grafana-like chart',
    async () => {
      const helm = await installHelm();
      const chart = writeTree(GRAFANA_LIKE_CHART);
      const output = execFileSync(helm, [...GRAFANA_LIKE_HELM_ARGS], {
        cwd: chart,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(output).toBe(GRAFANA_LIKE_OUTPUT);
    },
    helmInstallTimeout,
  );
});
