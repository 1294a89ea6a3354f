/**
 * No secret data in logs. Pods carry env values, Secret-like data, dockerconfigjson blobs and
 * tokens in every place a Pod can carry them; requests carry Authorization headers. Whatever the
 * outcome (patched, audited, rejected), no log line at debug level contains any of them, and the
 * admission line carries what an operator needs: uid, namespace, pod, outcome, counts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/admission/runtime.js';
import { parseConfig } from '../../src/config/config.js';
import { buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { clipLogObject, MAX_LOGGED_STRING, MAX_PENDING_LOG_BYTES, type LogLevel } from '../../src/log.js';
import { startServer } from '../../src/server/start-server.js';
import { createReview } from '../fixtures/load.js';
import { call, captureLogs, makeCertificates, waitFor, type CapturedLogs } from './helpers.js';

/** Every secret planted below; none may appear in any log line, in any encoding we can think of. */
const SECRETS = {
  envValue: 'env-value-Zq8uY2kP4w',
  envFromLiteral: 'literal-Hb3nV7xQ1m',
  argToken: 'arg-token-Lm5pR9sT2v',
  commandPassword: 'cmd-password-Xc4bN8kJ6h',
  probeAuthorization: 'Bearer probe-Wq2eR4tY6u',
  secretData: 'c2VjcmV0LWRhdGEtVWk3T3A5', // base64, as Secret data is
  secretStringData: 'string-data-Pa1sD3fG5h',
  dockerAuth: Buffer.from('robot$harbor:harbor-password-Jk7lM9nB').toString('base64'),
  lastApplied: 'last-applied-Vb2nM4qW6e',
  requestAuthorization: 'Bearer request-Rt5yU7iO9p',
  cookie: 'session=cookie-Ds3fG5hJ7k',
  credentialId: 'JTI=credential-Az1sX3cV5b',
  userToken: 'user-token-Qw9eR7tY5u',
} as const;

const dockerConfigJson = JSON.stringify({
  auths: { 'harbor.ingress.local': { auth: SECRETS.dockerAuth, password: 'harbor-password-Jk7lM9nB' } },
});
const ALL_SECRETS = [
  ...Object.values(SECRETS),
  'harbor-password-Jk7lM9nB', // the plain password inside the dockerconfigjson
  Buffer.from(dockerConfigJson).toString('base64'),
];

/** A Pod that carries secrets everywhere a Pod can. */
function secretPod(name: string, image = 'nginx:1.26-alpine'): any {
  const secretObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db' },
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': Buffer.from(dockerConfigJson).toString('base64'),
      password: SECRETS.secretData,
    },
    stringData: { token: SECRETS.secretStringData },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: 'shop' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          ...secretObject,
          note: SECRETS.lastApplied,
        }),
        'example.com/docker-config': dockerConfigJson,
      },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image,
          args: [`--token=${SECRETS.argToken}`],
          command: ['sh', '-c', `PGPASSWORD=${SECRETS.commandPassword} exec app`],
          env: [
            { name: 'DB_PASSWORD', value: SECRETS.envValue },
            { name: 'LITERAL', value: SECRETS.envFromLiteral },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
          ],
          livenessProbe: {
            httpGet: {
              path: '/',
              port: 80,
              httpHeaders: [{ name: 'Authorization', value: SECRETS.probeAuthorization }],
            },
          },
        },
      ],
      initContainers: [
        { name: 'init', image: 'busybox:1.36', env: [{ name: 'TOKEN', value: SECRETS.userToken }] },
      ],
      volumes: [{ name: 'creds', secret: { secretName: 'db' } }],
      imagePullSecrets: [{ name: 'regcred-harbor' }],
      // Not a Pod field, but a hostile client could send it: unknown fields are never logged either.
      data: secretObject.data,
      stringData: secretObject.stringData,
    },
  };
}

function secretReview(name: string, image?: string): any {
  return createReview(secretPod(name, image), {
    userInfo: {
      username: 'system:serviceaccount:shop:deployer',
      uid: 'f1e2d3c4',
      groups: ['system:serviceaccounts'],
      extra: {
        'authentication.kubernetes.io/credential-id': [SECRETS.credentialId],
        'example.com/token': [SECRETS.userToken],
      },
    },
  });
}

/** Fails with the offending line if any secret, or its base64 or JSON-escaped form, was logged. */
function expectNoSecrets(logs: CapturedLogs): void {
  expect(logs.raw.length).toBeGreaterThan(0);
  const forms = ALL_SECRETS.flatMap((secret) => [
    secret,
    Buffer.from(secret).toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ]);
  for (const line of logs.raw) {
    // Buffers are logged as byte arrays: decode them too.
    const decoded = line.replace(/\{"type":"Buffer","data":\[([\d,]*)\]\}/g, (_match, bytes: string) =>
      Buffer.from(bytes.split(',').filter(Boolean).map(Number)).toString('latin1'),
    );
    for (const form of forms) {
      expect(
        decoded.includes(form),
        `a secret (${form.slice(0, 12)}…) was logged: ${line.slice(0, 300)}`,
      ).toBe(false);
    }
  }
}

function appWithLogs(level: LogLevel, configText = 'pullSecrets: [regcred-harbor]\n') {
  const logs = captureLogs(level);
  const app = buildApp({
    runtime: () => createRuntime(parseConfig(configText, 'test')),
    metrics: createMetrics({ defaultMetrics: false }),
    isReady: () => true,
    logger: logs.logger,
  });
  return { app, logs };
}

const apps: { close: () => Promise<unknown> }[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** What an admission line may carry (and nothing else: a new field is a security review). */
const ADMISSION_FIELDS = new Set([
  'level',
  'time',
  'name',
  'reqId',
  'msg',
  'endpoint',
  'uid',
  'namespace',
  'pod',
  'operation',
  'mode',
  'dryRun',
  'outcome',
  'skipped',
  'counts',
  'latencyMs',
]);
const IMAGE_FIELDS = new Set([
  'level',
  'time',
  'name',
  'reqId',
  'msg',
  'uid',
  'field',
  'to',
  'from',
  'reason',
]);

describe('no secret data in logs (debug level)', () => {
  it('the check itself finds a secret logged as is, base64-encoded, JSON-escaped or as bytes', () => {
    const planted: unknown[] = [
      SECRETS.envValue,
      Buffer.from(SECRETS.userToken).toString('base64'),
      `quoted "${SECRETS.cookie}"`,
      // a Buffer, which pino writes as a byte array (under a key the logger does not redact)
      Object.assign(new Error('parse error'), {
        bytes: Buffer.from(`Authorization: ${SECRETS.requestAuthorization}`),
      }),
    ];
    for (const value of planted) {
      const logs = captureLogs('info');
      logs.logger.info(value instanceof Error ? { err: value } : { value }, 'planted');
      expect(() => expectNoSecrets(logs)).toThrow(/was logged/);
    }
  });

  it('patching, auditing and warning about invalid images logs uid, namespace, pod and counts, never Pod contents', async () => {
    const { app, logs } = appWithLogs('debug');
    apps.push(app);
    const headers = {
      'content-type': 'application/json',
      authorization: SECRETS.requestAuthorization,
      cookie: SECRETS.cookie,
    };
    const patched = secretReview('web-1');
    const invalid = secretReview('web-2', 'Nginx:Bad');
    for (const [url, review] of [
      ['/mutate', patched],
      ['/audit', secretReview('web-3')],
      ['/mutate', invalid],
    ] as const) {
      const reply = await app.inject({ method: 'POST', url, headers, payload: JSON.stringify(review) });
      expect(reply.statusCode).toBe(200);
    }
    expectNoSecrets(logs);

    const admissions = logs.lines().filter((line) => line.msg === 'admission');
    expect(admissions).toHaveLength(3);
    for (const line of admissions) {
      for (const field of Object.keys(line))
        expect(ADMISSION_FIELDS.has(field), `logged field ${field}`).toBe(true);
    }
    expect(admissions[0]).toMatchObject({
      level: 'info',
      endpoint: 'mutate',
      uid: patched.request.uid,
      namespace: 'shop',
      pod: 'web-1',
      operation: 'CREATE',
      outcome: 'patched',
      counts: { rewritten: 2 },
    });
    expect(admissions[1]).toMatchObject({
      endpoint: 'audit',
      pod: 'web-3',
      outcome: 'audited',
      counts: { rewritten: 2 },
    });
    expect(admissions[2]).toMatchObject({ pod: 'web-2', counts: { invalid: 1, rewritten: 1 } });

    // Debug adds one line per image: the reference as written and as rewritten, nothing else.
    const images = logs.lines().filter((line) => line.msg === 'image');
    expect(images.length).toBe(6);
    for (const line of images) {
      for (const field of Object.keys(line))
        expect(IMAGE_FIELDS.has(field), `logged field ${field}`).toBe(true);
    }
    expect(images[0]).toMatchObject({
      level: 'debug',
      field: 'initContainers',
      name: 'init',
      from: 'busybox:1.36',
      to: 'harbor.ingress.local/proxy_cache/library/busybox:1.36',
      reason: 'rewritten',
    });
  });

  it('cuts attacker-sized strings: namespace, pod name, uid and image of 500 KB each make short lines', async () => {
    const { app, logs } = appWithLogs('debug');
    apps.push(app);
    const huge = (letter: string) => letter.repeat(500_000);
    const review = createReview(
      { metadata: { name: huge('p') }, spec: { containers: [{ name: huge('c'), image: huge('i') }] } },
      { namespace: huge('n'), uid: huge('u') },
    );
    const reply = await app.inject({
      method: 'POST',
      url: '/mutate',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(review),
    });
    expect(reply.statusCode).toBe(200);
    logs.logger.flush();
    expect(logs.raw.length).toBeGreaterThanOrEqual(2);
    for (const line of logs.raw) expect(line.length).toBeLessThan(8 * 1024);
    const admission = logs.lines().find((line) => line.msg === 'admission');
    expect(admission.namespace).toBe(`${'n'.repeat(MAX_LOGGED_STRING)}…[500000 characters]`);
    expect(admission.uid.startsWith('u'.repeat(MAX_LOGGED_STRING))).toBe(true);
  });

  it('cuts long strings at the top of a line and one level down, and copies a line only when it cuts', () => {
    const long = 'x'.repeat(MAX_LOGGED_STRING + 1);
    const cut = `${'x'.repeat(MAX_LOGGED_STRING)}…[${long.length} characters]`;
    const short = {
      endpoint: 'mutate',
      counts: { rewritten: 2 },
      tags: ['a', 'b'],
      deep: { a: { b: long } },
    };
    expect(clipLogObject(short)).toBe(short);
    const clipped = clipLogObject({
      top: long,
      nested: { value: long, ok: 'y' },
      list: [long],
      deep: { a: { b: long } },
    });
    expect(clipped).toEqual({
      top: cut,
      nested: { value: cut, ok: 'y' },
      list: [cut],
      deep: { a: { b: long } },
    });
  });

  it('rejected requests (400, 413, 415) log a code and a reason, never the body', async () => {
    const { app, logs } = appWithLogs('debug');
    apps.push(app);
    const headers = { 'content-type': 'application/json', authorization: SECRETS.requestAuthorization };
    const review = secretReview('web-4');
    const cases: { payload: string; headers?: Record<string, string>; status: number }[] = [
      // the JSON parser's own message would quote the text around the error
      {
        payload: JSON.stringify(review).replace(`"${SECRETS.envValue}"`, `"${SECRETS.envValue}" oops`),
        status: 400,
      },
      { payload: JSON.stringify(review).slice(0, -40), status: 400 },
      { payload: JSON.stringify({ ...review, apiVersion: SECRETS.envValue }), status: 400 },
      {
        payload: JSON.stringify({
          ...review,
          request: { ...review.request, uid: { token: SECRETS.userToken } },
        }),
        status: 400,
      },
      {
        payload: JSON.stringify({ ...review, request: { ...review.request, namespace: [SECRETS.envValue] } }),
        status: 400,
      },
      { payload: `{"__proto__": {"token": "${SECRETS.userToken}"}}`, status: 400 },
      { payload: JSON.stringify(review), headers: { 'content-type': 'text/plain' }, status: 415 },
      {
        payload: JSON.stringify(review),
        headers: { 'content-type': `application/x-${SECRETS.argToken}` },
        status: 415,
      },
    ];
    for (const { payload, headers: extra, status } of cases) {
      const reply = await app.inject({
        method: 'POST',
        url: '/mutate',
        headers: { ...headers, ...extra },
        payload,
      });
      expect(reply.statusCode).toBe(status);
      // The response body does not echo secrets either.
      for (const secret of ALL_SECRETS) expect(reply.body).not.toContain(secret);
    }
    const tooLarge = buildApp({
      runtime: () => createRuntime(parseConfig('{}\n', 'test')),
      metrics: createMetrics({ defaultMetrics: false }),
      isReady: () => true,
      logger: logs.logger,
      bodyLimit: 1024,
    });
    apps.push(tooLarge);
    const reply = await tooLarge.inject({
      method: 'POST',
      url: '/mutate',
      headers,
      payload: JSON.stringify(review),
    });
    expect(reply.statusCode).toBe(413);

    expectNoSecrets(logs);
    const rejected = logs.lines().filter((line) => line.msg === 'rejected request');
    expect(rejected).toHaveLength(cases.length + 1);
    for (const line of rejected) {
      expect(Object.keys(line).sort()).toEqual([
        'code',
        'detail',
        'endpoint',
        'level',
        'msg',
        'name',
        'reqId',
        'time',
      ]);
      expect(line.code).toMatch(/^PT_ERR_/);
    }
  });
});

describe('no secret data in the server logs', () => {
  it('a real server at debug level logs neither request headers, nor Pod contents, nor its private key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-logging-'));
    const certs = await makeCertificates();
    writeFileSync(join(dir, 'tls.crt'), certs.first.cert);
    writeFileSync(join(dir, 'tls.key'), certs.first.key);
    writeFileSync(join(dir, 'config.yaml'), 'pullSecrets: [regcred-harbor]\n');
    const logs = captureLogs('debug');
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: logs.logger,
      configPath: join(dir, 'config.yaml'),
      configPollIntervalMs: 100,
      tls: { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
    });
    try {
      const reply = await call(server.url, certs.ca.cert, '/mutate', {
        body: JSON.stringify(secretReview('web-5')),
        headers: { authorization: SECRETS.requestAuthorization, cookie: SECRETS.cookie },
      });
      expect(reply.status).toBe(200);
      // A broken request line with an Authorization header: the HTTP parser's error carries the raw bytes.
      await rawRequest(
        server.url,
        certs.ca.cert,
        `POST /mutate HTTP/1.1\r\nHost: x\r\nAuthorization: ${SECRETS.requestAuthorization}\r\nContent-Length: nope\r\n\r\n`,
      );
      // A certificate rotation and a configuration reload are logged by fingerprint and by path.
      writeFileSync(join(dir, 'tls.key'), certs.second.key);
      writeFileSync(join(dir, 'tls.crt'), certs.second.cert);
      writeFileSync(join(dir, 'config.yaml'), 'pullSecrets: [regcred-harbor]\nbogus: 1\n');
      await waitFor(
        () =>
          logs.lines().some((line) => line.msg === 'serving certificate switched') &&
          logs.lines().some((line) => line.msg?.startsWith('configuration rejected')),
        10_000,
        'the reload log lines',
      );
    } finally {
      await server.close();
    }
    expectNoSecrets(logs);
    const text = logs.raw.join('\n');
    for (const key of [certs.first.key, certs.second.key, certs.ca.key]) {
      const body = key.split('\n').find((line) => line.length > 40)!;
      expect(text).not.toContain(body);
    }
    expect(logs.lines().find((line) => line.msg === 'admission')).toMatchObject({
      pod: 'web-5',
      namespace: 'shop',
    });
  });

  it('per-image verification never logs the registry credentials or the token it gets for them', async () => {
    const registry = {
      user: 'robot$pullthrough',
      password: 'registry-password-Nh6gT4fR2e',
      token: 'bearer-token-Kj8hG6fD4s',
    };
    const basic = `Basic ${Buffer.from(`${registry.user}:${registry.password}`).toString('base64')}`;
    const seen: string[] = [];
    // A registry that asks for a Bearer token, hands one out for the Basic credentials, and then
    // answers per repository: found, missing, denied, broken.
    const fake = createServer((req: IncomingMessage, res) => {
      const auth = req.headers.authorization ?? '';
      seen.push(`${req.method} ${req.url?.split('?')[0]} ${auth.split(' ')[0] ?? ''}`);
      const origin = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      if (req.url?.startsWith('/token')) {
        if (auth !== basic) return res.writeHead(401).end();
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token: registry.token, expires_in: 300 }));
      }
      if (auth !== `Bearer ${registry.token}`) {
        return res
          .writeHead(401, { 'www-authenticate': `Bearer realm="${origin}/token",service="fake"` })
          .end();
      }
      const status = req.url?.includes('/nginx/')
        ? 404
        : req.url?.includes('/denied/')
          ? 401
          : req.url?.includes('/broken/')
            ? 500
            : 200;
      res.writeHead(
        status,
        status === 401 ? { 'www-authenticate': `Bearer realm="${origin}/token",service="fake"` } : {},
      );
      res.end(status === 500 ? `internal error for ${registry.token}` : undefined);
    });
    await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
    const proxyHost = `127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'pt-logging-verify-'));
    writeFileSync(
      join(dir, 'good.json'),
      JSON.stringify({
        auths: {
          [proxyHost]: { auth: Buffer.from(`${registry.user}:${registry.password}`).toString('base64') },
        },
      }),
    );
    // Broken JSON around a secret: the parser's own message would quote it.
    writeFileSync(
      join(dir, 'broken.json'),
      `{"auths": {"${proxyHost}": {"password": "${registry.password}" oops`,
    );
    const configFor = (file: string) =>
      `rules:\n  - registry: docker.io\n    proxy: ${proxyHost}/proxy_cache\n    probe: { url: "http://${proxyHost}/v2/" }\n` +
      `pullSecrets: [regcred-harbor]\nverify: { enabled: true, credentialsFile: ${join(dir, file)}, budgetMilliseconds: 3000 }\n`;
    writeFileSync(join(dir, 'config.yaml'), configFor('good.json'));
    const certs = await makeCertificates();
    writeFileSync(join(dir, 'tls.crt'), certs.first.cert);
    writeFileSync(join(dir, 'tls.key'), certs.first.key);
    const logs = captureLogs('debug');
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: logs.logger,
      configPath: join(dir, 'config.yaml'),
      configPollIntervalMs: 100,
      tls: { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
    });
    try {
      const review = (name: string, image: string) =>
        call(server.url, certs.ca.cert, '/mutate', { body: JSON.stringify(secretReview(name, image)) });
      for (const [name, image] of [
        ['v-1', 'httpd'],
        ['v-2', 'nginx'],
        ['v-3', 'denied/app'],
        ['v-4', 'broken/app'],
      ]) {
        expect((await review(name!, image!)).status).toBe(200);
      }
      // The credentials were really used: a token fetched with them, then manifests checked with it.
      expect(seen).toContain('GET /token Basic');
      expect(
        seen.some((line) => line.startsWith('HEAD /v2/proxy_cache/library/httpd/manifests/latest Bearer')),
      ).toBe(true);
      expect(logs.lines().some((line) => line.msg === 'image verification' && line.verdict === 'found')).toBe(
        true,
      );
      expect(logs.lines().some((line) => line.verdict === 'denied')).toBe(true);

      // A credentials file that is not JSON: reported, never quoted.
      writeFileSync(join(dir, 'config.yaml'), configFor('broken.json'));
      await waitFor(
        () => logs.lines().some((line) => line.msg === 'configuration reloaded'),
        10_000,
        'the reload',
      );
      expect((await review('v-5', 'redis')).status).toBe(200);
      await waitFor(
        () => logs.lines().some((line) => line.msg?.startsWith('registry credentials unavailable')),
        10_000,
        'the credentials warning',
      );
    } finally {
      await server.close();
      await new Promise((done) => fake.close(done));
    }
    expectNoSecrets(logs);
    const text = logs.raw.join('\n');
    for (const secret of [
      registry.password,
      registry.token,
      basic.slice('Basic '.length),
      `${registry.user}:${registry.password}`,
    ]) {
      expect(text.includes(secret), `registry secret ${secret.slice(0, 8)}… was logged`).toBe(false);
    }
  });

  // At trace level fastify's client-error handler logs the parser error with `rawPacket`, the raw
  // request bytes, Authorization header included; REDACT_PATHS censors it.
  it('a real server at trace level does not log the raw bytes of a malformed request', async () => {
    const logs = captureLogs('trace');
    const dir = mkdtempSync(join(tmpdir(), 'pt-logging-trace-'));
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: logs.logger,
      tls: { tlsCaOut: join(dir, 'ca.crt') },
    });
    try {
      await rawRequest(
        server.url,
        undefined,
        `POST /mutate HTTP/1.1\r\nHost: x\r\nAuthorization: ${SECRETS.requestAuthorization}\r\nContent-Length: nope\r\n\r\n`,
      );
    } finally {
      await server.close();
    }
    expectNoSecrets(logs);
  });
});

/** Writes raw bytes over TLS and waits for the server to close the connection. */
function rawRequest(url: string, ca: string | undefined, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: '127.0.0.1',
        port: Number(port),
        servername: 'localhost',
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      () => socket.write(text),
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('the stdout log stream', () => {
  // The production destination (batched, asynchronous) as a process uses it: many batches'
  // worth of lines with multi-byte characters, then a natural exit with no flush called.
  it('writes every line whole, in order and UTF-8 intact, and flushes what is pending at exit', async () => {
    expect(existsSync('dist/log.js'), 'run `npm run build` before this test').toBe(true);
    const script = [
      "import { createLogger } from './dist/log.js';",
      'const logger = createLogger();',
      "for (let i = 0; i < 4000; i += 1) logger.info({ i, text: 'ünïcødé ✓ 𝄞 '.repeat(8) }, 'line');",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(4000);
    lines.forEach((text, i) => {
      const line = JSON.parse(text);
      expect([line.msg, line.i, line.text]).toEqual(['line', i, 'ünïcødé ✓ 𝄞 '.repeat(8)]);
    });
  }, 30_000);
});

describe('a stalled stdout', () => {
  // A log collector that stops reading must cost neither memory nor admissions: lines past
  // MAX_PENDING_LOG_BYTES of unwritten output are dropped, and logging never waits for the pipe.
  it('holds at most MAX_PENDING_LOG_BYTES of lines and drops the rest without blocking', async () => {
    expect(existsSync('dist/log.js'), 'run `npm run build` before this test').toBe(true);
    const lines = 100_000; // about 100 MB of output, six times the bound
    const script = [
      "import { createLogger } from './dist/log.js';",
      'const logger = createLogger();',
      // Memory held, not garbage not yet collected: the heap after a full collection, plus Buffers.
      'const held = () => (gc(), process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);',
      'const before = held();',
      "const padding = 'x'.repeat(1000);",
      `for (let i = 0; i < ${lines}; i += 1) logger.info({ i, padding }, 'line');`,
      'const growthMB = (held() - before) / 2 ** 20;',
      "process.stderr.write(JSON.stringify({ growthMB }) + '\\n');",
      // Alive until the test has read its report and closes stdin; then it ends on its own,
      // writing what it holds on the way out.
      'process.stdin.resume();',
    ].join('\n');
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Nobody reads stdout yet: the pipe fills at 64 KiB and stays full.
    child.stdout.pause();
    const report = await new Promise<{ growthMB: number }>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('\n')) resolve(JSON.parse(stderr.split('\n')[0]!));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before its report: ${stderr}`)));
    });
    // Without the bound, the process would hold all ~100 MB of lines.
    expect(report.growthMB).toBeLessThan((MAX_PENDING_LOG_BYTES / 2 ** 20) * 1.5);

    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PENDING_LOG_BYTES + 64 * 1024 + 8 * 1024);
    const received = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).i as number);
    // What arrives is whole lines, the first ones in order; the rest were dropped, not reordered.
    expect(received.length).toBeGreaterThan(1000);
    expect(received.length).toBeLessThan(lines / 4);
    expect(received).toEqual(received.map((_, index) => index));
  }, 60_000);
});
