// Global setup of the end-to-end suite (vitest.e2e.config.ts): installs the tools (hack/e2e-tools.sh,
// a no-op once cached), builds the pullthrough image from the Dockerfile (hack/e2e-image.sh, cached by
// the sources' hash), starts the control plane, registries and node with that image pushed
// (test/e2e/cluster.sh up), and stops them at teardown.
//
//   E2E_REUSE=1  use a cluster that is already up (cluster.sh up run by hand); neither start nor stop it
//   E2E_KEEP=1   start it, but leave it running after the tests (for debugging; stop with cluster.sh down)
//   E2E_NODE=0   no node and no image: the control plane and registries only (the node tests skip)
import type { TestProject } from 'vitest/node';
import { clusterSh, e2eDir, e2eImageSh, e2eToolsSh, loadE2eEnv, run, type E2eEnv } from './harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eEnv: E2eEnv;
  }
}

const TOOLS_TIMEOUT_MS = 75 * 60_000; // a cold build of the k8s binaries takes ~15 min on 2 cores
const IMAGE_TIMEOUT_MS = 30 * 60_000; // cold (stand-in base + npm ci): ~5 min on a busy 2-core machine
const UP_TIMEOUT_MS = 6 * 60_000;
const DOWN_TIMEOUT_MS = 2 * 60_000;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const env: NodeJS.ProcessEnv = { ...process.env, E2E_DIR: e2eDir(), E2E_OWNER_PID: String(process.pid) };
  // The node scenarios skip without a node; in CI that would pass while proving nothing.
  if (process.env.CI === 'true' && process.env.E2E_NODE === '0') {
    throw new Error('CI=true with E2E_NODE=0: CI runs the node scenarios; unset E2E_NODE');
  }
  if (process.env.E2E_REUSE === '1') {
    await run(clusterSh, ['status'], { env, timeoutMs: 60_000 }).catch((err: Error) => {
      throw new Error(`E2E_REUSE=1 but the cluster in ${e2eDir()} is not healthy:\n${err.message}`);
    });
    project.provide('e2eEnv', loadE2eEnv());
    return undefined;
  }

  const t0 = Date.now();
  await run(e2eToolsSh, [], { env, timeoutMs: TOOLS_TIMEOUT_MS, stderr: 'inherit' });
  const t1 = Date.now();
  if (process.env.E2E_NODE !== '0') {
    const { stdout } = await run(e2eImageSh, [], { env, timeoutMs: IMAGE_TIMEOUT_MS, stderr: 'inherit' });
    env.E2E_PULLTHROUGH_IMAGE_ARCHIVE = stdout.trim().split('\n').pop();
    // Without it the chart scenarios would skip instead of failing.
    if (!env.E2E_PULLTHROUGH_IMAGE_ARCHIVE) throw new Error('hack/e2e-image.sh printed no archive path');
  }
  const t2 = Date.now();
  await run(clusterSh, ['up'], { env, timeoutMs: UP_TIMEOUT_MS, stderr: 'inherit' });
  const secs = (from: number, to: number): string => ((to - from) / 1000).toFixed(1);
  console.error(
    `e2e global setup: tools ${secs(t0, t1)} s, image ${secs(t1, t2)} s, cluster up ${secs(t2, Date.now())} s`,
  );
  project.provide('e2eEnv', loadE2eEnv());

  return async () => {
    if (process.env.E2E_KEEP === '1') {
      console.error(`e2e global teardown: E2E_KEEP=1, cluster left running in ${e2eDir()}`);
      return;
    }
    await run(clusterSh, ['down'], { env, timeoutMs: DOWN_TIMEOUT_MS, stderr: 'inherit' });
  };
}
