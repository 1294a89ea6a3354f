/**
 * The chart's `config` schema, the configuration reference and the server's validator are generated
 * from the one schema; this fails when they drift, and rewrites them with PULLTHROUGH_WRITE_GENERATED=1
 * (`npm run generate:config`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  REFERENCE_BEGIN,
  REFERENCE_END,
  chartConfigSchema,
  configReferenceTable,
  configValidatorModule,
} from '../../src/config/reference.js';

const write = process.env.PULLTHROUGH_WRITE_GENERATED === '1';
const CHART_SCHEMA = 'charts/pullthrough/values.schema.json';
const REFERENCE = 'docs/configuration.md';
const VALIDATOR = 'src/config/config-validator.generated.ts';

function checkOrWrite(path: string, expected: string): void {
  const current = readFileSync(path, 'utf8');
  if (write && current !== expected) writeFileSync(path, expected);
  else expect(current, `${path} is out of date: run npm run generate:config`).toBe(expected);
}

describe('generated from src/config/schema.ts', () => {
  it('the chart embeds the configuration schema as its config value', () => {
    const chart = JSON.parse(readFileSync(CHART_SCHEMA, 'utf8')) as { properties: Record<string, unknown> };
    chart.properties.config = chartConfigSchema();
    checkOrWrite(CHART_SCHEMA, `${JSON.stringify(chart, null, 2)}\n`);
  });

  it('docs/configuration.md carries the reference table', () => {
    const text = readFileSync(REFERENCE, 'utf8');
    const start = text.indexOf(REFERENCE_BEGIN);
    const end = text.indexOf(REFERENCE_END);
    expect(start, 'the markers of the generated table').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    checkOrWrite(
      REFERENCE,
      text.slice(0, start) + configReferenceTable() + text.slice(end + REFERENCE_END.length),
    );
  });

  it('the server validates with ajv standalone code for the schema', () => {
    checkOrWrite(VALIDATOR, configValidatorModule());
  });
});
