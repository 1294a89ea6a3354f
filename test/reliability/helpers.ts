/** Shared by the reliability tests: certificates, a capturing logger, HTTPS calls with deadlines. */
import { request as httpsRequest, type Agent } from 'node:https';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { createLogger, type LogLevel } from '../../src/log.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
} from '../../src/tls/self-signed.js';
import type { TlsMaterial } from '../../src/tls/tls-material.js';

export interface Certificates {
  readonly ca: CertificateAuthority;
  /** Two serving certificates for 127.0.0.1/localhost from the same CA: the second is the rotation. */
  readonly first: TlsMaterial;
  readonly second: TlsMaterial;
}

export async function makeCertificates(): Promise<Certificates> {
  const ca = await createCertificateAuthority({ commonName: 'reliability-ca' });
  const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const [first, second] = await Promise.all([
    issueServingCertificate(ca, names),
    issueServingCertificate(ca, names),
  ]);
  return { ca, first, second };
}

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line as written (raw text), for "this string never appears" checks. */
  readonly raw: string[];
  /** Every line parsed. */
  lines(): any[];
}

/** A real pino logger (the process logger's redaction and format) writing into memory. */
export function captureLogs(level: LogLevel = 'info'): CapturedLogs {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    raw,
    lines: () => raw.map((line) => JSON.parse(line)),
  };
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** SHA-256 fingerprint of the certificate the server presented on this connection. */
  readonly fingerprint: string | undefined;
  /** Whether the request went out on a reused keep-alive socket. */
  readonly reused: boolean;
}

export interface CallOptions {
  readonly method?: string;
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly agent?: Agent | false;
  /** The whole exchange must finish in this time, or it fails with code `ETIMEOUT`. */
  readonly timeoutMs?: number;
}

/** One HTTPS exchange; rejects with the socket error (`code` set) or `ETIMEOUT` past the deadline. */
export function call(url: string, ca: string, path: string, options: CallOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = httpsRequest(
      `${url}${path}`,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        ca,
        agent: options.agent ?? false,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const fingerprint = socket.getPeerCertificate?.()?.fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => settle(() => reject(error)));
        res.on('end', () =>
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
              fingerprint,
              reused: req.reusedSocket,
            }),
          ),
        );
      },
    );
    const timer = setTimeout(() => {
      settle(() => reject(Object.assign(new Error('no answer in time'), { code: 'ETIMEOUT' })));
      req.destroy();
    }, options.timeoutMs ?? 10_000);
    req.on('error', (error) => settle(() => reject(error)));
    req.end(options.body);
  });
}

/** Polls until `check` holds; throws after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await sleep(25);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface SocketEnd {
  /** Milliseconds from the call until the socket closed, or undefined if it was still open at the deadline. */
  readonly closedAfterMs: number | undefined;
  /** What the server wrote before closing. */
  readonly received: string;
}

/** Watches a socket until the server closes it or `deadlineMs` passes (then destroys it). */
export function watchClose(socket: Socket, deadlineMs: number): Promise<SocketEnd> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.removeListener('close', onClose);
      socket.destroy();
      resolve({ closedAfterMs: undefined, received });
    }, deadlineMs);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve({ closedAfterMs: Date.now() - started, received });
    };
    if (socket.destroyed) onClose();
    else socket.once('close', onClose);
  });
}
