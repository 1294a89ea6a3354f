/**
 * The tools the integration tests use, located in one place: helm (built once from source by
 * hack/install-helm.sh, then a lookup) and kubectl (from the e2e tools cache, else PATH).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const tools = process.env.PULLTHROUGH_TOOLS || '/var/cache/pullthrough';
const installScript = fileURLToPath(new URL('../../hack/install-helm.sh', import.meta.url));

/** The first build of helm compiles it from source; later calls return at once. */
export const helmInstallTimeout = 20 * 60_000;

let helm: Promise<string> | undefined;

/** Runs hack/install-helm.sh once per process and returns the helm binary's path. */
export function installHelm(): Promise<string> {
  return (helm ??= run(installScript, [], { maxBuffer: 16 * 1024 * 1024 }).then(({ stdout }) => {
    const path = stdout.trim().split('\n').pop();
    if (!path) throw new Error('hack/install-helm.sh printed no path');
    return path;
  }));
}

function onPath(name: string): string | undefined {
  try {
    execFileSync(name, ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return name;
  } catch {
    return undefined;
  }
}

/** kubectl from the tools cache (hack/k8s-bins), else from PATH; undefined when neither has it. */
export function findKubectl(): string | undefined {
  const k8s = join(tools, 'k8s');
  const versions = existsSync(k8s) ? readdirSync(k8s).sort() : [];
  for (const version of versions.reverse()) {
    const kubectl = join(k8s, version, 'kubectl');
    if (existsSync(kubectl)) return kubectl;
  }
  return onPath('kubectl');
}
