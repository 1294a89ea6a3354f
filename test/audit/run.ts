/** Runs `pullthrough` in-process with captured streams, and writes inputs to a temporary directory. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export async function run(
  args: string[],
  stdin = '',
  options: { stderrIsTTY?: boolean } = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdin: Readable.from([stdin]),
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: Object.assign(
      { write: (chunk: string) => (stderr += chunk) },
      options.stderrIsTTY === true ? { isTTY: true } : {},
    ),
  });
  return { status, stdout, stderr };
}

/** Runs `pullthrough audit ... --output json` and parses the report. */
export async function auditJson(args: string[], stdin = ''): Promise<RunResult & { report: any }> {
  const result = await run(['audit', ...args, '--output', 'json'], stdin);
  return { ...result, report: result.stdout === '' ? undefined : JSON.parse(result.stdout) };
}

const created: string[] = [];

/** A fresh temporary directory with the given files (relative path -> content); see {@link removeTempFiles}. */
export function tempFiles(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-audit-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Removes every directory {@link tempFiles} made (call from afterAll). */
export function removeTempFiles(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
