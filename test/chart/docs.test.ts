import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chartDir,
  endpointsFor,
  keyComments,
  markdownTable,
  type SchemaNode,
  useChart,
  valuePaths,
  webhookConfiguration,
} from './render.js';

const chart = useChart();
let readme: string;
let valuesYaml: string;
let schema: SchemaNode;
beforeAll(async () => {
  readme = await readFile(join(chartDir, 'README.md'), 'utf8');
  valuesYaml = await readFile(join(chartDir, 'values.yaml'), 'utf8');
  schema = JSON.parse(await readFile(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;
});

describe('the chart documentation', () => {
  it('has a comment above every value in values.yaml', () => {
    const comments = keyComments(valuesYaml);
    const undocumented = valuePaths(schema).filter(
      (path) => comments.has(path) && !comments.get(path)?.trim(),
    );
    expect(undocumented).toEqual([]);
  });

  it('lists every value of the schema, and only those, in the README values table', () => {
    const rows = markdownTable(readme, 'key');
    const keys = rows.map(([key]) => key!.replaceAll('`', ''));
    expect(keys).toEqual(valuePaths(schema));
  });

  it('gives in the README the endpoint the rendered chart really calls for each label, scope and mode', async () => {
    const rows = markdownTable(readme, 'namespace label');
    const columns = [
      ['cluster', 'enforce'],
      ['cluster', 'audit'],
      ['opt-in', 'enforce'],
      ['opt-in', 'audit'],
    ] as const;
    expect(rows.map(([label]) => label)).toEqual(['(none)', '`enabled`', '`audit`', '`disabled`']);
    for (const [index, [scope, mode]] of columns.entries()) {
      const config = webhookConfiguration(await chart.render({ values: { scope, mode } }));
      for (const [label, ...cells] of rows) {
        const value = label!.replaceAll('`', '');
        const namespaceLabels: Record<string, string> =
          value === '(none)' ? {} : { 'pullthrough.io/rewrite': value };
        const documented = cells[index] === '—' ? [] : [cells[index]!.replaceAll('`', '')];
        expect(
          endpointsFor(config, { namespace: 'apps', namespaceLabels }),
          `${label}, ${scope}, ${mode}`,
        ).toEqual(documented);
      }
    }
  });
});
