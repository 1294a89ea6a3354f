import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth } from '../../src/http/app.js';

/** Nesting depth of a parsed JSON value: a scalar is 0, `[]` and `{}` are 1. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('exceedsJsonDepth', () => {
  it('agrees with the depth of the parsed value, whatever the strings hold', () => {
    // Strings full of quotes, backslashes and brackets: the cases a byte scan can get wrong.
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', 'é', '😀', '\n') });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tricky,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(tricky, tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(exceedsJsonDepth(bytes(text), limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts brackets outside strings only, after escaped quotes and runs of backslashes', () => {
    expect(exceedsJsonDepth(bytes('{"a":"[[[[\\"[[[["}'), 1)).toBe(false);
    expect(exceedsJsonDepth(bytes('{"a":"\\\\","b":[[1]]}'), 2)).toBe(true);
    expect(exceedsJsonDepth(bytes('{"a":"\\\\\\"[[","b":1}'), 1)).toBe(false);
    expect(exceedsJsonDepth(bytes(`${'['.repeat(65)}${']'.repeat(65)}`), 64)).toBe(true);
    expect(exceedsJsonDepth(bytes(`${'['.repeat(64)}${']'.repeat(64)}`), 64)).toBe(false);
  });

  it('stops at an unterminated string (JSON.parse rejects the body anyway)', () => {
    expect(exceedsJsonDepth(bytes('[[["abc'), 1)).toBe(true);
    expect(exceedsJsonDepth(bytes('["abc'), 1)).toBe(false);
  });
});
