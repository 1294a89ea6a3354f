import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { attachTlsReload, secureContextOptions } from '../../src/tls/attach.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
} from '../../src/tls/self-signed.js';
import type { TlsMaterial } from '../../src/tls/tls-material.js';
import type { TlsSource } from '../../src/tls/tls-source.js';

/** A leaf for localhost/127.0.0.1 signed by `ca`. */
export function localLeaf(ca: CertificateAuthority): Promise<TlsMaterial> {
  return issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
}

/** A CA and two distinct leaves it signed: the "before" and "after" of a swap. */
export async function caWithTwoLeaves(): Promise<{
  ca: CertificateAuthority;
  a: TlsMaterial;
  b: TlsMaterial;
}> {
  const ca = await createCertificateAuthority();
  const [a, b] = await Promise.all([localLeaf(ca), localLeaf(ca)]);
  return { ca, a, b };
}

export interface Served {
  server: https.Server;
  port: number;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 that follows `source`, answering `ok` (after `delayMs` if given). */
export async function serve(source: TlsSource, handlerDelayMs = 0): Promise<Served> {
  const server = https.createServer(secureContextOptions(source.current()), (_req, res) => {
    setTimeout(() => res.end('ok'), handlerDelayMs);
  });
  attachTlsReload(server, source);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  body: string;
  fingerprint256: string;
}

/**
 * One GET over a fresh connection with full verification against `ca`. No keep-alive and no TLS
 * session cache, so every request makes a full handshake and sees the certificate served right now.
 */
export function get(
  port: number,
  ca: string,
  host: 'localhost' | '127.0.0.1' = 'localhost',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 0 });
    const req = https.get(
      { host: '127.0.0.1', servername: host === 'localhost' ? host : '', port, ca, agent },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, fingerprint256: cert.fingerprint256 }),
        );
      },
    );
    req.on('error', reject);
  });
}

/**
 * Writes `material` the way the kubelet's atomic writer lays out a Secret volume:
 * `..<stamp>/tls.{crt,key}`, `..data -> ..<stamp>`, `tls.crt -> ..data/tls.crt`.
 */
export async function writeSecretVolume(dir: string, material: TlsMaterial, stamp: string): Promise<void> {
  await mkdir(join(dir, `..${stamp}`), { recursive: true });
  await writeFile(join(dir, `..${stamp}`, 'tls.crt'), material.cert);
  await writeFile(join(dir, `..${stamp}`, 'tls.key'), material.key);
  await symlink(`..${stamp}`, join(dir, '..data'));
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await symlink('..data/tls.key', join(dir, 'tls.key'));
}

/** Swaps a Secret volume to new content as the kubelet does: new dir, `..data_tmp` symlink, rename, remove old. */
export async function swapSecretVolume(
  dir: string,
  material: TlsMaterial,
  oldStamp: string,
  newStamp: string,
): Promise<void> {
  await mkdir(join(dir, `..${newStamp}`));
  await writeFile(join(dir, `..${newStamp}`, 'tls.crt'), material.cert);
  await writeFile(join(dir, `..${newStamp}`, 'tls.key'), material.key);
  await symlink(`..${newStamp}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  await rm(join(dir, `..${oldStamp}`), { recursive: true });
}

/** Replaces a file atomically (write a temp file, rename over), as editors and most tools do. */
export async function replaceFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

/** Resolves at the next change the source reports. */
export function nextChange(source: TlsSource): Promise<TlsMaterial> {
  return new Promise((resolve) => {
    const off = source.subscribe((m) => {
      off();
      resolve(m);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
