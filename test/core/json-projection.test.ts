import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arrayShape,
  JsonBodyError,
  objectShape,
  parseJsonProjection,
  WHOLE,
  type JsonProblem,
  type JsonShape,
} from '../../src/core/json-projection.js';
import { REVIEW_SHAPE } from '../../src/admission/review.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * What the parser must return: the shape applied to what JSON.parse builds. Compared with toEqual:
 * toStrictEqual compares `constructor` properties, which JSON may set as keys.
 */
function project(value: unknown, shape: JsonShape): unknown {
  if (shape === WHOLE) return value;
  if ('names' in shape) {
    if (!isObject(value)) return value;
    const kept: Record<string, unknown> = {};
    shape.names.forEach((name, i) => {
      if (Object.hasOwn(value, name)) kept[name] = project(value[name], shape.shapes[i] as JsonShape);
    });
    return kept;
  }
  return Array.isArray(value) ? value.map((item) => project(item, shape.items)) : value;
}

/** Nesting depth of a parsed JSON value: a scalar is 0, `[]` and `{}` are 1. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** secure-json-parse's rule: an own `__proto__` key, or a `constructor` object with an own `prototype` key. */
function isPoisoned(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isPoisoned);
  if (!isObject(value)) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  const ctor = value.constructor;
  if (Object.hasOwn(value, 'constructor') && isObject(ctor) && Object.hasOwn(ctor, 'prototype')) return true;
  return Object.values(value).some(isPoisoned);
}

/** The problem the parser reports, or undefined when it parses. */
function problemOf(
  text: string | Buffer,
  shape: JsonShape = WHOLE,
  maxDepth = 1000,
): JsonProblem | undefined {
  try {
    parseJsonProjection(typeof text === 'string' ? bytes(text) : text, shape, maxDepth);
    return undefined;
  } catch (error) {
    if (error instanceof JsonBodyError) return error.problem;
    throw error;
  }
}

// Strings full of what a scanner can get wrong: quotes, backslashes, brackets, control characters,
// multi-byte characters, and the names the shapes and the poisoning rule look for.
const tricky = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({
      unit: fc.constantFrom(
        '"',
        '\\',
        '[',
        ']',
        '{',
        '}',
        ':',
        ',',
        'a',
        'é',
        '😀',
        '\n',
        '\u0000',
        '\u2028',
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'name',
      'image',
      'spec',
      'metadata',
      'containers',
      'request',
      'object',
      'kind',
      'items',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('constructor', 'prototype', '__proto__', 'toString', 'hasOwnProperty'),
  },
  { weight: 2, arbitrary: fc.string() },
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tricky,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    // Keys set with defineProperty semantics, so `__proto__` stays an own key as JSON.parse makes it.
    fc.array(fc.tuple(tricky, tie('value')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
  ),
})).value;

const shape: fc.Arbitrary<JsonShape> = fc.letrec<{ shape: JsonShape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(WHOLE),
    tie('shape').map((items) => arrayShape(items)),
    fc
      .array(fc.tuple(tricky, tie('shape')), { maxLength: 4 })
      .map((fields) => objectShape(Object.fromEntries(fields))),
  ),
})).shape;

/** JSON text as serializers write it: compact, indented, or with CRLF and tabs. */
const layout = fc.constantFrom<(value: unknown) => string>(
  (value) => JSON.stringify(value),
  (value) => JSON.stringify(value, null, 2),
  (value) => `\r\n\t ${JSON.stringify(value, null, '\t').replace(/\n/g, '\r\n')} \n`,
);

describe('parseJsonProjection', () => {
  it('builds what JSON.parse builds, cut to the shape', () => {
    fc.assert(
      fc.property(json, shape, layout, (value, wanted, write) => {
        const text = write(value);
        const parsed: unknown = JSON.parse(text);
        if (isPoisoned(parsed)) {
          expect(problemOf(text, wanted)).toBe('forbidden-key');
        } else {
          expect(parseJsonProjection(bytes(text), wanted, 1000)).toEqual(project(parsed, wanted));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects what JSON.parse rejects, and only that', () => {
    // Valid JSON broken in one place: a character dropped, added or replaced.
    const edit = fc.tuple(
      fc.constantFrom('drop', 'add', 'replace'),
      fc.nat(),
      fc.constantFrom(...'"\\{}[]:,-+.eE0123456789 tfnrulase\t\n\u0001\u00e9x/'),
    );
    fc.assert(
      fc.property(json, shape, fc.array(edit, { minLength: 1, maxLength: 3 }), (value, wanted, edits) => {
        let text = JSON.stringify(value);
        for (const [kind, at, char] of edits) {
          const i = at % (text.length + 1);
          text =
            kind === 'drop'
              ? text.slice(0, i) + text.slice(i + 1)
              : kind === 'add'
                ? text.slice(0, i) + char + text.slice(i)
                : text.slice(0, i) + char + text.slice(i + 1);
        }
        // What the bytes say: a surrogate pair cut in two is sent as U+FFFD.
        text = bytes(text).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          // A poisoning key met before the broken place is reported first; both are bad JSON to the app.
          expect(['syntax', 'forbidden-key']).toContain(problemOf(text, wanted));
          return;
        }
        if (isPoisoned(parsed)) expect(problemOf(text, wanted)).toBe('forbidden-key');
        else expect(parseJsonProjection(bytes(text), wanted, 1000)).toEqual(project(parsed, wanted));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with JSON.parse on the grammar corners', () => {
    const cases = [
      '0',
      '-0',
      '1.5e+10',
      '1E-2',
      '-1.0',
      '01',
      '1.',
      '.5',
      '-',
      '+1',
      '1e',
      '1e+',
      '--1',
      '0x10',
      'Infinity',
      'NaN',
      'true',
      'tru',
      'truex',
      'null',
      'nul',
      'false',
      '"a"',
      '"a',
      '"\\u00e9"',
      '"\\u00G9"',
      '"\\x"',
      '"\\/"',
      '"\t"',
      '"\u007f"',
      '[]',
      '[,]',
      '[1,]',
      '[1 2]',
      '{}',
      '{,}',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      "{'a':1}",
      '{"a":1}}',
      '[1]]',
      ' ',
      '',
      '\u00a0[]',
      '[]\u00a0',
      '\ufeff[]',
      '[1] [2]',
      '{"a":[{"b":"}"}]}',
    ];
    for (const text of cases) {
      let expected: JsonProblem | undefined;
      try {
        JSON.parse(text.replace(/^\ufeff/, ''));
      } catch {
        expected = 'syntax';
      }
      expect({ text, problem: problemOf(text) }).toEqual({ text, problem: expected });
    }
  });

  it('reads keys and strings written with \\u escapes as JSON.parse does', () => {
    // JSON.stringify never escapes a letter: this writer escapes any character, in either hex case,
    // so escaped keys (the poisoning ones and the shape's own names) are read through every path.
    const write = (value: unknown, escape: (char: string) => boolean): string => {
      const text = (raw: string): string =>
        `"${[...raw]
          .map((char) =>
            char.length === 1 && escape(char)
              ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
              : JSON.stringify(char).slice(1, -1),
          )
          .join('')}"`;
      if (typeof value === 'string') return text(value);
      if (Array.isArray(value)) return `[${value.map((item) => write(item, escape)).join(',')}]`;
      if (isObject(value)) {
        return `{${Object.entries(value)
          .map(([key, item]) => `${text(key)}:${write(item, escape)}`)
          .join(',')}}`;
      }
      return JSON.stringify(value);
    };
    fc.assert(
      fc.property(json, shape, fc.infiniteStream(fc.integer({ min: 0, max: 3 })), (value, wanted, coins) => {
        const upper = coins.next().value === 0;
        const text = write(value, () => coins.next().value === 0).replace(/\\u[0-9a-f]{4}/g, (escape) =>
          upper ? escape.toUpperCase().replace('\\U', '\\u') : escape,
        );
        const parsed: unknown = JSON.parse(text);
        if (isPoisoned(parsed)) expect(problemOf(text, wanted)).toBe('forbidden-key');
        else expect(parseJsonProjection(bytes(text), wanted, 1000)).toEqual(project(parsed, wanted));
      }),
      { numRuns: 3000 },
    );
    const escaped = (word: string): string =>
      [...word].map((char) => `\\u00${char.charCodeAt(0).toString(16)}`).join('');
    expect(problemOf(`{"${escaped('constructor')}":{"${escaped('prototype')}":1}}`)).toBe('forbidden-key');
    expect(problemOf(`{"${escaped('__proto__')}":1}`, REVIEW_SHAPE)).toBe('forbidden-key');
    expect(parseJsonProjection(bytes(`{"${escaped('request')}":{"uid":"a"}}`), REVIEW_SHAPE, 64)).toEqual({
      request: { uid: 'a' },
    });
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    const cases = [
      '{"request":{"uid":"a","uid":"b"}}',
      '{"kind":"x","kind":null}',
      '{"request":{"object":{"metadata":{"name":"a"}},"object":null}}',
      '{"request":{"object":null,"object":{"spec":{"containers":[{"image":"a","image":"b"}]}}}}',
    ];
    for (const text of cases) {
      expect(parseJsonProjection(bytes(text), REVIEW_SHAPE, 64)).toEqual(
        project(JSON.parse(text), REVIEW_SHAPE),
      );
    }
    // Stricter than secure-json-parse, which checks only the last value of a duplicate key: a
    // poisoned `constructor` is refused even when a later key of the same name replaces it.
    expect(problemOf('{"constructor":{"prototype":1},"constructor":{}}')).toBe('forbidden-key');
  });

  it('refuses nesting deeper than the limit, before building anything', () => {
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        fc.pre(!isPoisoned(value));
        expect(problemOf(JSON.stringify(value), WHOLE, limit)).toBe(
          depthOf(value) > limit ? 'depth' : undefined,
        );
      }),
      { numRuns: 2000 },
    );
    expect(problemOf(`${'['.repeat(65)}${']'.repeat(65)}`, WHOLE, 64)).toBe('depth');
    expect(problemOf(`${'['.repeat(64)}${']'.repeat(64)}`, WHOLE, 64)).toBeUndefined();
    // Unterminated: the depth is what is reported, at the 65th bracket, without reading the rest.
    expect(problemOf('['.repeat(1_000_000), REVIEW_SHAPE, 64)).toBe('depth');
    // Through the containers the shape keeps: the review and its request are two levels, the Pod's
    // spec and a container's list and object four more.
    const inObject = (levels: number): string =>
      `{"request":{"object":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}}`;
    expect(problemOf(inObject(62), REVIEW_SHAPE, 64)).toBeUndefined();
    expect(problemOf(inObject(63), REVIEW_SHAPE, 64)).toBe('depth');
    const inContainer = (levels: number): string =>
      `{"request":{"object":{"spec":{"containers":[{"image":${'['.repeat(levels)}${']'.repeat(levels)}}]}}}}`;
    expect(problemOf(inContainer(58), REVIEW_SHAPE, 64)).toBeUndefined();
    expect(problemOf(inContainer(59), REVIEW_SHAPE, 64)).toBe('depth');
  });

  it('refuses prototype-poisoning keys wherever they are, escaped or not', () => {
    const poisoned = [
      '{"__proto__":{}}',
      '{"a":[{"__proto__":1}]}',
      '{"\\u005f_proto__":1}',
      '{"__pr\\u006fto__":1}',
      '{"constructor":{"prototype":{}}}',
      '{"x":{"constructor":{"a":1,"prototype":null}}}',
      '{"\\u0063onstructor":{"prot\\u006ftype":1}}',
      '{"request":{"object":{"metadata":{"annotations":{"__proto__":"x"}}}}}',
    ];
    for (const text of poisoned) {
      expect(problemOf(text)).toBe('forbidden-key');
      expect(problemOf(text, REVIEW_SHAPE)).toBe('forbidden-key');
    }
    const harmless = [
      '{"constructor":1}',
      '{"constructor":[{"prototype":1}]}',
      '{"constructor":{"a":{"prototype":1}}}',
      '{"prototype":{}}',
      '{"proto":1,"__proto":2,"_proto__":3}',
      '["__proto__"]',
      '{"a":"__proto__"}',
    ];
    for (const text of harmless) {
      expect(problemOf(text)).toBeUndefined();
      expect(problemOf(text, REVIEW_SHAPE)).toBeUndefined();
    }
  });

  it('skips a byte order mark, as fastify does, and reads multi-byte text', () => {
    const review = { kind: 'AdmissionReview', request: { uid: 'é😀', name: 'ü' }, extra: 'ç' };
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(review))]);
    expect(parseJsonProjection(body, REVIEW_SHAPE, 64)).toEqual({
      kind: 'AdmissionReview',
      request: { uid: 'é😀', name: 'ü' },
    });
    // Invalid UTF-8 inside a string becomes U+FFFD, as Buffer#toString and so JSON.parse see it.
    const invalid = Buffer.concat([bytes('{"kind":"a'), Buffer.from([0xff, 0xe2]), bytes('b"}')]);
    expect(parseJsonProjection(invalid, REVIEW_SHAPE, 64)).toEqual({ kind: 'a\ufffd\ufffdb' });
    // Outside a string, a byte above 0x7f is not JSON.
    expect(problemOf(Buffer.concat([bytes('[1,'), Buffer.from([0xc3, 0xa9]), bytes(']')]))).toBe('syntax');
  });

  it('keeps only the fields a review is read for', () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        userInfo: { username: 'someone' },
        object: {
          metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }], labels: { a: 'b' } },
          spec: { containers: [{ name: 'app', image: 'nginx', env: [{ name: 'A', value: '1' }] }, 'junk'] },
          status: {},
        },
        oldObject: null,
      },
    };
    expect(parseJsonProjection(bytes(JSON.stringify(review)), REVIEW_SHAPE, 64)).toStrictEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        object: {
          metadata: { name: 'p', labels: { a: 'b' } },
          spec: { containers: [{ name: 'app', image: 'nginx' }, 'junk'] },
        },
        oldObject: null,
      },
    });
  });
});
