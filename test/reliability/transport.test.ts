/**
 * The transport against a real listening server (startServer on 127.0.0.1:0, certificate files):
 * oversized bodies, slow clients, plain HTTP and old TLS on the HTTPS port, garbage bytes, wrong
 * content types. After every hostile exchange the server must still answer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/admission/runtime.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { buildApp, DEFAULT_BODY_LIMIT } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { MIN_TLS_VERSION, secureContextOptions } from '../../src/tls/attach.js';
import { describeCertificate } from '../../src/tls/tls-material.js';
import { createReview, loadReview } from '../fixtures/load.js';
import {
  call,
  captureLogs,
  makeCertificates,
  waitFor,
  watchClose,
  type Certificates,
  type SocketEnd,
} from './helpers.js';
import {
  HEADERS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  REQUEST_TIMEOUT_MS,
  SOCKET_IDLE_TIMEOUT_MS,
} from '../../src/http/app.js';

let certs: Certificates;
let ca: string;
let server: RunningServer;
let port: number;
/** Errors the TLS layer reported for connections that never became HTTP. */
const tlsErrors: string[] = [];

async function startFileServer(dir: string): Promise<RunningServer> {
  writeFileSync(join(dir, 'tls.crt'), certs.first.cert);
  writeFileSync(join(dir, 'tls.key'), certs.first.key);
  return startServer({
    host: '127.0.0.1',
    port: 0,
    logger: captureLogs().logger,
    tls: { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
  });
}

beforeAll(async () => {
  certs = await makeCertificates();
  ca = certs.ca.cert;
  server = await startFileServer(mkdtempSync(join(tmpdir(), 'pt-transport-')));
  port = (server.app.server.address() as AddressInfo).port;
  server.app.server.on('tlsClientError', (error: NodeJS.ErrnoException) => tlsErrors.push(error.code ?? ''));
});
afterAll(() => server?.close());

async function expectStillServing(target: RunningServer = server, caPem: string = ca): Promise<void> {
  const health = await call(target.url, caPem, '/healthz', { timeoutMs: 5_000 });
  expect(health.status).toBe(200);
  const review = await call(target.url, caPem, '/mutate', {
    body: JSON.stringify(loadReview('httpd-untagged-create')),
    timeoutMs: 5_000,
  });
  expect(review.status).toBe(200);
  expect(JSON.parse(review.body).response.patchType).toBe('JSONPatch');
}

/** Opens a TLS connection to the server; resolves once the handshake is done. */
function secureSocket(targetPort: number, options: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', port: targetPort, ca, servername: 'localhost', ...options },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** A TLS handshake attempt: the negotiated protocol, or the error code the client saw. */
function handshake(options: ConnectionOptions): Promise<{ protocol?: string; error?: string }> {
  return secureSocket(port, options).then(
    (socket) => {
      const protocol = socket.getProtocol() ?? undefined;
      socket.destroy();
      return { protocol };
    },
    (error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }),
  );
}

/** Old protocols only, with the client's own floor lowered so the refusal is the server's. */
const OLD_TLS: ConnectionOptions[] = [
  { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' },
  { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
];

describe('TLS', () => {
  it('refuses TLS 1.0 and 1.1 (the server rejects the ClientHello) and accepts 1.2 and 1.3', async () => {
    expect(MIN_TLS_VERSION).toBe('TLSv1.2');
    for (const options of OLD_TLS) {
      const before = tlsErrors.length;
      const result = await handshake(options);
      expect(result.protocol).toBeUndefined();
      expect(result.error).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'); // the server's alert
      await waitFor(() => tlsErrors.length > before, 2_000, 'server-side TLS error');
      expect(tlsErrors.slice(before)).toContain('ERR_SSL_UNSUPPORTED_PROTOCOL');
    }
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toEqual({ protocol: 'TLSv1.2' });
    expect(await handshake({ minVersion: 'TLSv1.3' })).toEqual({ protocol: 'TLSv1.3' });
    await expectStillServing();
  });

  it('offers AEAD suites only: a TLS 1.2 client that offers only CBC suites is refused', async () => {
    // Each client offers the suite for both certificate key types, so only the server's list can
    // refuse it (Node's default list has both).
    for (const ciphers of [
      'ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256',
      'ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384',
      'ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA', // with a SHA-1 MAC
    ]) {
      const result = await handshake({ maxVersion: 'TLSv1.2', ciphers: `${ciphers}@SECLEVEL=0` });
      expect(result.protocol, ciphers).toBeUndefined();
      expect(result.error, ciphers).toBe('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    }
    const socket = await secureSocket(port, { maxVersion: 'TLSv1.2' });
    expect(socket.getCipher().name).toMatch(/^ECDHE-(RSA|ECDSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    socket.destroy();
    await expectStillServing();
  });

  it('never speaks plain HTTP on the HTTPS port', async () => {
    const before = tlsErrors.length;
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      });
      req.setTimeout(5_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      req.end();
    });
    expect(outcome).toMatch(/^error /); // never an HTTP answer
    await waitFor(() => tlsErrors.length > before, 2_000, 'server-side TLS error');
    expect(tlsErrors.slice(before)).toContain('ERR_SSL_HTTP_REQUEST');
    // A plaintext POST of a review fares no better.
    const post = await new Promise<string>((resolve) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json' },
        },
        (res) => resolve(`answered ${res.statusCode}`),
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      req.end(JSON.stringify(loadReview('httpd-untagged-create')));
    });
    expect(post).toMatch(/^error (ECONNRESET|EPIPE)$/);
    await expectStillServing();
  });

  it('closes connections that send garbage instead of a handshake, and keeps serving', async () => {
    const garbage: Buffer[] = [
      Buffer.concat([Buffer.from([0xff]), randomBytes(4095)]), // not even a TLS record type
      Buffer.from('\x16\x03\x01\x00\x05garbagegarbage', 'latin1'), // a handshake record full of junk
      Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, ...randomBytes(16)]), // application data before a handshake
      Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02, ...randomBytes(44)]), // SSLv2-style hello, 46-byte record
      Buffer.from('\x00'.repeat(1024), 'latin1'),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'.repeat(50), 'latin1'),
    ];
    const ends = await Promise.all(
      garbage.map((bytes) => {
        const socket = netConnect(port, '127.0.0.1', () => socket.write(bytes));
        return watchClose(socket, 5_000);
      }),
    );
    expect(ends.map((end) => end.closedAfterMs !== undefined)).toEqual(garbage.map(() => true));
    await expectStillServing();
  });

  it('keeps refusing old TLS after the certificate files rotate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-transport-rotate-'));
    const rotating = await startFileServer(dir);
    try {
      const rotatingPort = (rotating.app.server.address() as AddressInfo).port;
      writeFileSync(join(dir, 'tls.key.new'), certs.second.key);
      writeFileSync(join(dir, 'tls.crt.new'), certs.second.cert);
      renameSync(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
      renameSync(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
      const second = describeCertificate(certs.second.cert).fingerprint256;
      await waitFor(
        async () => (await call(rotating.url, ca, '/healthz')).fingerprint === second,
        10_000,
        'the rotated certificate',
      );
      for (const options of OLD_TLS) {
        const result = await secureSocket(rotatingPort, options).then(
          (socket) => {
            socket.destroy();
            return socket.getProtocol();
          },
          (error: NodeJS.ErrnoException) => error.code,
        );
        expect(result).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
      }
      const modern = await secureSocket(rotatingPort, { maxVersion: 'TLSv1.2' });
      expect(modern.getProtocol()).toBe('TLSv1.2');
      expect(modern.getPeerCertificate().fingerprint256).toBe(second);
      modern.destroy();
    } finally {
      await rotating.close();
    }
  });
});

describe('bodies', () => {
  /** Streams `total` bytes of a JSON body (chunked, or with a Content-Length) until the server answers. */
  function sendLarge(
    total: number,
    chunked: boolean,
  ): Promise<{ status: number | undefined; body: string; sent: number }> {
    return new Promise((resolve) => {
      let sent = 0;
      let answered = false;
      const req = httpsRequest(
        `${server.url}/mutate`,
        {
          method: 'POST',
          ca,
          agent: false,
          headers: {
            'content-type': 'application/json',
            ...(chunked ? {} : { 'content-length': String(total) }),
          },
        },
        (res) => {
          answered = true;
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body, sent }));
          res.on('error', () => resolve({ status: res.statusCode, body, sent }));
        },
      );
      req.on('error', () => {
        if (!answered) resolve({ status: undefined, body: '', sent });
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!answered) req.end();
      };
      req.write('{"apiVersion":');
      pump();
    });
  }

  it('refuses a body over the limit with 413 before reading it (Content-Length), and keeps serving', async () => {
    const reply = await sendLarge(DEFAULT_BODY_LIMIT * 4, false);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).code).toBe('PT_ERR_BODY_TOO_LARGE');
    expect(reply.sent).toBeLessThan(DEFAULT_BODY_LIMIT); // answered from the header alone
    await expectStillServing();
  });

  it('refuses a chunked body once it passes the limit, and keeps serving', async () => {
    const reply = await sendLarge(DEFAULT_BODY_LIMIT * 4, true);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).code).toBe('PT_ERR_BODY_TOO_LARGE');
    expect(reply.sent).toBeLessThan(DEFAULT_BODY_LIMIT * 4);
    await expectStillServing();
  });

  it('accepts a review just under the limit (a Pod near etcd’s object size limit)', async () => {
    const review = createReview({
      metadata: { name: 'big', annotations: { filler: 'x'.repeat(1_500_000) } },
      spec: { containers: [{ name: 'app', image: 'nginx' }] },
    });
    review.request.oldObject = structuredClone(review.request.object);
    const body = JSON.stringify(review);
    expect(body.length).toBeLessThan(DEFAULT_BODY_LIMIT);
    const reply = await call(server.url, ca, '/mutate', { body, timeoutMs: 15_000 });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).response.patchType).toBe('JSONPatch');
  });

  it('answers 431 to oversized headers, and keeps serving', async () => {
    await expect(
      call(server.url, ca, '/healthz', { headers: { 'x-filler': 'x'.repeat(64 * 1024) } }).then(
        (reply) => String(reply.status),
        (error: NodeJS.ErrnoException) => String(error.code),
      ),
    ).resolves.toMatch(/^(431|ECONNRESET|EPIPE)$/);
    await expectStillServing();
  });
});

describe('admission requests on the listener', () => {
  const review = JSON.stringify(loadReview('httpd-untagged-create'));

  it('answers /mutate and /audit with the query string the API server appends, on one keep-alive socket', async () => {
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    try {
      const mutate = await call(server.url, ca, '/mutate?timeout=10s', { body: review, agent });
      expect(mutate.status).toBe(200);
      expect(mutate.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(mutate.body).response.patchType).toBe('JSONPatch');
      const audit = await call(server.url, ca, '/audit?timeout=10s', { body: review, agent });
      expect(audit.reused).toBe(true);
      expect(audit.status).toBe(200);
      expect(JSON.parse(audit.body).response.patch).toBeUndefined();
      expect(JSON.parse(audit.body).response.auditAnnotations).toEqual({
        'would-rewrite': expect.stringContaining('harbor.ingress.local/proxy_cache/library/httpd'),
      });
    } finally {
      agent.destroy();
    }
  });

  it('leaves other methods and paths to the router', async () => {
    expect((await call(server.url, ca, '/mutate', { method: 'GET' })).status).toBe(404);
    expect((await call(server.url, ca, '/mutate/', { body: review })).status).toBe(404);
    expect((await call(server.url, ca, '/healthz', { method: 'POST', body: review })).status).toBe(404);
  });
});

describe('content types', () => {
  const review = JSON.stringify(loadReview('httpd-untagged-create'));

  it.each([
    ['text/plain'],
    ['application/yaml'],
    ['application/x-www-form-urlencoded'],
    ['application/json-patch+json'],
    ['application/vnd.kubernetes.protobuf'],
    ['multipart/form-data; boundary=x'],
  ])('answers %s with 415 and a code', async (contentType) => {
    const reply = await call(server.url, ca, '/mutate', {
      body: review,
      headers: { 'content-type': contentType },
    });
    expect(reply.status).toBe(415);
    expect(JSON.parse(reply.body)).toEqual({ code: 'PT_ERR_MEDIA_TYPE', message: expect.any(String) });
  });

  it('answers a body without a Content-Type with 415, and application/json with parameters with 200', async () => {
    const bare = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpsRequest(`${server.url}/mutate`, { method: 'POST', ca, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(review);
    });
    expect(bare).toBe(415);
    const charset = await call(server.url, ca, '/mutate', {
      body: review,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(charset.status).toBe(200);
    await expectStillServing();
  });
});

/**
 * Slow clients. Node enforces `headersTimeout` and `requestTimeout` only when its connection check
 * runs, every `connectionsCheckingInterval` (30 s by default, and startServer does not change it),
 * so the production server cuts a stalled client after 30 to 35 s, not 5 / 10 s. The first test
 * proves the app's timeouts themselves with a 250 ms check; the two `fails` tests are the bugs
 * (reported with the proposed fix) and turn red once they are fixed.
 */
describe.concurrent('slow clients', () => {
  /** Starts the stall: headers that never end, or a body that never completes. */
  function stall(socket: TLSSocket, kind: 'headers' | 'body'): () => void {
    socket.write(
      kind === 'headers'
        ? 'POST /mutate HTTP/1.1\r\nHost: localhost\r\n'
        : 'POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    );
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(kind === 'headers' ? 'X-Slow: 1\r\n' : ' ');
    }, 500);
    return () => clearInterval(drip);
  }

  async function stalled(
    targetPort: number,
    kind: 'headers' | 'body',
    deadlineMs: number,
  ): Promise<SocketEnd> {
    const socket = await secureSocket(targetPort);
    const stop = stall(socket, kind);
    const end = await watchClose(socket, deadlineMs);
    stop();
    return end;
  }

  it('the app closes a client that stalls its headers after 5 s and one that stalls its body after 10 s (408)', async () => {
    const { logger } = captureLogs();
    const app: FastifyInstance = buildApp({
      runtime: () => createRuntime(DEFAULT_CONFIG),
      metrics: createMetrics({ defaultMetrics: false }),
      isReady: () => true,
      logger,
      https: { ...secureContextOptions(certs.first), connectionsCheckingInterval: 250 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const appPort = (app.server.address() as AddressInfo).port;
      const [headers, body] = await Promise.all([
        stalled(appPort, 'headers', HEADERS_TIMEOUT_MS + 4_000),
        stalled(appPort, 'body', REQUEST_TIMEOUT_MS + 4_000),
      ]);
      expect(headers.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 500);
      expect(headers.closedAfterMs).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + 3_000);
      expect(headers.received).toMatch(/^HTTP\/1\.1 408/);
      expect(body.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 500);
      expect(body.closedAfterMs).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + 3_000);
      expect(body.received).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await app.close();
    }
  }, 20_000);

  // Node enforces the header timeout only when it checks connections (30 s by default); the app
  // sets a 1 s check interval so the 5 s header timeout holds.
  it('the production server closes a client that stalls its headers within the header timeout (+2 s)', async () => {
    const fresh = await startFileServer(mkdtempSync(join(tmpdir(), 'pt-transport-slow-')));
    try {
      const end = await stalled(
        (fresh.app.server.address() as AddressInfo).port,
        'headers',
        HEADERS_TIMEOUT_MS + 2_000,
      );
      expect(end.closedAfterMs).toBeDefined();
    } finally {
      await fresh.close();
    }
  }, 20_000);

  // Header and request timeouts start only once TLS is up, so the handshake has its own (5 s;
  // Node's default is 120 s).
  it('the production server closes a connection that never completes its TLS handshake within 10 s', async () => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write(Buffer.from([0x16, 0x03, 0x01])));
    const end = await watchClose(socket, 10_000);
    expect(end.closedAfterMs).toBeDefined();
  }, 20_000);
});

/** Clients that hold connections without using them (issue #13, item 3). */
describe.concurrent('connection hogs', () => {
  it('closes a client that never reads its answer, within the socket idle timeout', async () => {
    // A 1.5 MB review of 50,000 containers gets about 10 MB of patch: more than the kernel's
    // loopback buffers hold, so the server's writes stall on a reader that never comes.
    const containers = Array.from({ length: 50_000 }, (_, i) => ({ name: `c${i}`, image: `a${i}` }));
    const review = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'hog',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        object: { metadata: { name: 'p' }, spec: { containers } },
      },
    });
    const serverSide = new Promise<TLSSocket>((resolve) =>
      server.app.server.on('secureConnection', (accepted: TLSSocket) => {
        if (accepted.remotePort === socket.localPort) resolve(accepted);
      }),
    );
    const socket = await secureSocket(port);
    socket.on('error', () => undefined);
    socket.pause(); // never reads
    socket.write(
      `POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(review)}\r\n\r\n${review}`,
    );
    const accepted = await serverSide;
    await waitFor(() => accepted.bytesWritten > 1024 * 1024, 60_000, 'the answer started');
    let unsentAtTimeout = 0;
    accepted.once('timeout', () => (unsentAtTimeout = accepted.writableLength));
    const end = await watchClose(accepted, SOCKET_IDLE_TIMEOUT_MS * 2);
    socket.destroy();
    expect(end.closedAfterMs).toBeDefined();
    // Closed mid-answer by the idle timeout, not after it by the keep-alive timeout.
    expect(unsentAtTimeout).toBeGreaterThan(0);
    await expectStillServing();
  }, 120_000);

  it('closes an idle keep-alive connection well before the API server’s 90 s idle timeout', async () => {
    const socket = await secureSocket(port);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const end = await watchClose(socket, KEEP_ALIVE_TIMEOUT_MS + 5_000);
    expect(end.received).toMatch(/^HTTP\/1\.1 200/);
    expect(end.closedAfterMs).toBeDefined();
  }, 45_000);

  it('drops connections past the cap at accept, and serves again once they go', async () => {
    const fresh = await startFileServer(mkdtempSync(join(tmpdir(), 'pt-transport-cap-')));
    const freshPort = (fresh.app.server.address() as AddressInfo).port;
    // Node's 'drop' event names each connection refused at accept because of maxConnections: the
    // surplus one is dropped by the server, not merely slow (a fixed wait for its close fails on a
    // loaded machine).
    const dropped: unknown[] = [];
    fresh.app.server.on('drop', (data: unknown) => dropped.push(data));
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i += 1) {
        const socket = netConnect(freshPort, '127.0.0.1');
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
      const extra = netConnect(freshPort, '127.0.0.1');
      extra.on('error', () => undefined);
      sockets.push(extra);
      await waitFor(() => dropped.length > 0, 20_000, 'a connection dropped at accept');
      expect(dropped).toHaveLength(1);
      // The one dropped is the surplus connection: the server closed it, so its client sees the close.
      const end = await watchClose(extra, 10_000);
      expect(end.closedAfterMs).toBeDefined();
      for (const socket of sockets) socket.destroy();
      await waitFor(
        async () =>
          (await call(fresh.url, ca, '/healthz', { timeoutMs: 2_000 }).catch(() => undefined))?.status ===
          200,
        10_000,
        'serving again',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await fresh.close();
    }
  }, 30_000);
});
