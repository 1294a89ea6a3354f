/** `pullthrough check-config`: validates configuration files exactly as `serve` loads them, for CI. */
import { ConfigError, type Config, type ConfigRule } from '../config/config.js';
import { targetsOf } from '../core/rewrite.js';
import { loadConfig } from '../config/load.js';
import { parseFlags } from './flags.js';
import type { CommandIo } from './io.js';

export const checkConfigHelp = `Usage: pullthrough check-config FILE...

Validates each configuration file as 'pullthrough serve --config FILE' does at start-up and on
every reload (the same loader), and prints what it configures. Meant for CI pipelines that ship
the ConfigMap: the file is the one mounted into the webhook (the ConfigMap's config.yaml key).

Options:
  -h, --help  show this help

Exit status: 0 every file is valid; 2 any file is invalid or unreadable (every problem listed).
`;

/** `docker.io matching docker.io/bitnami/* -> a or else b without library/`: what the rule does. */
function describeRule(rule: ConfigRule): string {
  const match = rule.match === undefined ? '' : ` matching ${rule.match.join(' ')}`;
  const strip = rule.stripPrefix === undefined ? '' : ` without ${rule.stripPrefix}`;
  return `${rule.registry}${match} -> ${targetsOf(rule).join(' or else ')}${strip}`;
}

function describe(config: Config): string {
  const rules = config.rules.map(describeRule);
  return [
    `mode ${config.mode}`,
    `${rules.length} ${rules.length === 1 ? 'rule' : 'rules'}${rules.length > 0 ? ` (${rules.join(', ')})` : ''}`,
    `pull secrets ${config.pullSecrets.length > 0 ? config.pullSecrets.join(', ') : 'none'}`,
  ].join(', ');
}

/** Runs the command; returns the exit status. */
export async function runCheckConfig(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags({
    args: [...args],
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout.write(checkConfigHelp);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr.write(`pullthrough check-config: name the file to check\n\n${checkConfigHelp}`);
    return 2;
  }
  let status = 0;
  for (const file of positionals) {
    try {
      io.stdout.write(`${file}: valid: ${describe((await loadConfig(file)).config)}\n`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.stderr.write(`pullthrough check-config: ${error.message}\n`);
      status = 2;
    }
  }
  return status;
}
