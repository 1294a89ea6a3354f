/**
 * What is generated from the configuration schema: the Helm chart's `config` subtree of
 * `values.schema.json` and the reference table of `docs/configuration.md`. Pure; a test compares
 * both with the files in the repository and rewrites them on `npm run generate:config`.
 */
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
