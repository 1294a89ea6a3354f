/**
 * Parses untrusted JSON bytes, checking all of them, but builds only the values a shape names.
 *
 * A review carries a whole Pod (managed fields, env, probes, volumes…) and pullthrough reads a few
 * dozen of its fields. JSON.parse builds every object, and building them is most of its cost; this
 * scanner validates the rest byte by byte without allocating. Every body is still checked whole, to
 * the same grammar as JSON.parse (a body JSON.parse rejects is rejected here), nesting is bounded,
 * and object keys that could poison a prototype are refused as secure-json-parse refuses them (and
 * also where it would not: a poisoned `constructor` that a later duplicate key replaces).
 * Values are built by JSON.parse itself, on the span of each value the shape keeps. Pure.
 */

/** Keep this value as JSON.parse would build it. */
export const WHOLE = 'whole';

/** Of an object, keep only these fields (each by its own shape); any other value is kept whole. */
export interface ObjectShape {
  readonly names: readonly string[];
  readonly shapes: readonly JsonShape[];
}
/** Of an array, keep every item by this shape; any other value is kept whole. */
export interface ArrayShape {
  readonly items: JsonShape;
}
export type JsonShape = typeof WHOLE | ObjectShape | ArrayShape;

export const objectShape = (fields: Readonly<Record<string, JsonShape>>): ObjectShape => ({
  names: Object.keys(fields),
  shapes: Object.values(fields),
});
export const arrayShape = (items: JsonShape): ArrayShape => ({ items });

/** `syntax`: not JSON. `depth`: nested deeper than allowed. `forbidden-key`: a prototype-poisoning key. */
export type JsonProblem = 'syntax' | 'depth' | 'forbidden-key';

export class JsonBodyError extends Error {
  constructor(
    readonly problem: JsonProblem,
    message: string,
  ) {
    super(message);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;

/** Bytes that stand for themselves inside a string: not a quote, a backslash or a control character. */
const PLAIN = new Uint8Array(256).fill(1).fill(0, 0, 0x20);
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;

const WHITESPACE = new Uint8Array(256);
for (const byte of [0x20, 0x0a, 0x0d, 0x09]) WHITESPACE[byte] = 1;

const DIGIT = new Uint8Array(256).fill(1, ZERO, ZERO + 10);

/** The characters a backslash may escape, besides `u`. */
const SHORT_ESCAPE = new Uint8Array(256);
for (const char of '"\\/bfnrt') SHORT_ESCAPE[char.charCodeAt(0)] = 1;

const HEX = new Uint8Array(256);
for (const char of '0123456789abcdefABCDEF') HEX[char.charCodeAt(0)] = 1;

/** The first letters of `__proto__`, `prototype` and `constructor`. */
const SPECIAL_FIRST = new Uint8Array(256);
for (const char of '_pc') SPECIAL_FIRST[char.charCodeAt(0)] = 1;

const FORBIDDEN_KEY = '__proto__';
/** A `constructor` key whose value is an object with a `prototype` key is refused as well. */
const CONSTRUCTOR_KEY = 'constructor';
const PROTOTYPE_KEY = 'prototype';

/** The containers `skipValue` keeps on its stack. */
const IN_ARRAY = 1;
const IN_OBJECT = 2;
/** An object that is the value of a `constructor` key: a `prototype` key in it is refused. */
const IN_CONSTRUCTOR = 3;

// The scanning functions below read bytes, not a decoded string (indexing a Uint8Array is about
// twice as fast as charCodeAt): in UTF-8 every byte of a multi-byte character is 0x80 or above, so
// the bytes that structure JSON are never part of one. Positions are byte offsets. They return
// positions and keep no state: a flag rides on a position's sign, since writing it to a field or a
// module variable on every string costs a third of the scan.

function fail(bytes: Uint8Array, pos: number, what: string): never {
  const found = pos < bytes.length ? `byte 0x${(bytes[pos] as number).toString(16)}` : 'the end';
  throw new JsonBodyError('syntax', `${what} at position ${pos} (found ${found})`);
}

function skipWhitespace(bytes: Uint8Array, pos: number): number {
  // Compact JSON, as the API server sends it, has none: one comparison answers.
  if ((bytes[pos] as number) > 0x20) return pos;
  while (pos < bytes.length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
  return pos;
}

/**
 * A string from its opening quote at `pos`: the position past its closing quote, negated when the
 * string has an escape (its bytes are then not its text).
 */
function scanString(bytes: Uint8Array, pos: number): number {
  const length = bytes.length;
  let escaped = false;
  pos += 1;
  for (;;) {
    while (pos < length && PLAIN[bytes[pos] as number] === 1) pos += 1;
    if (bytes[pos] === QUOTE) return escaped ? -(pos + 1) : pos + 1;
    pos = escapeEnd(bytes, pos);
    escaped = true;
  }
}

/** The escape sequence at `pos` (or why there is none there): the position past it. */
function escapeEnd(bytes: Uint8Array, pos: number): number {
  if (pos >= bytes.length) fail(bytes, pos, 'unterminated string');
  if (bytes[pos] !== BACKSLASH) fail(bytes, pos, 'control character in string');
  if (pos + 1 >= bytes.length) fail(bytes, pos + 1, 'unterminated string');
  const escape = bytes[pos + 1] as number;
  if (SHORT_ESCAPE[escape] === 1) return pos + 2;
  if (escape !== 0x75) fail(bytes, pos, 'bad escape');
  for (let i = 2; i < 6; i += 1) {
    if (HEX[bytes[pos + i] as number] !== 1) fail(bytes, pos, 'bad \\u escape');
  }
  return pos + 6;
}

/** The text of a string in bytes [start, end), quotes included: a fresh string, never a slice of the body. */
function stringText(bytes: Buffer, start: number, end: number, escaped: boolean): string {
  if (!escaped) return bytes.toString('utf8', start + 1, end - 1);
  return JSON.parse(bytes.toString('utf8', start, end)) as string;
}

/** Whether the key in bytes [start, end) could spell `__proto__`, `prototype` or `constructor`. */
function mayBeSpecialKey(bytes: Uint8Array, start: number, end: number, escaped: boolean): boolean {
  const length = end - start - 2;
  const first = bytes[start + 1] as number;
  // Escaped, each character is itself or \uXXXX: managed fields' `k:{\"name\"…}` keys are not.
  if (escaped) return length <= 11 * 6 && (first === BACKSLASH || SPECIAL_FIRST[first] === 1);
  return (length === 9 && (first === 0x5f || first === 0x70)) || (length === 11 && first === 0x63);
}

/**
 * Refuses the key from `start` (to `signedEnd`, scanString's answer) if it poisons a prototype
 * (`__proto__`, or `prototype` in the value of a `constructor` key); true when it is `constructor`.
 * Only a key that may spell one of the three words is decoded, so the common key costs two
 * comparisons.
 */
function checkKey(bytes: Buffer, start: number, signedEnd: number, underConstructor: boolean): boolean {
  const escaped = signedEnd < 0;
  const end = escaped ? -signedEnd : signedEnd;
  if (!mayBeSpecialKey(bytes, start, end, escaped)) return false;
  const key = stringText(bytes, start, end, escaped);
  if (key === FORBIDDEN_KEY || (underConstructor && key === PROTOTYPE_KEY)) {
    throw new JsonBodyError('forbidden-key', 'object contains a forbidden prototype property');
  }
  return key === CONSTRUCTOR_KEY;
}

/** An object key, which must open at `pos`: scanString's answer for it. */
function scanKey(bytes: Uint8Array, pos: number): number {
  if (bytes[pos] !== QUOTE) fail(bytes, pos, 'expected a string key');
  return scanString(bytes, pos);
}

/** Past a colon and the whitespace around it, from the end of a key. */
function colonEnd(bytes: Uint8Array, pos: number): number {
  pos = skipWhitespace(bytes, pos);
  if (bytes[pos] !== COLON) fail(bytes, pos, "expected ':'");
  return skipWhitespace(bytes, pos + 1);
}

/**
 * An object member's key and colon, from `pos` at the key's opening quote: the position of its
 * value, negated when the key is `constructor`. Most keys of a Pod are plain, spell none of the
 * three words and meet their colon at once; those take the first path, the rest the checked one
 * (this halves the cost of a member, and a review is mostly members).
 */
function memberValue(bytes: Buffer, pos: number, underConstructor: boolean): number {
  if (bytes[pos] === QUOTE) {
    // scanString's plain-byte loop, written out: V8 inlines it here, and a call to scanString (not
    // inlined, for its escape branch) gave the whole gain back.
    const length = bytes.length;
    let end = pos + 1;
    while (end < length && PLAIN[bytes[end] as number] === 1) end += 1;
    if (bytes[end] === QUOTE && bytes[end + 1] === COLON && !mayBeSpecialKey(bytes, pos, end + 1, false)) {
      return skipWhitespace(bytes, end + 2);
    }
  }
  return checkedMemberValue(bytes, pos, underConstructor);
}

function checkedMemberValue(bytes: Buffer, pos: number, underConstructor: boolean): number {
  const signed = scanKey(bytes, pos);
  const end = signed < 0 ? -signed : signed;
  const constructorKey = checkKey(bytes, pos, signed, underConstructor);
  const value = colonEnd(bytes, end);
  return constructorKey ? -value : value;
}

/** A number, `true`, `false` or `null` at `pos`, first byte `byte`: the position past it. */
function scalarEnd(bytes: Uint8Array, pos: number, byte: number): number {
  if (byte === MINUS || DIGIT[byte] === 1) return numberEnd(bytes, pos);
  const word = byte === 0x74 ? 'true' : byte === 0x66 ? 'false' : byte === 0x6e ? 'null' : undefined;
  if (word === undefined) return fail(bytes, pos, 'expected a value');
  for (let i = 0; i < word.length; i += 1) {
    if (bytes[pos + i] !== word.charCodeAt(i)) fail(bytes, pos, `expected '${word}'`);
  }
  return pos + word.length;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? from `pos`: the position past it. */
function numberEnd(bytes: Uint8Array, pos: number): number {
  if (bytes[pos] === MINUS) pos += 1;
  // A leading zero stands alone.
  pos = bytes[pos] === ZERO ? pos + 1 : digitsEnd(bytes, pos);
  if (bytes[pos] === 0x2e) pos = digitsEnd(bytes, pos + 1);
  const byte = bytes[pos];
  if (byte === 0x65 || byte === 0x45) {
    pos += 1;
    if (bytes[pos] === 0x2b || bytes[pos] === MINUS) pos += 1;
    pos = digitsEnd(bytes, pos);
  }
  return pos;
}

/** One or more digits from `pos`: the position past them. */
function digitsEnd(bytes: Uint8Array, pos: number): number {
  if (pos >= bytes.length || DIGIT[bytes[pos] as number] !== 1) fail(bytes, pos, 'expected a digit');
  while (pos < bytes.length && DIGIT[bytes[pos] as number] === 1) pos += 1;
  return pos;
}

function tooDeep(maxDepth: number): never {
  throw new JsonBodyError('depth', `nested deeper than ${maxDepth} levels`);
}

/**
 * Checks the value at `pos`, inside `depth` open containers, without building it: the position
 * past it. One loop with the open containers on `stack` rather than a call per value (which costs
 * about a third more): almost every byte of a review is read here, so it stays one function
 * despite its branches.
 */
// eslint-disable-next-line complexity, max-params
function skipValue(
  bytes: Buffer,
  pos: number,
  depth: number,
  maxDepth: number,
  underConstructor: boolean,
  stack: Uint8Array,
): number {
  let open = 0;
  // Whether the value about to be read is a `constructor` key's.
  let constructorValue = underConstructor;
  for (;;) {
    const byte = bytes[pos] as number;
    if (byte === QUOTE) {
      pos = scanString(bytes, pos);
      if (pos < 0) pos = -pos;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (depth + open + 1 > maxDepth) tooDeep(maxDepth);
      pos = skipWhitespace(bytes, pos + 1);
      // '}' and ']' are two past '{' and '['.
      if (bytes[pos] === byte + 2) {
        pos += 1;
      } else {
        const inArray = byte === OPEN_ARRAY;
        stack[open] = inArray ? IN_ARRAY : constructorValue ? IN_CONSTRUCTOR : IN_OBJECT;
        open += 1;
        pos = inArray ? pos : memberValue(bytes, pos, constructorValue);
        constructorValue = pos < 0;
        pos = pos < 0 ? -pos : pos;
        continue;
      }
    } else {
      pos = scalarEnd(bytes, pos, byte);
    }
    // Past a value: close the containers that end here, then on to the next item.
    for (;;) {
      if (open === 0) return pos;
      pos = skipWhitespace(bytes, pos);
      const next = bytes[pos];
      const container = stack[open - 1];
      if (next === COMMA) {
        pos = skipWhitespace(bytes, pos + 1);
        pos = container === IN_ARRAY ? pos : memberValue(bytes, pos, container === IN_CONSTRUCTOR);
        constructorValue = pos < 0;
        if (pos < 0) pos = -pos;
        break;
      }
      if (container === IN_ARRAY ? next !== CLOSE_ARRAY : next !== CLOSE_OBJECT) {
        fail(bytes, pos, container === IN_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
      }
      pos += 1;
      open -= 1;
    }
  }
}

/**
 * skipValue's stack, kept between parses rather than allocated for each body: a parse runs to its
 * end without yielding, so one parse at a time uses it.
 */
let sharedStack = new Uint8Array(64);
function stackOf(maxDepth: number): Uint8Array {
  if (sharedStack.length < maxDepth) sharedStack = new Uint8Array(maxDepth);
  return sharedStack;
}

/** The projection: walks the containers the shape keeps, and hands every other value to skipValue. */
class Projector {
  pos = 0;
  /** skipValue's stack of open containers, one slot per level. */
  private readonly stack: Uint8Array;

  constructor(
    private readonly bytes: Buffer,
    private readonly maxDepth: number,
  ) {
    this.stack = stackOf(maxDepth);
  }

  /** One value, kept by `shape`. */
  value(shape: JsonShape, depth: number, underConstructor: boolean): unknown {
    const bytes = this.bytes;
    const start = this.pos;
    const byte = bytes[start];
    if (shape !== WHOLE) {
      if (byte === OPEN_OBJECT && 'names' in shape) return this.object(shape, depth, underConstructor);
      if (byte === OPEN_ARRAY && 'items' in shape) return this.array(shape, depth);
    }
    if (byte === QUOTE) {
      const signed = scanString(bytes, start);
      this.pos = signed < 0 ? -signed : signed;
      return stringText(bytes, start, this.pos, signed < 0);
    }
    this.pos = skipValue(bytes, start, depth, this.maxDepth, underConstructor, this.stack);
    // Decoding the span makes fresh strings, never slices that would keep the whole body alive.
    return JSON.parse(bytes.toString('utf8', start, this.pos));
  }

  /** Past an opening bracket and whitespace; true when the container is empty (and past it). */
  private enter(depth: number, close: number): boolean {
    if (depth + 1 > this.maxDepth) tooDeep(this.maxDepth);
    this.pos = skipWhitespace(this.bytes, this.pos + 1);
    if (this.bytes[this.pos] !== close) return false;
    this.pos += 1;
    return true;
  }

  /** After an item: true if another follows, false past the closing bracket. */
  private next(close: number): boolean {
    const bytes = this.bytes;
    const pos = skipWhitespace(bytes, this.pos);
    if (bytes[pos] === COMMA) {
      this.pos = skipWhitespace(bytes, pos + 1);
      return true;
    }
    if (bytes[pos] !== close)
      fail(bytes, pos, close === CLOSE_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    this.pos = pos + 1;
    return false;
  }

  private object(shape: ObjectShape, depth: number, underConstructor: boolean): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    if (this.enter(depth, CLOSE_OBJECT)) return result;
    const bytes = this.bytes;
    do {
      const start = this.pos;
      const signed = scanKey(bytes, start);
      const end = signed < 0 ? -signed : signed;
      const constructorKey = checkKey(bytes, start, signed, underConstructor);
      const field = this.field(shape, start, end, signed < 0);
      this.pos = colonEnd(bytes, end);
      if (field === -1) {
        this.pos = skipValue(bytes, this.pos, depth + 1, this.maxDepth, constructorKey, this.stack);
      } else {
        const name = shape.names[field] as string;
        result[name] = this.value(shape.shapes[field] as JsonShape, depth + 1, constructorKey);
      }
    } while (this.next(CLOSE_OBJECT));
    return result;
  }

  /** Which of the shape's fields the key in bytes [start, end) names, or -1. */
  private field(shape: ObjectShape, start: number, end: number, escaped: boolean): number {
    const names = shape.names;
    if (escaped) return names.indexOf(stringText(this.bytes, start, end, true));
    const bytes = this.bytes;
    const length = end - start - 2;
    for (let i = 0; i < names.length; i += 1) {
      const name = names[i] as string;
      if (name.length !== length) continue;
      let j = 0;
      while (j < length && bytes[start + 1 + j] === name.charCodeAt(j)) j += 1;
      if (j === length) return i;
    }
    return -1;
  }

  private array(shape: ArrayShape, depth: number): unknown[] {
    const result: unknown[] = [];
    if (this.enter(depth, CLOSE_ARRAY)) return result;
    do result.push(this.value(shape.items, depth + 1, false));
    while (this.next(CLOSE_ARRAY));
    return result;
  }
}

/** UTF-8's byte order mark, which secure-json-parse (fastify's parser) skips before a body. */
const hasByteOrderMark = (bytes: Buffer): boolean =>
  bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/**
 * The JSON in `bytes`, with only what `shape` keeps built. Throws JsonBodyError when the bytes are
 * not JSON, nest arrays and objects deeper than `maxDepth`, or hold a `__proto__` key (or a
 * `constructor` object with a `prototype` key) anywhere, kept or not.
 */
export function parseJsonProjection(bytes: Buffer, shape: JsonShape, maxDepth: number): unknown {
  const projector = new Projector(bytes, maxDepth);
  projector.pos = skipWhitespace(bytes, hasByteOrderMark(bytes) ? 3 : 0);
  const value = projector.value(shape, 0, false);
  const end = skipWhitespace(bytes, projector.pos);
  if (end !== bytes.length) fail(bytes, end, 'unexpected data after the value');
  return value;
}
