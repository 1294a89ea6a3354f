/** The `pullthrough` command line: dispatches to one module per command. */
import { ConfigError } from '../config/config.js';
import { UsageError } from './flags.js';
import { processIo, type CommandIo } from './io.js';
import { runRewrite } from './rewrite-command.js';
import { versionLine } from '../platform/version.js';

type Command = (args: readonly string[], io: CommandIo) => Promise<number>;

const commands: Record<string, { summary: string; run: () => Promise<Command> }> = {
  serve: {
    summary: 'run the admission webhook (HTTPS, port 8443)',
    run: async () => (await import('./serve-command.js')).runServe,
  },
  rewrite: { summary: 'print what image references become', run: () => Promise.resolve(runRewrite) },
  audit: {
    summary: 'report what admission does to the Pods of a cluster or of manifests',
    run: async () => (await import('./audit-command.js')).runAudit,
  },
  'check-config': {
    summary: 'validate configuration files as serve would (exit 0 valid, 2 invalid)',
    run: async () => (await import('./check-config-command.js')).runCheckConfig,
  },
  'sync-secrets': {
    summary: 'copy the pull secret into every namespace the webhook rewrites (leader-elected)',
    run: async () => (await import('./sync-secrets-command.js')).runSyncSecrets,
  },
};

const usage = `Usage: pullthrough <command> [options]

pullthrough routes every Pod's images through a pull-through proxy cache and injects the
pull secret it needs.

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run 'pullthrough <command> --help' for a command's options; '--version' (any command) prints
the version.
`;

/** Runs the CLI; returns the exit status. Usage and configuration errors exit 2. */
export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (asksForVersion(argv)) {
    io.stdout.write(versionLine());
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`pullthrough: unknown command "${name}"\n\n${usage}`);
    return 2;
  }
  try {
    return await (
      await command.run()
    )(rest, io);
  } catch (error) {
    const message = usageErrorMessage(name, error);
    if (message === undefined) throw error;
    io.stderr.write(`${message}\n`);
    return 2;
  }
}

/** `--version` anywhere before a `--` (no command takes it as a value: images, files and names never are). */
function asksForVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--version');
}

/** The message for an error that means "the command line or configuration is wrong" (exit 2). */
function usageErrorMessage(command: string, error: unknown): string | undefined {
  if (error instanceof ConfigError) return `pullthrough: ${error.message}`;
  if (error instanceof UsageError) return `pullthrough ${command}: ${error.message}`;
  return undefined;
}
