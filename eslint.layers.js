/**
 * Layers only point down: a module under src/ may import its own folder and folders of strictly lower
 * tiers, never a sibling of its tier nor anything above. docs/architecture.md explains the order.
 * Static imports, re-exports, type imports and dynamic `import()` all count.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** @typedef {import('eslint').Rule.RuleContext} RuleContext */
/** @typedef {import('eslint').Rule.RuleModule} RuleModule */

/** @type {Record<string, number>} Tier of each folder under src/ (and of the top-level files, by name without extension). */
export const LAYERS = {
  core: 0,
  platform: 1,
  log: 1,
  config: 2,
  admission: 3,
  tls: 3,
  kube: 4,
  health: 5,
  audit: 5,
  sync: 5,
  http: 6,
  server: 7,
  cli: 8,
  bin: 9,
};

/**
 * The layer of a path relative to src/: its first folder, or a top-level file's name.
 * @param {string} fromSrc
 * @returns {string}
 */
function layerOf(fromSrc) {
  const parts = fromSrc.split(sep);
  const first = parts[0] ?? '';
  return parts.length === 1 ? first.replace(/\.[cm]?[jt]s$/, '') : first;
}

/**
 * @param {RuleContext} context
 * @param {{ source?: import('estree').Node | null }} node
 * @param {string} srcDir
 * @param {string} own
 */
function check(context, node, srcDir, own) {
  const source = node.source;
  if (source?.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
  const target = relative(srcDir, resolve(dirname(context.filename), source.value));
  if (target.startsWith('..')) return;
  const layer = layerOf(target);
  if (layer === own) return;
  const ownTier = LAYERS[own];
  const tier = LAYERS[layer];
  if (tier === undefined) {
    context.report({ node: source, messageId: 'unknown', data: { layer } });
  } else if (tier >= ownTier) {
    context.report({
      node: source,
      messageId: tier === ownTier ? 'sibling' : 'upward',
      data: { own, layer, ownTier: String(ownTier), tier: String(tier) },
    });
  }
}

/** @type {RuleModule} */
export const onlyDown = {
  meta: {
    type: 'problem',
    docs: { description: 'modules under src/ import only lower layers (docs/architecture.md)' },
    schema: [],
    messages: {
      upward:
        "'{{own}}' (tier {{ownTier}}) may not import '{{layer}}' (tier {{tier}}): layers only point down",
      sibling:
        "'{{own}}' may not import its sibling '{{layer}}' (both tier {{tier}}): move the shared idea down",
      unknown: "'{{layer}}' is not a layer: add it to LAYERS in eslint.layers.js and docs/architecture.md",
    },
  },
  create(context) {
    const srcDir = resolve(context.cwd, 'src');
    const fromSrc = relative(srcDir, context.filename);
    if (fromSrc.startsWith('..')) return {};
    const own = layerOf(fromSrc);
    if (LAYERS[own] === undefined) {
      return {
        Program: (node) => context.report({ node, messageId: 'unknown', data: { layer: own } }),
      };
    }
    /** @param {{ source?: import('estree').Node | null }} node */
    const visit = (node) => check(context, node, srcDir, own);
    return {
      ImportDeclaration: visit,
      ExportNamedDeclaration: visit,
      ExportAllDeclaration: visit,
      ImportExpression: visit,
    };
  },
};

export default { rules: { 'only-down': onlyDown } };
