// `pullthrough sync-secrets` flag handling (usage errors exit 2 before anything starts).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const status = await main(args, {
      stdin: Readable.from([]),
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
    });
    return { status, stdout, stderr };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const base = [
  'sync-secrets',
  '--source-namespace',
  'pullthrough',
  '--source-name',
  'regcred-harbor',
  '--kubeconfig',
  '/nonexistent/kubeconfig',
];

describe('pullthrough sync-secrets', () => {
  it('is listed in the usage and prints its help', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}sync-secrets +copy the pull secret/m);
    const help = await cli(['sync-secrets', '--help']);
    expect(help.status).toBe(0);
    for (const flag of [
      '--source-namespace',
      '--source-name',
      '--target-name',
      '--scope',
      '--mode',
      '--excluded-namespace',
      '--lease-name',
      '--lease-namespace',
      '--identity',
      '--resync-seconds',
      '--metrics-port',
      '--log-level',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it.each([
    [['sync-secrets', '--source-name', 'regcred-harbor'], '--source-namespace is required'],
    [['sync-secrets', '--source-namespace', 'pullthrough'], '--source-name is required'],
    [
      [...base.slice(0, 1), '--source-namespace', 'Bad_NS', '--source-name', 'x'],
      '--source-namespace "Bad_NS" is not a namespace name',
    ],
    [[...base, '--target-name', 'Regcred'], '--target-name "Regcred" is not a valid object name'],
    [[...base, '--scope', 'namespaced'], '--scope must be one of cluster, opt-in'],
    [[...base, '--mode', 'dry-run'], '--mode must be one of enforce, audit'],
    [[...base, '--log-level', 'loud'], '--log-level must be one of'],
    [[...base, '--resync-seconds', '0'], '--resync-seconds must be a whole number from 1 to 86400'],
    [[...base, '--metrics-port', '70000'], '--metrics-port must be a whole number from 0 to 65535'],
    [[...base, '--lease-duration-seconds', '5'], 'the lease duration must be longer than the renew deadline'],
    [[...base, '--retry-period-seconds', '10'], 'the renew deadline must be longer than the retry period'],
    [
      [...base, '--excluded-namespace', 'kube_system'],
      '--excluded-namespace "kube_system" is not a namespace name',
    ],
    [base, 'cannot load /nonexistent/kubeconfig'],
  ])('%j exits 2 with "%s"', async (args, message) => {
    const result = await cli(args, { POD_NAMESPACE: undefined });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`pullthrough sync-secrets: ${message}`);
  });

  it('takes the source namespace from $POD_NAMESPACE', async () => {
    const result = await cli(
      ['sync-secrets', '--source-name', 'x', '--kubeconfig', '/nonexistent/kubeconfig'],
      {
        POD_NAMESPACE: 'pullthrough',
      },
    );
    expect(result.stderr).toContain('cannot load /nonexistent/kubeconfig'); // got past the namespace
  });

  it('rejects unknown flags and positional arguments as usage errors', async () => {
    expect((await cli([...base, '--source', 'x'])).status).toBe(2);
    expect((await cli([...base, 'extra'])).status).toBe(2);
  });
});
