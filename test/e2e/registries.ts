// The registries of the e2e suite: does a rewritten reference resolve through the Harbor stand-in,
// with the Pod's own pull secret, and what does the upstream (Docker Hub stand-in) hold?
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kubectlJson, registrySourceArgs, repoRoot, run, skopeo, type E2eEnv } from './harness.js';

/** `<harness proxy prefix>/<path>`: what a docker.io image becomes with the e2e rule. */
export function proxied(env: E2eEnv, path: string): string {
  return `${env.E2E_REGISTRY_PREFIX}/${path}`;
}

// ------------------------------------------------------------------------------------------------
// Registries: does the rewritten reference resolve, with the Pod's own pull secret?
// ------------------------------------------------------------------------------------------------

export interface Credentials {
  username: string;
  password: string;
}

/** The credentials for `image`'s host from the Pod's imagePullSecrets, read from its namespace like a kubelet. */
export async function pullCredentials(env: E2eEnv, p: any, image: string): Promise<Credentials> {
  const host = image.split('/')[0]!;
  for (const { name } of p.spec?.imagePullSecrets ?? []) {
    const secret = await kubectlJson<any>(env, ['-n', p.metadata.namespace, 'get', 'secret', name]);
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
    const entry = config.auths?.[host];
    if (!entry) continue;
    const [username, password] = entry.username
      ? [entry.username as string, entry.password as string]
      : Buffer.from(entry.auth as string, 'base64')
          .toString('utf8')
          .split(/:(.*)/s);
    return { username: username!, password: password! };
  }
  throw new Error(`no pull secret of Pod ${p.metadata.name} has credentials for ${host}`);
}

/** `skopeo inspect` of a reference served by the Harbor stand-in (its CA, basic auth). */
export async function inspectProxied(env: E2eEnv, image: string, creds: Credentials): Promise<any> {
  const out = await skopeo(env, ['inspect', ...registrySourceArgs(env, '', creds), `docker://${image}`]);
  return JSON.parse(out);
}

/** A full pull (manifest, config, layers) through the Harbor stand-in into `dir:DEST`. */
export async function pullProxied(
  env: E2eEnv,
  image: string,
  creds: Credentials,
  dest: string,
): Promise<any> {
  rmSync(dest, { recursive: true, force: true });
  await skopeo(env, [
    'copy',
    '--quiet',
    ...registrySourceArgs(env, 'src-', creds),
    `docker://${image}`,
    `dir:${dest}`,
  ]);
  return JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8'));
}

/**
 * The digest of `path` (e.g. `library/nginx:1.26-alpine`) in an upstream stand-in: the Docker Hub
 * one unless `registry` names another (the Quay one, say).
 */
export async function upstreamDigest(
  env: E2eEnv,
  path: string,
  registry: string = env.E2E_UPSTREAM_REGISTRY,
): Promise<string> {
  const out = await skopeo(env, ['inspect', '--tls-verify=false', `docker://${registry}/${path}`]);
  return JSON.parse(out).Digest as string;
}

/** Repositories the pull-through cache holds (its catalog lists only what it has stored). */
export async function proxyCatalog(env: E2eEnv): Promise<string[]> {
  const res = await fetch(`http://${env.E2E_PROXY_REGISTRY}/v2/_catalog?n=1000`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`proxy catalog: HTTP ${res.status}`);
  return ((await res.json()) as { repositories: string[] | null }).repositories ?? [];
}

/** Pushes a tiny image made by test/e2e/oci-image.sh to the upstream registry as `path` (repo:tag). */
export async function pushUpstream(env: E2eEnv, path: string, work: string): Promise<void> {
  const layout = join(work, path.replace(/[/:]/g, '_'));
  await run(join(repoRoot, 'test/e2e/oci-image.sh'), [layout, `docker.io/${path}`]);
  await skopeo(env, [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout}:latest`,
    `docker://${env.E2E_UPSTREAM_REGISTRY}/${path}`,
  ]);
}
