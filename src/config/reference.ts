/**
 * What is generated from the configuration schema: the Helm chart's `config` subtree of
 * `values.schema.json`, the reference table of `docs/configuration.md` and the server's validator
 * (`config-validator.generated.ts`). Pure; a test compares each with the file in the repository and
 * rewrites it on `npm run generate:config`. Development only: the server never imports this module
 * (nor, through it, ajv's compiler).
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { CONFIG_SCHEMA, type SchemaNode } from './schema.js';

/** Our own annotations, which Helm has no use for. */
const SERVER_ONLY_KEYWORDS = new Set(['errorMessage', 'examples', 'default']);

function withoutServerKeywords(node: SchemaNode): SchemaNode {
  const entries = Object.entries(node)
    .filter(([key]) => !SERVER_ONLY_KEYWORDS.has(key))
    .map(([key, value]): [string, unknown] => {
      if (key === 'properties') {
        const properties = Object.entries(value as Record<string, SchemaNode>).map(
          ([name, child]): [string, SchemaNode] => [name, withoutServerKeywords(child)],
        );
        return [key, Object.fromEntries(properties)];
      }
      if (key === 'items') return [key, withoutServerKeywords(value as SchemaNode)];
      if (key === 'oneOf') return [key, (value as SchemaNode[]).map(withoutServerKeywords)];
      return [key, value];
    });
  return Object.fromEntries(entries);
}

/**
 * The chart's `config` value: the configuration file without `mode` (the chart's own top-level
 * `mode` is written into the file), and with `rules` required (the chart always renders them).
 */
export function chartConfigSchema(): SchemaNode {
  const properties = Object.fromEntries(
    Object.entries(CONFIG_SCHEMA.properties ?? {}).filter(([key]) => key !== 'mode'),
  );
  return withoutServerKeywords({
    ...CONFIG_SCHEMA,
    properties,
    required: ['rules'],
    description:
      "The server's configuration file (docs/configuration.md), without mode. Generated from src/config/schema.ts.",
  });
}

function typeOf(node: SchemaNode): string {
  if (node.type === 'array') return node.items === undefined ? 'list' : `list of ${typeOf(node.items)}`;
  if (node.type === 'object') return 'mapping';
  if (node.enum !== undefined) return node.enum.map((value) => `\`${value}\``).join(' | ');
  return node.type ?? 'any';
}

function constraintsOf(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.type === 'array' && node.items?.type === 'object') parts.push(...objectConstraints(node.items));
  if (node.minimum !== undefined && node.maximum !== undefined) parts.push(`${node.minimum}–${node.maximum}`);
  if (node.minItems !== undefined) parts.push(`at least ${node.minItems}`);
  if (node.maxItems !== undefined) parts.push(`at most ${node.maxItems}`);
  if (node.type === 'object') parts.push(...objectConstraints(node));
  return parts.join('; ');
}

function objectConstraints(node: SchemaNode): string[] {
  const parts: string[] = [];
  if (node.required !== undefined)
    parts.push(`requires ${node.required.map((key) => `\`${key}\``).join(', ')}`);
  if (node.oneOf !== undefined) {
    const keys = node.oneOf.flatMap((branch) => branch.required ?? []).map((key) => `\`${key}\``);
    parts.push(`exactly one of ${keys.join(', ')}`);
  }
  return parts;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function rows(node: SchemaNode, prefix: string): string[] {
  const properties = node.type === 'array' ? node.items?.properties : node.properties;
  if (properties === undefined) return [];
  const base = node.type === 'array' ? `${prefix}[]` : prefix;
  return Object.entries(properties).flatMap(([key, child]) => {
    const path = base === '' ? key : `${base}.${key}`;
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    const row = `| \`${path}\` | ${cell(typeOf(child))} | ${cell(fallback)} | ${cell(constraintsOf(child))} | ${cell(child.description ?? '')} |`;
    return [row, ...rows(child, path)];
  });
}

export const REFERENCE_BEGIN = '<!-- BEGIN generated from src/config/schema.ts: npm run generate:config -->';
export const REFERENCE_END = '<!-- END generated -->';

/** The reference table of every key of the configuration file, in schema order. */
export function configReferenceTable(): string {
  return [
    REFERENCE_BEGIN,
    '',
    '| key | type | default | limits | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows(CONFIG_SCHEMA, ''),
    '',
    REFERENCE_END,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The validator: ajv's code for the schema, generated here instead of at every start (loading ajv
// and compiling the schema cost tens of milliseconds of CPU per process).

/** ajv as the server validates: every error, with the schema node and value the messages read. */
function configAjv(standalone: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    // strictRequired off: the oneOf branches name properties declared beside them, not inside them.
    strictRequired: false,
    // Source kept for standaloneCode; one statement a line, so a schema change reads as a diff.
    ...(standalone ? { code: { source: true, esm: true, lines: true } } : {}),
  });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

/** The schema compiled at run time, as the server did before the validator was generated (for tests). */
export function compiledConfigValidator(): ValidateFunction {
  return configAjv(false).compile(CONFIG_SCHEMA);
}

/**
 * ajv's runtime helpers that standalone code `require()`s, and that are self-contained functions:
 * written into the module instead, so it imports nothing (no CommonJS `require` in an ES module, and
 * no default-import interop, which Node, esbuild and vitest resolve differently).
 */
const INLINED_HELPERS: ReadonlySet<string> = new Set(['ajv/dist/runtime/ucs2length']);

const HELPER_REQUIRE = /require\("([^"]+)"\)\.default/g;

function inlineHelpers(code: string): string {
  const requireHelper = createRequire(import.meta.url);
  const inlined = code.replace(HELPER_REQUIRE, (call, helper: string) => {
    if (!INLINED_HELPERS.has(helper)) {
      throw new Error(
        `the validator needs ${helper}: check that it is self-contained, then add it to INLINED_HELPERS`,
      );
    }
    const { default: helperFunction } = requireHelper(helper) as { default: unknown };
    if (typeof helperFunction !== 'function') throw new Error(`${call} is not a function`);
    return `(${helperFunction.toString()})`;
  });
  if (inlined.includes('require(')) throw new Error('the validator still requires a module');
  return inlined;
}

const VALIDATOR_HEADER = [
  '// @ts-nocheck',
  '// ajv standalone code for CONFIG_SCHEMA (src/config/schema.ts), written by npm run generate:config',
  '// (test/config/generated.test.ts fails when it drifts from the schema or the installed ajv). Do not edit.',
].join('\n');

/** The ES module `config-validator.generated.ts`: `export const validate`, ajv's validator for the schema. */
export function configValidatorModule(): string {
  const ajv = configAjv(true);
  const code = standaloneCode.default(ajv, ajv.compile(CONFIG_SCHEMA));
  return `${VALIDATOR_HEADER}\n${inlineHelpers(code)}\n`;
}
