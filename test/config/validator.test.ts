/**
 * The generated validator (ajv standalone code, `config-validator.generated.ts`) against the schema
 * compiled at run time with the same options, as the server did before: the same verdicts and the
 * same error objects (paths, keywords, params, schema, parentSchema, data), which the messages of
 * `config.ts` are built from.
 */
import type { ValidateFunction } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/config-validator.generated.js';
import { compiledConfigValidator } from '../../src/config/reference.js';
import { CONFIG_SCHEMA, type SchemaNode } from '../../src/config/schema.js';

const compiled = compiledConfigValidator();
// The generated module is not type-checked; `errors` is set on the function as ajv's validators do.
const generated = validate as unknown as ValidateFunction;

function expectSameResult(document: unknown): void {
  const verdict = compiled(document);
  expect(generated(document)).toBe(verdict);
  expect(generated.errors).toEqual(compiled.errors);
}

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.constant([]),
  fc.constant({}),
);

const strings = [
  '',
  'docker.io',
  'localhost:5000',
  '[::1]:5000',
  'harbor.example.com/proxy_cache',
  'HTTPS://harbor/Proxy',
  'https://harbor.example.com/api/v2.0/health',
  'library/',
  'Library',
  'regcred',
  'Regcred',
  '😀😀',
  'apps',
];

/** A value near what `node` accepts: often valid, often wrong in one way, sometimes anything. */
function near(node: SchemaNode): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: shaped(node) }, { weight: 1, arbitrary: junk });
}

function shaped(node: SchemaNode): fc.Arbitrary<unknown> {
  switch (node.type) {
    case 'object': {
      const properties = Object.entries(node.properties ?? {}).map(([key, child]) => [key, near(child)]);
      return fc.record({ ...Object.fromEntries(properties), unknownKey: junk }, { requiredKeys: [] });
    }
    case 'array':
      return fc.array(near(node.items ?? {}), { maxLength: Math.min((node.maxItems ?? 3) + 1, 4) });
    case 'string': {
      const limit = node.maxLength ?? 10;
      return fc.oneof(
        fc.constantFrom(...(node.enum ?? []), ...strings, 'a'.repeat(limit), 'a'.repeat(limit + 1)),
        fc.constant('😀'.repeat(limit)),
        fc.string({ maxLength: 6 }),
      );
    }
    case 'number':
    case 'integer':
      return fc.oneof(
        fc.constantFrom(node.minimum ?? 0, node.maximum ?? 0, (node.maximum ?? 0) + 1, -1, 0.5),
        fc.double(),
      );
    default:
      return fc.boolean();
  }
}

describe('the generated validator', () => {
  it('answers like the schema compiled at run time, on documents near the schema', () => {
    fc.assert(
      fc.property(near(CONFIG_SCHEMA), (document) => expectSameResult(document)),
      { numRuns: 500 },
    );
  });

  it('answers like it on anything', () => {
    fc.assert(
      fc.property(fc.anything(), (document) => expectSameResult(document)),
      { numRuns: 200 },
    );
  });

  it('answers like it on list limits and duplicates', () => {
    const proxy = (n: number): string => `h${n}.example.com/p`;
    expectSameResult({
      rules: [
        {
          registry: 'docker.io',
          proxies: Array.from({ length: 9 }, (_, n) => proxy(n % 4)),
          match: Array.from({ length: 65 }, () => 'docker.io/*'),
          pullSecrets: ['a', 'a', 'b', 'a'],
        },
      ],
      pullSecrets: Array.from({ length: 65 }, (_, n) => `s${n}`),
    });
  });
});
