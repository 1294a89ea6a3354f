/**
 * Real registries for the health tests: Debian's `docker-registry` (distribution 2.x) started on a
 * free loopback port with a temporary configuration, stopped and started again on the same port and
 * storage; plus image pushes over the plain Registry API, bcrypt htpasswd lines, an HTTPS /v2/
 * endpoint with a self-signed certificate, and a server that accepts connections and never answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generate } from 'selfsigned';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `docker-registry` is: /usr/bin (Debian's package), else anywhere on PATH. */
export function findRegistryBinary(): string | undefined {
  const candidates = [
    '/usr/bin/docker-registry',
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'docker-registry')),
  ];
  return candidates.find(executable);
}

export const REGISTRY_MISSING =
  'docker-registry not found (/usr/bin/docker-registry or PATH): install the Debian package docker-registry (apt-get install -y docker-registry); .ci/run installs it';

/** A free loopback port (bound then released; the registry binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds, or fails after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

// A registry must never outlive the test worker that started it, whatever way the worker ends.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export interface RegistryOptions {
  /** An htpasswd file's content (bcrypt lines): the registry then requires Basic auth. */
  readonly htpasswd?: string;
}

export interface RunningRegistry {
  readonly port: number;
  /** `127.0.0.1:<port>`, as a proxy host in a rule. */
  readonly host: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits until the port refuses connections. */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage, and waits until /v2/ answers. */
  start(): Promise<void>;
  /** Stops it and removes its temporary directory. */
  close(): Promise<void>;
  /** What the registry wrote to stderr/stdout, for failure messages. */
  output(): string;
}

export async function startRegistry(binary: string, options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'data'))}}, delete: {enabled: true}}`,
    `http: {addr: "${host}"}`,
  ];
  if (options.htpasswd !== undefined) {
    writeFileSync(join(dir, 'htpasswd'), options.htpasswd);
    lines.push(`auth: {htpasswd: {realm: basic-realm, path: ${JSON.stringify(join(dir, 'htpasswd'))}}}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  let output = '';

  const answers = async (): Promise<boolean> => {
    try {
      const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1_000) });
      return response.status === 200 || response.status === 401;
    } catch {
      return false;
    }
  };

  const start = async (): Promise<void> => {
    const registry = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = registry;
    children.add(registry);
    registry.once('exit', () => children.delete(registry));
    registry.stdout?.on('data', (chunk) => (output += String(chunk)));
    registry.stderr?.on('data', (chunk) => (output += String(chunk)));
    await waitFor(
      async () => {
        if (registry.exitCode !== null)
          throw new Error(`docker-registry exited (${registry.exitCode}): ${output}`);
        return answers();
      },
      15_000,
      `docker-registry on ${host}`,
    );
  };

  const stop = async (): Promise<void> => {
    const registry = child;
    child = undefined;
    if (registry === undefined || registry.exitCode !== null || registry.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => registry.once('exit', () => resolve()));
    registry.kill('SIGTERM');
    const killer = setTimeout(() => registry.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
    await waitFor(async () => !(await answers()), 5_000, `${host} to refuse connections`);
  };

  await start();
  return {
    port,
    host,
    url: `http://${host}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => output,
  };
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A bcrypt htpasswd line (the only hash docker-registry accepts): `htpasswd -nbB` from apache2-utils
 * when installed, else crypt(3) through perl (libxcrypt does bcrypt), else undefined.
 */
export function htpasswdLine(user: string, password: string): string | undefined {
  const htpasswd = spawnSync('htpasswd', ['-nbB', '-C', '5', user, password], { encoding: 'utf8' });
  if (htpasswd.status === 0 && htpasswd.stdout.startsWith(`${user}:$2`)) return htpasswd.stdout.trim();
  const salt = [...randomBytes(22)].map((byte) => BCRYPT_ALPHABET[byte % 64]).join('');
  const perl = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], {
    encoding: 'utf8',
  });
  if (perl.status === 0 && /^\$2[aby]\$05\$.{53}$/.test(perl.stdout)) return `${user}:${perl.stdout}`;
  return undefined;
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function pushBlob(
  base: string,
  name: string,
  data: Buffer,
  headers: Record<string, string>,
): Promise<string> {
  const digest = sha256(data);
  const started = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: 'POST', headers });
  if (started.status !== 202) throw new Error(`starting a blob upload: HTTP ${started.status}`);
  const location = new URL(started.headers.get('location') ?? '', base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: data,
  });
  if (put.status !== 201) throw new Error(`uploading blob ${digest}: HTTP ${put.status}`);
  return digest;
}

/**
 * Pushes a one-layer image (Docker schema 2 manifest) as `<name>:<tag>` with plain Registry API calls:
 * a monolithic upload per blob (POST then PUT ?digest=), then the manifest. Returns its digest.
 */
export async function pushImage(
  base: string,
  name: string,
  tag: string,
  auth?: { username: string; password: string },
): Promise<string> {
  const headers: Record<string, string> =
    auth === undefined
      ? {}
      : { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  const layerTar = Buffer.concat([
    Buffer.from(`pullthrough test layer ${name}:${tag}\n`),
    Buffer.alloc(1024),
  ]);
  const layer = gzipSync(layerTar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    }),
  );
  const configDigest = await pushBlob(base, name, config, headers);
  const layerDigest = await pushBlob(base, name, layer, headers);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: layer.length,
          digest: layerDigest,
        },
      ],
    }),
  );
  const put = await fetch(`${base}/v2/${name}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
    body: manifest,
  });
  if (put.status !== 201)
    throw new Error(`pushing manifest ${name}:${tag}: HTTP ${put.status} ${await put.text()}`);
  return sha256(manifest);
}

export interface TlsEndpoint {
  readonly port: number;
  readonly url: string;
  /** PEM of the self-signed certificate (its own CA). */
  readonly cert: string;
  close(): Promise<void>;
}

/** An HTTPS server answering `GET /v2/` with 200 `{}` (a registry root) under a self-signed certificate for 127.0.0.1. */
export async function startTlsRegistryRoot(): Promise<TlsEndpoint> {
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'pullthrough-test' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const server: HttpsServer = createHttpsServer(
    { cert: pems.cert, key: pems.private },
    (request, response) => {
      response.writeHead(request.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' });
      response.end('{}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    cert: pems.cert,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HungEndpoint {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Accepts TCP connections and never says a word: the slowest proxy there is. */
export async function startHungServer(): Promise<HungEndpoint> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
