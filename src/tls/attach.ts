import type { SecureContextOptions } from 'node:tls';
import { silentLogger, type Logger } from '../platform/logger.js';
import { describeCertificate, type TlsMaterial } from './tls-material.js';
import type { TlsSource } from './tls-source.js';

/** Oldest protocol we accept: TLS 1.0/1.1 are deprecated (RFC 8996) and kube-apiserver never needs them. */
export const MIN_TLS_VERSION = 'TLSv1.2';

/**
 * AEAD suites only. TLS 1.3 has nothing else; for TLS 1.2, ECDHE (forward secrecy) with AES-GCM or
 * ChaCha20-Poly1305, which every Go client (kube-apiserver) and current curl/OpenSSL offer. No CBC,
 * no SHA-1 MAC, no static RSA key exchange.
 */
export const CIPHER_SUITES = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * The secure-context options for a material. Use it both when creating the server (fastify's `https`
 * option) and on reload: `setSecureContext` rebuilds the context from exactly what it is given, so the
 * two must not drift apart (a reload would otherwise silently drop `minVersion`).
 */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    minVersion: MIN_TLS_VERSION,
    ciphers: CIPHER_SUITES,
    honorCipherOrder: true,
  };
}

/** Anything with `setSecureContext`: `https.Server`, `tls.Server`, or fastify's `server` when it is HTTPS. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * Keeps a running TLS server on the source's current certificate: applies it now and on every change.
 * New handshakes use the new certificate; established connections and in-flight requests are not
 * touched (Node documents that `setSecureContext` does not interrupt them), so no restart is needed.
 * Returns a function that stops following the source.
 */
export function attachTlsReload(
  server: SecureContextTarget,
  source: TlsSource,
  opts: { log?: Logger } = {},
): () => void {
  const log = opts.log ?? silentLogger;
  const apply = (material: TlsMaterial, initial: boolean): void => {
    try {
      server.setSecureContext(secureContextOptions(material));
      if (!initial) {
        const info = describeCertificate(material.cert);
        log.info(
          { fingerprint256: info.fingerprint256, notAfter: info.notAfter.toISOString() },
          'serving certificate switched',
        );
      }
    } catch (err) {
      log.error({ err }, 'cannot apply the new serving certificate; keeping the previous one');
    }
  };
  apply(source.current(), true);
  return source.subscribe((material) => apply(material, false));
}
