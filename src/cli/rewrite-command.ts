/** `pullthrough rewrite`: what each image becomes under a configuration, one line each. */
import { createInterface } from 'node:readline';
import { createRewriter, type RewriteDecision } from '../core/rewrite.js';
import { rewritePolicyOf } from '../config/config.js';
import { loadConfig } from '../config/load.js';
import { parseFlags } from './flags.js';
import type { CommandIo } from './io.js';

export const rewriteHelp = `Usage: pullthrough rewrite [--config FILE] [--json] [IMAGE...]

Prints what each image reference becomes, one line per image. With no IMAGE arguments,
reads images from standard input, one per line (blank lines and # comments are skipped).

Options:
  -c, --config FILE  configuration file (default: the embedded default, docker.io ->
                     harbor.ingress.local/proxy_cache)
      --json         one JSON object per line:
                     {"input","normalized","output","rewritten","reason","proxy","error"}
  -h, --help         show this help

Exit status: 0 when every image is valid, 1 when any is invalid, 2 on a usage or
configuration error.
`;

function toJson(decision: RewriteDecision): string {
  return JSON.stringify({
    input: decision.input,
    normalized: decision.normalized ?? null,
    output: decision.output,
    rewritten: decision.rewritten,
    reason: decision.reason,
    proxy: decision.proxy ?? null,
    error: decision.error ?? null,
  });
}

async function* readImages(io: CommandIo): AsyncGenerator<string> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const image = line.trim();
    if (image !== '' && !image.startsWith('#')) yield image;
  }
}

/** Runs the command; returns the exit status. */
export async function runRewrite(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags({
    args: [...args],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(rewriteHelp);
    return 0;
  }
  const rewriter = createRewriter(rewritePolicyOf((await loadConfig(values.config)).config));
  const images = positionals.length > 0 ? positionals : readImages(io);
  let invalid = false;
  for await (const image of images) {
    const decision = rewriter.rewrite(image);
    // Only an unparseable input is invalid; a valid one that cannot be proxied is reported, not failed.
    if (decision.normalized === undefined) invalid = true;
    if (values.json) {
      io.stdout.write(`${toJson(decision)}\n`);
    } else {
      io.stdout.write(`${decision.output}\n`);
      if (decision.error !== undefined) io.stderr.write(`pullthrough: ${image}: ${decision.error}\n`);
    }
  }
  return invalid ? 1 : 0;
}
