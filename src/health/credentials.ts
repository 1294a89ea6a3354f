/**
 * Registry credentials for manifest checks, from a dockerconfigjson: a mounted file (preferred: no
 * RBAC to read Secrets) or one named `kubernetes.io/dockerconfigjson` Secret read through the API.
 * Credentials never appear in an error message, a log line or a thrown value: every failure is
 * described by where it came from, never by what the document contained.
 */
import { readFile } from 'node:fs/promises';
import type { SecretReference } from '../config/config.js';
import { isJsonObject, type JsonObject } from '../core/json.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Credentials by registry host (`host[:port]`, no scheme, no path). */
export type CredentialMap = ReadonlyMap<string, RegistryCredentials>;

/** Returns the current credentials; throws a {@link CredentialsError} when they cannot be had. */
export type CredentialSource = () => Promise<CredentialMap>;

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/** A Secret as the API returns it: `data` values base64-encoded. */
export interface SecretObject {
  readonly type?: string | undefined;
  readonly data?: Readonly<Record<string, string>> | undefined;
}

export type SecretReader = (namespace: string, name: string) => Promise<SecretObject>;

/** `https://harbor.local/v2/` → `harbor.local`; `harbor.local:8443` stays. */
export function registryHostOf(key: string): string {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  return (slash === -1 ? withoutScheme : withoutScheme.slice(0, slash)).toLowerCase();
}

function entryCredentials(entry: JsonObject): RegistryCredentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

/**
 * Parses a `.dockerconfigjson` (`{"auths": {host: {...}}}`) or a legacy `.dockercfg` (the map
 * itself). Each entry gives `auth` (base64 `user:password`) or `username` and `password`.
 */
export function parseDockerConfig(text: string, source: string): Map<string, RegistryCredentials> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the error: never pass it on.
    throw new CredentialsError(`${source} is not valid JSON`);
  }
  if (!isJsonObject(document)) throw new CredentialsError(`${source} is not a JSON object`);
  const auths = 'auths' in document ? document.auths : document;
  if (!isJsonObject(auths)) throw new CredentialsError(`${source}: "auths" is not an object`);
  const credentials = new Map<string, RegistryCredentials>();
  for (const [key, entry] of Object.entries(auths)) {
    const found = isJsonObject(entry) ? entryCredentials(entry) : undefined;
    if (found !== undefined) credentials.set(registryHostOf(key), found);
  }
  return credentials;
}

interface CachedSourceOptions {
  /** How long a successful read is reused; a mounted Secret changes in place. Default 60 s. */
  readonly refreshMs?: number;
  /** How long a failure is reused before trying again. Default 10 s. */
  readonly retryMs?: number;
  readonly now?: () => number;
}

/** Wraps a loader so it runs at most once per refresh period, concurrent callers sharing one read. */
function cached(load: () => Promise<CredentialMap>, options: CachedSourceOptions): CredentialSource {
  const now = options.now ?? (() => performance.now());
  const refreshMs = options.refreshMs ?? 60_000;
  const retryMs = options.retryMs ?? 10_000;
  let current: { value: Promise<CredentialMap>; until: number } | undefined;
  return () => {
    if (current !== undefined && now() < current.until) return current.value;
    const value = load();
    const entry = { value, until: now() + refreshMs };
    current = entry;
    value.catch(() => {
      entry.until = Math.min(entry.until, now() + retryMs);
    });
    return value;
  };
}

/** Credentials from a mounted dockerconfigjson file, re-read at most once a minute. */
export function fileCredentials(path: string, options: CachedSourceOptions = {}): CredentialSource {
  return cached(async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'read error';
      throw new CredentialsError(`cannot read the credentials file ${path} (${code})`);
    }
    return parseDockerConfig(text, `the credentials file ${path}`);
  }, options);
}

/** Credentials from one `kubernetes.io/dockerconfigjson` (or legacy `dockercfg`) Secret. */
export function secretCredentials(
  read: SecretReader,
  secret: SecretReference,
  options: CachedSourceOptions = {},
): CredentialSource {
  const where = `Secret ${secret.namespace}/${secret.name}`;
  return cached(async () => {
    let object: SecretObject;
    try {
      object = await read(secret.namespace, secret.name);
    } catch (error) {
      const status = (error as { code?: unknown }).code;
      throw new CredentialsError(
        `cannot read ${where}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`,
      );
    }
    const data = object.data ?? {};
    const encoded = data['.dockerconfigjson'] ?? data['.dockercfg'];
    if (encoded === undefined) {
      throw new CredentialsError(`${where} has no .dockerconfigjson key (type ${object.type ?? 'unknown'})`);
    }
    return parseDockerConfig(Buffer.from(encoded, 'base64').toString('utf8'), where);
  }, options);
}

/**
 * Reads Secrets with @kubernetes/client-node (in a Pod: its service account, which then needs `get`
 * on that one Secret). Loaded on first use so processes that never read a Secret never load it.
 */
export function kubernetesSecretReader(): SecretReader {
  let api: Promise<import('@kubernetes/client-node').CoreV1Api> | undefined;
  return async (namespace, name) => {
    api ??= Promise.all([import('@kubernetes/client-node'), import('../kube/client.js')]).then(
      ([{ CoreV1Api }, { loadKubeConfig }]) => loadKubeConfig().makeApiClient(CoreV1Api),
    );
    const secret = await (await api).readNamespacedSecret({ namespace, name });
    return { type: secret.type, data: secret.data };
  };
}

/** No credentials: every request is anonymous. */
export const anonymous: CredentialSource = () => Promise.resolve(new Map());
