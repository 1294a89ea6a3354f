import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, infoLineWriter, lineField, MAX_LOGGED_STRING, type LineValue } from '../../src/log.js';

/** A logger writing to memory, and the lines it has written. */
function capture(level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  // Synchronous: pino writes a plain Writable's lines as they come.
  return { logger: createLogger({ level, destination }), lines };
}

const withoutTime = (line: string) => line.replace(/,"time":"[^"]*"/, '');

describe('hand-built info lines', () => {
  it('are the lines pino writes for the same fields, byte for byte but for the time', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 40 });
    const field = fc.oneof(
      anyText,
      fc.string({ minLength: MAX_LOGGED_STRING - 2, maxLength: MAX_LOGGED_STRING + 40 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(undefined),
      fc.dictionary(fc.constantFrom('rewritten', 'no-rule', 'pinned'), fc.nat()),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'uid', 'pod', 'counts', 'x'), field)), (pairs) => {
        const fields = Object.fromEntries(pairs) as Record<string, LineValue>;
        const byPino = capture();
        byPino.logger.child({}, { redact: [] }).info(fields, 'admission');
        const byHand = capture();
        const write = infoLineWriter(byHand.logger.child({}, { redact: [] }), 'admission');
        write(
          Object.entries(fields)
            .map(([name, value]) => lineField(name, value))
            .join(''),
        );
        expect(byHand.lines.map(withoutTime)).toEqual(byPino.lines.map(withoutTime));
      }),
      { numRuns: 500 },
    );
  });

  it('carry the time as pino does, and are written only when info is enabled', () => {
    const { logger, lines } = capture();
    infoLineWriter(logger, 'admission')(lineField('uid', 'u-1'));
    const line = JSON.parse(lines[0]!);
    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      name: 'pullthrough',
      uid: 'u-1',
      msg: 'admission',
    });
    expect(Math.abs(Date.parse(line.time) - Date.now())).toBeLessThan(5_000);
    const quiet = capture('warn');
    infoLineWriter(quiet.logger, 'admission')(lineField('uid', 'u-2'));
    expect(quiet.lines).toEqual([]);
  });
});
