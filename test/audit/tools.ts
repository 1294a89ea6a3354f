/** Locating the tools the cross-checks use (installed by hack/ scripts); undefined when absent. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const tools = process.env.PULLTHROUGH_TOOLS || '/var/cache/pullthrough';

function onPath(name: string): string | undefined {
  try {
    execFileSync(name, ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return name;
  } catch {
    return undefined;
  }
}

/** helm from the tools cache (hack/install-helm.sh), else from PATH. */
export function findHelm(): string | undefined {
  const cached = join(tools, 'bin/helm');
  return existsSync(cached) ? cached : onPath('helm');
}

/** kubectl from the tools cache (hack/k8s-bins), else from PATH. */
export function findKubectl(): string | undefined {
  const k8s = join(tools, 'k8s');
  const versions = existsSync(k8s) ? readdirSync(k8s).sort() : [];
  for (const version of versions.reverse()) {
    const kubectl = join(k8s, version, 'kubectl');
    if (existsSync(kubectl)) return kubectl;
  }
  return onPath('kubectl');
}
