/**
 * Parses untrusted JSON bytes, checking all of them, but builds only the values a shape names.
 *
 * A review carries a whole Pod (managed fields, env, probes, volumes…) and pullthrough reads a few
 * dozen of its fields. JSON.parse builds every object, and building them is most of its cost; this
 * scanner validates the rest byte by byte without allocating. Every body is still checked whole, to
 * the same grammar as JSON.parse (a body JSON.parse rejects is rejected here), nesting is bounded,
 * and object keys that could poison a prototype are refused as secure-json-parse refuses them.
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

/** The containers `skip` keeps on its stack. */
const IN_ARRAY = 1;
const IN_OBJECT = 2;
/** An object that is the value of a `constructor` key: a `prototype` key in it is refused. */
const IN_CONSTRUCTOR = 3;

const FORBIDDEN_KEY = '__proto__';
/** A `constructor` key whose value is an object with a `prototype` key is refused as well. */
const CONSTRUCTOR_KEY = 'constructor';
const PROTOTYPE_KEY = 'prototype';

/**
 * The scanner. It reads bytes, not a decoded string (indexing a Uint8Array is about twice as fast as
 * charCodeAt): in UTF-8 every byte of a multi-byte character is 0x80 or above, so the bytes that
 * structure JSON are never part of one. Positions are byte offsets.
 */
class Projector {
  pos = 0;
  /** Whether the string scanned last had an escape (its bytes are not its text). */
  private escaped = false;
  /** Whether the key read last by `member` is `constructor`. */
  private constructorKey = false;
  /** What each container open in `skip` is, innermost last. */
  private readonly stack: Uint8Array;
  /** The body decoded once, when its characters line up with its bytes (no multi-byte character). */
  private readonly text: string | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly maxDepth: number,
  ) {
    this.stack = new Uint8Array(maxDepth);
    const text = bytes.toString('utf8');
    this.text = text.length === bytes.length ? text : undefined;
  }

  fail(what: string, pos = this.pos): never {
    const found = pos < this.bytes.length ? `byte 0x${(this.bytes[pos] as number).toString(16)}` : 'the end';
    throw new JsonBodyError('syntax', `${what} at position ${pos} (found ${found})`);
  }

  private tooDeep(): never {
    throw new JsonBodyError('depth', `nested deeper than ${this.maxDepth} levels`);
  }

  whitespace(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < bytes.length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
    this.pos = pos;
  }

  /** The value in bytes [start, end), checked already, as JSON.parse builds it: fresh strings, not slices of the body. */
  private build(start: number, end: number): unknown {
    const span =
      this.text === undefined ? this.bytes.toString('utf8', start, end) : this.text.slice(start, end);
    return JSON.parse(span);
  }

  /** One value, kept by `shape`. */
  value(shape: JsonShape, depth: number, underConstructor: boolean): unknown {
    if (shape !== WHOLE) {
      const byte = this.bytes[this.pos];
      if (byte === OPEN_OBJECT && 'names' in shape) return this.object(shape, depth, underConstructor);
      if (byte === OPEN_ARRAY && 'items' in shape) return this.array(shape, depth);
    }
    const start = this.pos;
    this.skip(depth, underConstructor);
    return this.build(start, this.pos);
  }

  /** Past an opening bracket, and past whitespace; true when the container is empty (and past it). */
  private enter(depth: number, close: number): boolean {
    if (depth + 1 > this.maxDepth) this.tooDeep();
    this.pos += 1;
    this.whitespace();
    if (this.bytes[this.pos] !== close) return false;
    this.pos += 1;
    return true;
  }

  /** After an item: true if another follows, false past the closing bracket. */
  private next(close: number): boolean {
    this.whitespace();
    const byte = this.bytes[this.pos];
    if (byte === COMMA) {
      this.pos += 1;
      this.whitespace();
      return true;
    }
    if (byte !== close) this.fail(close === CLOSE_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    this.pos += 1;
    return false;
  }

  private object(shape: ObjectShape, depth: number, underConstructor: boolean): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    if (this.enter(depth, CLOSE_OBJECT)) return result;
    do {
      const start = this.pos;
      this.pos = this.member(start, underConstructor);
      const field = this.field(shape, start);
      if (field === -1) this.skip(depth + 1, this.constructorKey);
      else {
        const name = shape.names[field] as string;
        result[name] = this.value(shape.shapes[field] as JsonShape, depth + 1, this.constructorKey);
      }
    } while (this.next(CLOSE_OBJECT));
    return result;
  }

  /** Which of the shape's fields the key read from `start` names, or -1. */
  private field(shape: ObjectShape, start: number): number {
    const names = shape.names;
    if (this.keyEscaped) return names.indexOf(this.keyText(start));
    const bytes = this.bytes;
    const length = this.keyEnd - start - 2;
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

  /** Where the key read last by `member` ends (past its closing quote), and whether it had an escape. */
  private keyEnd = 0;
  private keyEscaped = false;

  /**
   * An object member's key and colon, from `pos` at the key's opening quote; returns the position
   * of its value. Refuses the keys that poison prototypes, and says in `constructorKey` whether the
   * key is `constructor`. Only a key that may spell one of the three words is decoded.
   */
  private member(pos: number, underConstructor: boolean): number {
    const bytes = this.bytes;
    if (bytes[pos] !== QUOTE) this.fail('expected a string key', pos);
    const end = this.string(pos);
    this.keyEnd = end;
    this.keyEscaped = this.escaped;
    this.constructorKey = this.mayBeSpecial(pos) && this.specialKey(pos, underConstructor);
    pos = end;
    while (pos < bytes.length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
    if (bytes[pos] !== COLON) this.fail("expected ':'", pos);
    pos += 1;
    while (pos < bytes.length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
    return pos;
  }

  /** Whether the key read from `start` could be `__proto__`, `prototype` or `constructor`. */
  private mayBeSpecial(start: number): boolean {
    if (this.keyEscaped) return true;
    const length = this.keyEnd - start - 2;
    const first = this.bytes[start + 1];
    return (length === 9 && (first === 0x5f || first === 0x70)) || (length === 11 && first === 0x63);
  }

  /** Refuses a key that poisons a prototype; true when the key is `constructor`. */
  private specialKey(start: number, underConstructor: boolean): boolean {
    const key = this.keyText(start);
    if (key === FORBIDDEN_KEY || (underConstructor && key === PROTOTYPE_KEY)) {
      throw new JsonBodyError('forbidden-key', 'object contains a forbidden prototype property');
    }
    return key === CONSTRUCTOR_KEY;
  }

  private keyText(start: number): string {
    return this.build(start, this.keyEnd) as string;
  }

  /**
   * Checks one value without building it. One loop with the open containers on a stack rather
   * than a call per value (which costs about a third more): almost every byte of a review is read
   * here, so it stays one function despite its branches.
   */
  // eslint-disable-next-line complexity
  skip(depth: number, underConstructor: boolean): void {
    const bytes = this.bytes;
    const length = bytes.length;
    const stack = this.stack;
    let pos = this.pos;
    let open = 0;
    // Whether the value about to be read is a `constructor` key's.
    let constructorValue = underConstructor;
    for (;;) {
      const byte = bytes[pos] as number;
      if (byte === QUOTE) {
        pos = this.string(pos);
      } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        if (depth + open + 1 > this.maxDepth) this.tooDeep();
        pos += 1;
        while (pos < length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
        // '}' and ']' are two past '{' and '['.
        if (bytes[pos] === byte + 2) {
          pos += 1;
        } else {
          const inArray = byte === OPEN_ARRAY;
          stack[open] = inArray ? IN_ARRAY : constructorValue ? IN_CONSTRUCTOR : IN_OBJECT;
          open += 1;
          pos = inArray ? pos : this.member(pos, constructorValue);
          constructorValue = !inArray && this.constructorKey;
          continue;
        }
      } else {
        pos = this.scalar(pos, byte);
      }
      // Past a value: close the containers that end here, then on to the next item.
      for (;;) {
        if (open === 0) {
          this.pos = pos;
          return;
        }
        while (pos < length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
        const next = bytes[pos];
        const container = stack[open - 1];
        if (next === COMMA) {
          pos += 1;
          while (pos < length && WHITESPACE[bytes[pos] as number] === 1) pos += 1;
          if (container === IN_ARRAY) {
            constructorValue = false;
          } else {
            pos = this.member(pos, container === IN_CONSTRUCTOR);
            constructorValue = this.constructorKey;
          }
          break;
        }
        if (container === IN_ARRAY ? next !== CLOSE_ARRAY : next !== CLOSE_OBJECT) {
          this.fail(container === IN_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'", pos);
        }
        pos += 1;
        open -= 1;
      }
    }
  }

  /** A string from its opening quote at `pos`; returns the position past its closing quote. */
  private string(pos: number): number {
    const bytes = this.bytes;
    const length = bytes.length;
    let escaped = false;
    pos += 1;
    for (;;) {
      while (pos < length && PLAIN[bytes[pos] as number] === 1) pos += 1;
      if (bytes[pos] === QUOTE) break;
      pos = this.escape(pos);
      escaped = true;
    }
    this.escaped = escaped;
    return pos + 1;
  }

  /** An escape sequence at `pos` (or the reason there is none); returns the position past it. */
  private escape(pos: number): number {
    const bytes = this.bytes;
    if (pos >= bytes.length) this.fail('unterminated string', pos);
    if (bytes[pos] !== BACKSLASH) this.fail('control character in string', pos);
    const escape = bytes[pos + 1] as number;
    if (SHORT_ESCAPE[escape] === 1) return pos + 2;
    if (escape !== 0x75) this.fail('bad escape', pos);
    for (let i = 2; i < 6; i += 1) {
      if (HEX[bytes[pos + i] as number] !== 1) this.fail('bad \\u escape', pos);
    }
    return pos + 6;
  }

  /** A number, `true`, `false` or `null` at `pos`, first byte `byte`; returns the position past it. */
  private scalar(pos: number, byte: number): number {
    if (byte === MINUS || DIGIT[byte] === 1) return this.number(pos);
    const word = byte === 0x74 ? 'true' : byte === 0x66 ? 'false' : byte === 0x6e ? 'null' : undefined;
    if (word === undefined) return this.fail('expected a value', pos);
    for (let i = 0; i < word.length; i += 1) {
      if (this.bytes[pos + i] !== word.charCodeAt(i)) this.fail(`expected '${word}'`, pos);
    }
    return pos + word.length;
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? from `pos`; returns the position past it. */
  private number(pos: number): number {
    const bytes = this.bytes;
    if (bytes[pos] === MINUS) pos += 1;
    // A leading zero stands alone.
    if (bytes[pos] === ZERO) pos += 1;
    else pos = this.digits(pos);
    if (bytes[pos] === 0x2e) pos = this.digits(pos + 1);
    const byte = bytes[pos];
    if (byte === 0x65 || byte === 0x45) {
      pos += 1;
      if (bytes[pos] === 0x2b || bytes[pos] === MINUS) pos += 1;
      pos = this.digits(pos);
    }
    return pos;
  }

  /** One or more digits from `pos`; returns the position past them. */
  private digits(pos: number): number {
    const bytes = this.bytes;
    if (pos >= bytes.length || DIGIT[bytes[pos] as number] !== 1) this.fail('expected a digit', pos);
    while (pos < bytes.length && DIGIT[bytes[pos] as number] === 1) pos += 1;
    return pos;
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
  if (hasByteOrderMark(bytes)) projector.pos = 3;
  projector.whitespace();
  const value = projector.value(shape, 0, false);
  projector.whitespace();
  if (projector.pos !== bytes.length) projector.fail('unexpected data after the value');
  return value;
}
