import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImageReferenceError,
  formatNormalized,
  parseImageReference,
  repositoryOf,
} from '../../src/core/image-ref.js';
import { invalidReferences, validReferences } from '../vectors/image-refs.js';

describe('valid references normalize as Docker and containerd do', () => {
  it.each(validReferences)('$name: $input', ({ input, expected }) => {
    const ref = parseImageReference(input);
    expect({
      domain: ref.domain,
      path: ref.path,
      tag: ref.tag ?? null,
      digest: ref.digest ?? null,
      normalized: formatNormalized(ref),
    }).toEqual(expected);
  });
});

describe('invalid references are rejected with the Go parser’s reason', () => {
  it.each(invalidReferences)('$name: $input', ({ input, error }) => {
    let thrown: unknown;
    try {
      parseImageReference(input);
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(ImageReferenceError);
    expect((thrown as ImageReferenceError).message).toBe(error);
    expect((thrown as ImageReferenceError).input).toBe(input);
  });
});

describe('round trips', () => {
  it.each(validReferences)('the normalized form of $input parses back to itself', ({ input }) => {
    const normalized = formatNormalized(parseImageReference(input));
    const again = parseImageReference(normalized);
    expect(formatNormalized(again)).toBe(normalized);
    expect(repositoryOf(again)).toBe(repositoryOf(parseImageReference(input)));
  });

  it.each(validReferences.filter((vector) => vector.input === vector.expected.normalized))(
    'a canonical reference formats back to exactly what was written: $input',
    ({ input }) => {
      expect(formatNormalized(parseImageReference(input))).toBe(input);
    },
  );
});

describe('hostile input', () => {
  const referenceAlphabet = fc.constantFrom(
    ...'abcxyzABZ0189-_.:/@[]'.split(''),
    'sha256:',
    'localhost',
    'docker.io/',
    'library/',
    ' ',
    '\n',
    'é',
    '\u0000',
  );

  it('never throws anything but ImageReferenceError, whatever the string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.array(referenceAlphabet, { maxLength: 80 }).map((parts) => parts.join('')),
        ),
        (input) => {
          try {
            const ref = parseImageReference(input);
            // Whatever parses must format into something that parses to the same thing.
            expect(formatNormalized(parseImageReference(formatNormalized(ref)))).toBe(formatNormalized(ref));
          } catch (error) {
            expect(error).toBeInstanceOf(ImageReferenceError);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('rejects non-string values with our own error', () => {
    for (const value of [undefined, null, 42, {}, []]) {
      expect(() => parseImageReference(value as string)).toThrow(ImageReferenceError);
    }
  });

  it('answers quickly for long pathological inputs (no catastrophic backtracking)', () => {
    const inputs = [
      'a-'.repeat(5000) + '!',
      'a.'.repeat(5000) + '/',
      'a'.repeat(20000) + ':',
      `${'a'.repeat(100)}/`.repeat(100) + 'A',
      `x@sha256:${'a'.repeat(20000)}z`,
      '[' + ':'.repeat(10000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      expect(() => parseImageReference(input)).toThrow(ImageReferenceError);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
