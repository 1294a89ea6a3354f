// The chart as the e2e suite renders it: `helm template` with values, parsed into manifests.
import {
  chartDir,
  helmTemplate as renderChart,
  parseManifests as parseChartManifests,
} from '../chart/render.js';
import { installHelm } from '../helpers/tools.js';
import { PULL_SECRET } from './cluster.js';
import type { E2eEnv } from './harness.js';

export const CHART_DIR = chartDir;

// ------------------------------------------------------------------------------------------------
// The chart
// ------------------------------------------------------------------------------------------------

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

/** helm: the harness's (E2E_HELM), else the one the integration tests use (test/helpers/tools.ts). */
export function helmBinary(env: E2eEnv): Promise<string> {
  return env.E2E_HELM ? Promise.resolve(env.E2E_HELM) : installHelm();
}

/** `helm template RELEASE charts/pullthrough -n NAMESPACE` with values, for the harness's cluster version. */
export async function helmTemplate(
  env: E2eEnv,
  release: string,
  namespace: string,
  values: Record<string, unknown> = {},
): Promise<string> {
  return renderChart(await helmBinary(env), { release, namespace, values, kubeVersion: env.E2E_K8S_VERSION });
}

export function parseManifests(text: string): Manifest[] {
  return parseChartManifests<Manifest>(text);
}

/** Manifests as one `v1 List` (kubectl apply/create -f - accepts it). */
export function asList(manifests: readonly Manifest[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests });
}

/** The chart's full name for a release (the release name when it already contains "pullthrough"). */
export function chartFullname(release: string): string {
  return release.includes('pullthrough') ? release : `${release}-pullthrough`;
}

/**
 * The e2e rule: docker.io -> the Harbor stand-in's proxy_cache project, with the pull secret. The
 * chart turns `health` on, and the stand-in has its own CA, so the probe is told about that CA;
 * without it every probe fails TLS and after `failureThreshold` probes pullthrough bypasses the proxy
 * (what a user with a private Harbor CA would see too).
 */
export function e2eConfigValues(env: E2eEnv): Record<string, unknown> {
  return {
    rules: [
      {
        registry: 'docker.io',
        proxy: env.E2E_REGISTRY_PREFIX,
        probe: { url: `https://${env.E2E_REGISTRY}/v2/`, caFile: env.E2E_REGISTRY_CA },
      },
    ],
    exclude: { images: [], owners: [] },
    pullSecrets: [PULL_SECRET],
  };
}
