/** `pullthrough serve` — placeholder until the server lands. */
import type { CommandIo } from './io.js';

export function runServe(_args: readonly string[], io: CommandIo): Promise<number> {
  io.stderr.write('pullthrough serve: not built yet\n');
  return Promise.resolve(1);
}
