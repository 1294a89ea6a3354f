import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CIPHER_SUITES,
  MIN_TLS_VERSION,
  attachTlsReload,
  secureContextOptions,
} from '../../src/tls/attach.js';
import type { CertificateAuthority } from '../../src/tls/self-signed.js';
import { describeCertificate, type TlsMaterial } from '../../src/tls/tls-material.js';
import { TlsPublisher, staticTlsSource, type TlsSource } from '../../src/tls/tls-source.js';
import { captureLogger } from '../helpers/logger.js';
import { caWithTwoLeaves, get, serve, sleep } from './helpers.js';

let ca: CertificateAuthority;
let a: TlsMaterial;
let b: TlsMaterial;

beforeAll(async () => {
  ({ ca, a, b } = await caWithTwoLeaves());
});

const fp = (m: TlsMaterial): string => describeCertificate(m.cert).fingerprint256;

/** A source the test switches by hand. */
function manualSource(initial: TlsMaterial): { source: TlsSource; publish: (m: TlsMaterial) => void } {
  const publisher = new TlsPublisher(initial);
  return {
    source: {
      current: () => publisher.current(),
      subscribe: (fn) => publisher.subscribe(fn),
      close: () => Promise.resolve(publisher.clear()),
    },
    publish: (m) => void publisher.publish(m),
  };
}

describe('attachTlsReload', () => {
  it('a request in flight during the switch completes on its connection, and the next handshake gets the new certificate', async () => {
    const { source, publish } = manualSource(a);
    const served = await serve(source, 300);
    try {
      const inFlight = get(served.port, ca.cert);
      await sleep(100);
      publish(b);
      await expect(inFlight).resolves.toMatchObject({ status: 200, body: 'ok', fingerprint256: fp(a) });
      await expect(get(served.port, ca.cert)).resolves.toMatchObject({ status: 200, fingerprint256: fp(b) });
    } finally {
      await served.close();
    }
  });

  it('a keep-alive connection opened before the switch keeps working after it', async () => {
    const { source, publish } = manualSource(a);
    const served = await serve(source);
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const request = (): Promise<{ status: number; fingerprint256: string }> =>
      new Promise((resolve, reject) => {
        https
          .get(
            { host: '127.0.0.1', servername: 'localhost', port: served.port, ca: ca.cert, agent },
            (res) => {
              const cert = (res.socket as TLSSocket).getPeerCertificate();
              res.resume();
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, fingerprint256: cert.fingerprint256 }),
              );
            },
          )
          .on('error', reject);
      });
    try {
      await expect(request()).resolves.toEqual({ status: 200, fingerprint256: fp(a) });
      publish(b);
      await expect(request()).resolves.toEqual({ status: 200, fingerprint256: fp(a) });
    } finally {
      agent.destroy();
      await served.close();
    }
  });

  it('a material the server cannot use is logged and the previous certificate stays', async () => {
    const { source, publish } = manualSource(a);
    const served = await serve(source);
    const log = captureLogger();
    const detach = attachTlsReload(served.server, source, { log });
    try {
      publish({ cert: b.cert, key: a.key });
      expect(log.entries.map((l) => l.level)).toContain('error');
      await expect(get(served.port, ca.cert)).resolves.toMatchObject({ fingerprint256: fp(a) });
    } finally {
      detach();
      await served.close();
    }
  });

  it('after detaching, changes are no longer applied', () => {
    const { source, publish } = manualSource(a);
    const calls: unknown[] = [];
    const detach = attachTlsReload({ setSecureContext: (o) => calls.push(o) }, source);
    detach();
    publish(b);
    expect(calls).toHaveLength(1);
  });

  it('the current certificate is applied at once and every context keeps the TLS 1.2 floor and AEAD suites', () => {
    const calls: Array<Record<string, unknown>> = [];
    attachTlsReload({ setSecureContext: (o) => calls.push({ ...o }) }, staticTlsSource(a));
    const hardening = { minVersion: MIN_TLS_VERSION, ciphers: CIPHER_SUITES, honorCipherOrder: true };
    expect(calls).toEqual([{ cert: a.cert, key: a.key, ...hardening }]);
    expect(secureContextOptions(b)).toEqual({ cert: b.cert, key: b.key, ...hardening });
    expect(CIPHER_SUITES).not.toMatch(/CBC|SHA(:|$)|RC4|3DES|NULL/);
  });

  it('a listener that throws does not stop the others', () => {
    const publisher = new TlsPublisher(a);
    const seen: string[] = [];
    publisher.subscribe(() => {
      throw new Error('boom');
    });
    publisher.subscribe((m) => seen.push(m.cert));
    expect(publisher.publish(b)).toBe(true);
    expect(publisher.publish(b)).toBe(false);
    expect(seen).toEqual([b.cert]);
  });
});
