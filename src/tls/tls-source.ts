import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../platform/logger.js';
import { watchFiles, type FileWatch } from '../platform/watch-files.js';
import { checkTlsMaterial, type CertificateInfo, type TlsMaterial } from './tls-material.js';

/** Called with the new material after the serving certificate changed. */
export type TlsListener = (material: TlsMaterial) => void;

/**
 * Where the server gets its serving certificate. Every path (files, self-signed, self-managed in a
 * Secret) implements it, so the server wiring is the same whichever path the flags chose.
 */
export interface TlsSource {
  /** The material to serve now; always a validated cert/key pair. */
  current(): TlsMaterial;
  /** Registers a listener for later changes (not called for the current material); returns unsubscribe. */
  subscribe(listener: TlsListener): () => void;
  /** Stops watchers and timers; listeners get no further calls. */
  close(): Promise<void>;
}

/**
 * Holds the current material and fans changes out to listeners. Shared by every {@link TlsSource}
 * implementation so "emit only on a real change" and "a throwing listener harms nobody" hold everywhere.
 */
export class TlsPublisher {
  #current: TlsMaterial;
  readonly #listeners = new Set<TlsListener>();
  readonly #log: Logger;

  constructor(initial: TlsMaterial, log: Logger = silentLogger) {
    this.#current = initial;
    this.#log = log;
  }

  /** The material last published. */
  current(): TlsMaterial {
    return this.#current;
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: TlsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces the material and notifies listeners; returns false (and notifies nobody) when nothing changed. */
  publish(material: TlsMaterial): boolean {
    const old = this.#current;
    if (old.cert === material.cert && old.key === material.key && old.ca === material.ca) return false;
    this.#current = material;
    for (const listener of [...this.#listeners]) {
      try {
        listener(material);
      } catch (err) {
        this.#log.error({ err }, 'a serving-certificate listener failed');
      }
    }
    return true;
  }

  /** Drops every listener (used by `close()`). */
  clear(): void {
    this.#listeners.clear();
  }
}

/** A source that never changes: the self-signed path, and tests. */
export function staticTlsSource(material: TlsMaterial): TlsSource {
  const publisher = new TlsPublisher(material);
  return {
    current: () => publisher.current(),
    subscribe: (listener) => publisher.subscribe(listener),
    close: () => {
      publisher.clear();
      return Promise.resolve();
    },
  };
}

/** Options for {@link fileTlsSource}. */
export interface FileTlsSourceOptions {
  log?: Logger;
  /** Quiet period after the last file event before re-reading, so a multi-step swap is read once. Default 100 ms. */
  debounceMs?: number;
  /** Re-read after a rejected pair (e.g. cert written, key not yet). Default 1 s. */
  retryMs?: number;
  /** Safety-net re-read for filesystems that deliver no events (some network/overlay mounts). Default 60 s; 0 disables. */
  pollIntervalMs?: number;
  /** Watch the files and their directories. Default true; false relies on `pollIntervalMs` alone. */
  watch?: boolean;
}

/** Outcome of reading a cert/key file pair: validated material, or why it is unusable. */
export type TlsFilesRead =
  { ok: true; material: TlsMaterial; info: CertificateInfo } | { ok: false; reason: string };

/** Reads and validates a cert/key file pair; never throws (a missing or half-written file is a reason). */
export async function readTlsFiles(certPath: string, keyPath: string): Promise<TlsFilesRead> {
  let material: TlsMaterial;
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    material = { cert, key };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const check = checkTlsMaterial(material);
  return check.ok ? { ok: true, material, info: check.info } : check;
}

/**
 * Serves a certificate from files (`--tls-cert`/`--tls-key`, typically a mounted Secret) and reloads it
 * when they change. Resolves once the initial pair is valid; rejects with the reason otherwise, so a
 * misconfigured pod fails at start instead of serving nothing.
 */
export async function fileTlsSource(
  certPath: string,
  keyPath: string,
  opts: FileTlsSourceOptions = {},
): Promise<TlsSource> {
  const initial = await readTlsFiles(certPath, keyPath);
  if (!initial.ok) throw new Error(`cannot use ${certPath} and ${keyPath}: ${initial.reason}`);
  return new FileTlsSource(resolve(certPath), resolve(keyPath), initial.material, opts);
}

// A mounted Secret changes by the kubelet's `..data` swap: platform/watch-files.ts watches the
// directories and the files, and the file watches are re-armed after every reload.
class FileTlsSource implements TlsSource {
  readonly #certPath: string;
  readonly #keyPath: string;
  readonly #publisher: TlsPublisher;
  readonly #log: Logger;
  readonly #retryMs: number;
  readonly #watch: FileWatch;
  #retry: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(certPath: string, keyPath: string, initial: TlsMaterial, opts: FileTlsSourceOptions) {
    this.#certPath = certPath;
    this.#keyPath = keyPath;
    this.#log = opts.log ?? silentLogger;
    this.#publisher = new TlsPublisher(initial, this.#log);
    this.#retryMs = opts.retryMs ?? 1000;
    const watched = opts.watch ?? true;
    this.#watch = watchFiles(
      {
        directories: watched ? [dirname(certPath), dirname(keyPath)] : [],
        files: watched ? [certPath, keyPath] : [],
        debounceMs: opts.debounceMs ?? 100,
        pollIntervalMs: opts.pollIntervalMs ?? 60_000,
        log: this.#log,
      },
      () => this.#schedule(),
    );
  }

  current(): TlsMaterial {
    return this.#publisher.current();
  }

  subscribe(listener: TlsListener): () => void {
    return this.#publisher.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#watch.close();
    await this.#reloading;
    this.#publisher.clear();
  }

  /** Runs after the debounce: one reload at a time, in order. */
  #schedule(): void {
    if (this.#closed) return;
    this.#reloading = this.#reloading
      .then(() => this.#reload())
      .catch((err: unknown) => this.#log.error({ err }, 'certificate reload failed'));
  }

  async #reload(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    const read = await readTlsFiles(this.#certPath, this.#keyPath);
    if (this.#closed) return;
    this.#watch.rewatch();
    if (!read.ok) {
      this.#log.warn(
        { certPath: this.#certPath, keyPath: this.#keyPath, reason: read.reason },
        'ignoring unusable certificate files; still serving the previous certificate',
      );
      this.#retry = setTimeout(() => this.#watch.trigger(), this.#retryMs).unref();
      return;
    }
    if (this.#publisher.publish(read.material)) {
      this.#log.info(
        { fingerprint256: read.info.fingerprint256, notAfter: read.info.notAfter.toISOString() },
        'serving certificate reloaded from files',
      );
    }
  }
}

/**
 * Where the self-signed CA goes when `--tls-ca-out` is not given: one file per port
 * (`$TMPDIR/pullthrough-ca-8443.crt`), or per process when the port is chosen by the system, so a
 * second instance never overwrites the first one's CA.
 */
export function defaultCaOutPath(port?: number): string {
  const instance = port === undefined || port === 0 ? `pid${process.pid}` : String(port);
  return join(tmpdir(), `pullthrough-ca-${instance}.crt`);
}

/**
 * Writes `text` to `path` atomically through a temporary file in the same directory. The temporary
 * name is unpredictable and created exclusively (O_EXCL: a file or symlink planted there makes the
 * open fail instead of being followed), and `rename` replaces a link at `path` rather than writing
 * through it.
 */
export async function writeFileAtomically(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${randomBytes(12).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * The no-flags `serve` path: makes a CA and a leaf for localhost/127.0.0.1/::1 plus `extraDnsNames`,
 * writes the CA to `caOutPath` (atomically, so a reader never sees half a file) and serves the leaf.
 */
export async function selfSignedTlsSource(
  opts: { extraDnsNames?: readonly string[]; caOutPath?: string; port?: number; log?: Logger } = {},
): Promise<{ source: TlsSource; caPath: string }> {
  const log = opts.log ?? silentLogger;
  // Loaded on this path only: certificate generation is the heaviest import, and the file and
  // Secret paths never need it.
  const { createSelfSignedServing } = await import('./self-signed.js');
  const { ca, material } = await createSelfSignedServing(
    opts.extraDnsNames ? { extraDnsNames: opts.extraDnsNames } : {},
  );
  const caPath = resolve(opts.caOutPath ?? defaultCaOutPath(opts.port));
  await mkdir(dirname(caPath), { recursive: true });
  await writeFileAtomically(caPath, ca.cert, 0o644);
  log.info({ caPath }, 'self-signed certificate created; trust this CA file to call the webhook');
  return { source: staticTlsSource(material), caPath };
}
