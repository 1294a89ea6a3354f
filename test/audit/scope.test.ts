import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { namespaceDecision, type ScopeSettings } from '../../src/core/scope.js';
import { helmInstallTimeout, installHelm } from '../helpers/tools.js';

const LABEL = 'pullthrough.io/rewrite';
const labelValues = [undefined, 'enabled', 'audit', 'disabled', 'something-else'];
const namespaces = ['default', 'kube-system', 'pullthrough', 'harbor'];
const combinations = (['cluster', 'opt-in'] as const).flatMap((scope) =>
  (['enforce', 'audit'] as const).map((mode) => ({ scope, mode })),
);

/** The webhook a namespace reaches, as `enforce` (/mutate), `audit` (/audit) or the skip reason. */
function outcome(namespace: string, label: string | undefined, settings: ScopeSettings): string {
  const decision = namespaceDecision(namespace, label === undefined ? {} : { [LABEL]: label }, settings);
  return decision.mode ?? decision.skipped;
}

describe('namespace scope', () => {
  it('follows the table of the chart: scope x mode x namespace label', () => {
    const settings = (scope: 'cluster' | 'opt-in', mode: 'enforce' | 'audit'): ScopeSettings => ({
      scope,
      mode,
      excludedNamespaces: [],
    });
    const table = combinations.map(({ scope, mode }) => [
      `${scope} ${mode}`,
      ...labelValues.map((label) => outcome('default', label, settings(scope, mode))),
    ]);
    expect(table).toEqual([
      // label:          none, enabled, audit, disabled, something-else
      ['cluster enforce', 'enforce', 'enforce', 'audit', 'namespace-disabled', 'enforce'],
      ['cluster audit', 'audit', 'audit', 'audit', 'namespace-disabled', 'audit'],
      [
        'opt-in enforce',
        'namespace-not-enabled',
        'enforce',
        'audit',
        'namespace-disabled',
        'namespace-not-enabled',
      ],
      [
        'opt-in audit',
        'namespace-not-enabled',
        'audit',
        'audit',
        'namespace-disabled',
        'namespace-not-enabled',
      ],
    ]);
  });

  it('always excludes kube-system and the namespaces given, whatever their labels', () => {
    const settings: ScopeSettings = { scope: 'cluster', mode: 'enforce', excludedNamespaces: ['harbor'] };
    for (const label of labelValues) {
      expect(outcome('kube-system', label, settings)).toBe('namespace-excluded');
      expect(outcome('harbor', label, settings)).toBe('namespace-excluded');
    }
    expect(outcome('default', undefined, settings)).toBe('enforce');
  });

  let helm: string;
  beforeAll(async () => {
    helm = await installHelm();
  }, helmInstallTimeout);
  it('agrees with the namespaceSelectors the chart renders, for every scope, mode and label (helm template)', () => {
    const chart = fileURLToPath(new URL('../../charts/pullthrough', import.meta.url));
    for (const { scope, mode } of combinations) {
      const rendered = execFileSync(
        helm,
        [
          'template',
          'pt',
          chart,
          '--namespace',
          'pullthrough',
          '--set',
          `scope=${scope}`,
          '--set',
          `mode=${mode}`,
        ].concat(['--set', 'excludedNamespaces={harbor}']),
        { encoding: 'utf8', timeout: 60_000 },
      );
      const configuration = parseAllDocuments(rendered)
        .map((document) => document.toJS())
        .find((object) => object?.kind === 'MutatingWebhookConfiguration');
      // The release namespace is excluded by the chart; the audit is told with --excluded-namespace.
      const settings: ScopeSettings = { scope, mode, excludedNamespaces: ['harbor', 'pullthrough'] };
      for (const namespace of namespaces) {
        for (const label of labelValues) {
          const labels: Record<string, string> = { 'kubernetes.io/metadata.name': namespace };
          if (label !== undefined) labels[LABEL] = label;
          const reached = configuration.webhooks
            .filter((webhook: any) => selects(webhook.namespaceSelector, labels))
            .map((webhook: any) => (webhook.name.startsWith('mutate.') ? 'enforce' : 'audit'));
          const predicted = outcome(namespace, label, settings);
          const context = `${scope} ${mode}, namespace ${namespace}, label ${label}`;
          expect(reached.length, context).toBeLessThanOrEqual(1);
          expect(reached[0] ?? 'skipped', context).toBe(
            predicted.startsWith('namespace-') ? 'skipped' : predicted,
          );
        }
      }
    }
  });
});

/** A LabelSelector's matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), as the API server applies them. */
function selects(selector: any, labels: Record<string, string>): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  return (
    matchLabels &&
    (selector?.matchExpressions ?? []).every((expression: any) => {
      const has = Object.hasOwn(labels, expression.key);
      const value = labels[expression.key];
      switch (expression.operator) {
        case 'In':
          return has && expression.values.includes(value);
        case 'NotIn':
          return !has || !expression.values.includes(value);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          throw new Error(`unknown operator ${expression.operator}`);
      }
    })
  );
}
