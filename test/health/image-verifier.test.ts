import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/config.js';
import type { HttpRequest } from '../../src/health/http-client.js';
import {
  MANIFEST_ACCEPT,
  MAX_CHECKS_PER_HOST,
  MAX_CHECKS_PER_REVIEW,
  createImageVerifier,
  parseChallenge,
} from '../../src/health/image-verifier.js';
import type { CredentialSource } from '../../src/health/credentials.js';
import { createLogger } from '../../src/log.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';
import { captureLogger, type CapturingLogger } from '../helpers/logger.js';
import { fakeHttp, response, type Answer } from './fakes.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

const config = (verify = '{enabled: true}', rules?: string): Config =>
  parseConfig(
    `${
      rules ??
      `rules:
  - {registry: docker.io, proxy: harbor.local/proxy_cache}
  - {registry: quay.io, proxy: "plain.local:5000/quay", probe: {url: "http://plain.local:5000/v2/"}}
`
    }verify: ${verify}\n`,
    'test.yaml',
  );

const credentials =
  (entries: Record<string, { username: string; password: string }>): CredentialSource =>
  () =>
    Promise.resolve(new Map(Object.entries(entries)));

/** The verdict of every answered check, from its debug line, in order. */
const verdictsLogged = (logger: CapturingLogger): [string, string][] =>
  logger.entries
    .filter((entry) => entry.msg === 'image verification')
    .map((entry) => {
      const { reference, verdict } = entry.obj as { reference: string; verdict: string };
      return [reference, verdict];
    });

function setup(
  handler: (request: HttpRequest) => Answer,
  options: { cfg?: Config; creds?: CredentialSource } = {},
) {
  const clock = new FakeClock();
  const http = fakeHttp(handler);
  const logger = captureLogger();
  const verifier = createImageVerifier({
    config: options.cfg ?? config(),
    http,
    clock,
    logger,
    ...(options.creds === undefined ? {} : { credentials: options.creds }),
  });
  /** Starts a verification and lets the fake clock run the budget out. */
  const verify = async (references: string[], advanceMs = 300): Promise<Set<string>> => {
    const pending = verifier.verify(references);
    await clock.advance(advanceMs);
    return pending;
  };
  return { clock, http, logger, verifier, verify };
}

describe('parsing WWW-Authenticate challenges', () => {
  it('reads a Bearer challenge with realm, service and scope', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://harbor.local/service/token",service="harbor-registry",scope="repository:proxy_cache/library/httpd:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://harbor.local/service/token',
      service: 'harbor-registry',
      scope: 'repository:proxy_cache/library/httpd:pull',
    });
  });

  it('reads a Basic challenge and ignores anything else', () => {
    expect(parseChallenge('Basic realm="basic-realm"')).toMatchObject({
      scheme: 'basic',
      realm: 'basic-realm',
    });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(undefined)).toBeUndefined();
  });
});

describe('the image verifier', () => {
  it('sends a manifest HEAD for the tag, with the OCI and Docker manifest media types', async () => {
    const { http, verify } = setup(() => response(200));
    expect(await verify(['harbor.local/proxy_cache/library/httpd:latest'])).toEqual(new Set());
    expect(http.requests).toEqual([
      expect.objectContaining({
        method: 'HEAD',
        url: 'https://harbor.local/v2/proxy_cache/library/httpd/manifests/latest',
        headers: { accept: MANIFEST_ACCEPT },
      }),
    ]);
    expect(MANIFEST_ACCEPT.split(', ')).toEqual([
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ]);
  });

  it('checks the digest when a reference has both tag and digest, and uses the scheme of the host probe URL', async () => {
    const { http, verify } = setup(() => response(200));
    await verify([`plain.local:5000/quay/prometheus/node-exporter:v1.8.2@${DIGEST}`]);
    expect(http.requests[0]!.url).toBe(
      `http://plain.local:5000/v2/quay/prometheus/node-exporter/manifests/${DIGEST}`,
    );
  });

  it('returns the references not found, refused or in error, and verifies each distinct one once', async () => {
    const { http, verify } = setup((request) => {
      if (request.url.includes('/found/')) return response(200);
      if (request.url.includes('/missing/')) return response(404);
      if (request.url.includes('/denied/')) return response(403);
      return response(502);
    });
    const unverified = await verify([
      'harbor.local/proxy_cache/found/a:1',
      'harbor.local/proxy_cache/missing/a:1',
      'harbor.local/proxy_cache/denied/a:1',
      'harbor.local/proxy_cache/broken/a:1',
      'harbor.local/proxy_cache/found/a:1',
    ]);
    expect([...unverified].sort()).toEqual([
      'harbor.local/proxy_cache/broken/a:1',
      'harbor.local/proxy_cache/denied/a:1',
      'harbor.local/proxy_cache/missing/a:1',
    ]);
    expect(http.requests).toHaveLength(4);
  });

  it('caches answers for ttlSeconds, and errors for at most 10 seconds', async () => {
    let status = 200;
    const { http, verify, verifier, clock, logger } = setup(() => response(status), {
      cfg: config('{enabled: true, ttlSeconds: 60}'),
    });
    const found = 'harbor.local/proxy_cache/library/httpd:2.4';
    const broken = 'harbor.local/proxy_cache/library/broken:1';
    await verify([found]);
    status = 500;
    await verify([broken]);
    // Answered from the cache alone: the one found is known, the error is not.
    expect(verifier.cachedOnly([found, broken])).toEqual(new Set([broken]));
    expect(verdictsLogged(logger)).toEqual([
      [found, 'found'],
      [broken, 'doubt'],
    ]);
    expect(http.requests).toHaveLength(2);

    await clock.advance(9_000);
    expect(await verify([found, broken], 0)).toEqual(new Set([broken]));
    expect(http.requests).toHaveLength(2);

    await clock.advance(1_000);
    status = 200;
    expect(await verify([found, broken])).toEqual(new Set());
    expect(http.requests).toHaveLength(3);
    expect(http.requests.at(-1)!.url).toContain('/library/broken/');

    await clock.advance(60_000);
    expect(verifier.cachedOnly([found])).toEqual(new Set([found]));
    expect(await verify([found])).toEqual(new Set());
    expect(http.requests).toHaveLength(4);
  });

  it('keeps at most cacheSize answers, dropping the least recently used', async () => {
    const clock = new FakeClock();
    const http = fakeHttp(() => response(200));
    const verifier = createImageVerifier({ config: config(), http, clock, cacheSize: 2 });
    const run = async (reference: string) => {
      const pending = verifier.verify([reference]);
      await clock.advance(0);
      return pending;
    };
    await run('harbor.local/proxy_cache/a:1');
    await run('harbor.local/proxy_cache/b:1');
    await run('harbor.local/proxy_cache/a:1'); // a is now the most recent
    await run('harbor.local/proxy_cache/c:1');
    // Every answer was `found`, so what the cache does not know as found is what it dropped.
    expect(
      verifier.cachedOnly([
        'harbor.local/proxy_cache/a:1',
        'harbor.local/proxy_cache/b:1',
        'harbor.local/proxy_cache/c:1',
      ]),
    ).toEqual(new Set(['harbor.local/proxy_cache/b:1']));
    expect(http.requests).toHaveLength(3);
  });

  it('answers within the budget: what has not answered counts as unverified, and its late answer is cached', async () => {
    const { http, verifier, clock } = setup(() => 'hang', {
      cfg: config('{enabled: true, budgetMilliseconds: 250}'),
    });
    const reference = 'harbor.local/proxy_cache/library/slow:1';
    let settled: Set<string> | undefined;
    void verifier.verify([reference]).then((result) => (settled = result));
    await clock.advance(249);
    expect(settled).toBeUndefined();
    await clock.advance(1);
    expect(settled).toEqual(new Set([reference]));

    // A second review while the first check is still running shares it.
    const second = verifier.verify([reference]);
    await clock.advance(250);
    expect(await second).toEqual(new Set([reference]));
    expect(http.requests).toHaveLength(1);

    http.hanging[0]!.resolve(response(200));
    await flush();
    expect(verifier.cachedOnly([reference])).toEqual(new Set());
    expect(await verifier.verify([reference])).toEqual(new Set());
    expect(http.requests).toHaveLength(1);
  });

  it('gives up on a check after its request timeout and counts it as doubt', async () => {
    const clock = new FakeClock();
    const http = fakeHttp(() => 'hang');
    const logger = captureLogger();
    const verifier = createImageVerifier({ config: config(), http, clock, logger, requestTimeoutMs: 1_000 });
    const pending = verifier.verify(['harbor.local/proxy_cache/x:1']);
    await clock.advance(1_000);
    expect(await pending).toEqual(new Set(['harbor.local/proxy_cache/x:1']));
    // The review's one warning (at its budget), then the check's own answer once it gives up.
    expect(logger.entries.find((entry) => entry.level === 'warn')).toMatchObject({
      obj: {
        unverified: 1,
        verdicts: { doubt: 1 },
        examples: [
          { reference: 'harbor.local/proxy_cache/x:1', verdict: 'doubt', detail: 'no answer within 300ms' },
        ],
      },
    });
    expect(logger.entries.at(-1)).toMatchObject({
      level: 'debug',
      obj: { reference: 'harbor.local/proxy_cache/x:1', verdict: 'doubt', detail: 'no answer within 1000ms' },
    });
    // The doubt is cached: the next review is answered without a request.
    expect(await verifier.verify(['harbor.local/proxy_cache/x:1'])).toEqual(
      new Set(['harbor.local/proxy_cache/x:1']),
    );
    expect(http.requests).toHaveLength(1);
  });

  it('meets a Basic challenge with the credentials for that host, then sends them up front', async () => {
    const creds = credentials({ 'harbor.local': { username: 'robot', password: 'pw' } });
    const expected = `Basic ${Buffer.from('robot:pw').toString('base64')}`;
    const { http, verify } = setup(
      (request) =>
        request.headers?.authorization === expected
          ? response(200)
          : response(401, '', { 'www-authenticate': 'Basic realm="basic-realm"' }),
      { creds },
    );
    expect(await verify(['harbor.local/proxy_cache/a:1'])).toEqual(new Set());
    expect(http.requests.map((request) => request.headers?.authorization)).toEqual([undefined, expected]);
    expect(await verify(['harbor.local/proxy_cache/b:1'])).toEqual(new Set());
    expect(http.requests).toHaveLength(3);
    expect(http.requests[2]!.headers?.authorization).toBe(expected);
  });

  it('fetches a Bearer token from the realm with Basic credentials, retries with it and reuses it per scope', async () => {
    const creds = credentials({ 'harbor.local': { username: 'robot', password: 'pw' } });
    const tokenUrls: string[] = [];
    const { http, verify } = setup(
      (request) => {
        const url = new URL(request.url);
        if (url.pathname === '/service/token') {
          tokenUrls.push(request.url);
          if (request.headers?.authorization !== `Basic ${Buffer.from('robot:pw').toString('base64')}`)
            return response(401);
          return response(
            200,
            JSON.stringify({ token: `tok-${url.searchParams.get('scope')}`, expires_in: 300 }),
          );
        }
        const repository = url.pathname.replace(/^\/v2\/(.*)\/manifests\/.*$/, '$1');
        if (request.headers?.authorization === `Bearer tok-repository:${repository}:pull`)
          return response(200);
        return response(401, '', {
          'www-authenticate': `Bearer realm="https://harbor.local/service/token",service="harbor-registry",scope="repository:${repository}:pull"`,
        });
      },
      { creds },
    );
    expect(await verify(['harbor.local/proxy_cache/library/httpd:1'])).toEqual(new Set());
    expect(tokenUrls).toEqual([
      'https://harbor.local/service/token?service=harbor-registry&scope=repository%3Aproxy_cache%2Flibrary%2Fhttpd%3Apull',
    ]);
    expect(http.requests.map((request) => request.method)).toEqual(['HEAD', 'GET', 'HEAD']);

    // Same repository, other tag: the cached token goes up front. Another repository: a new token.
    expect(await verify(['harbor.local/proxy_cache/library/httpd:2'])).toEqual(new Set());
    expect(http.requests).toHaveLength(4);
    expect(await verify(['harbor.local/proxy_cache/library/nginx:1'])).toEqual(new Set());
    expect(tokenUrls).toHaveLength(2);
    expect(http.requests).toHaveLength(6);
  });

  it('counts a refused token or refused credentials as unverified', async () => {
    const { verify } = setup((request) =>
      new URL(request.url).pathname === '/token'
        ? response(401)
        : response(401, '', { 'www-authenticate': 'Bearer realm="https://harbor.local/token",service="s"' }),
    );
    expect(await verify(['harbor.local/proxy_cache/a:1'])).toEqual(new Set(['harbor.local/proxy_cache/a:1']));
  });

  it('drops its cache when a reload changes what verification depends on, and only then', async () => {
    const { http, verify, verifier } = setup(() => response(200));
    await verify(['harbor.local/proxy_cache/a:1']);
    verifier.reconfigure(config());
    expect(verifier.cachedOnly(['harbor.local/proxy_cache/a:1'])).toEqual(new Set());
    verifier.reconfigure(config('{enabled: true, insecureSkipVerify: true}'));
    expect(verifier.cachedOnly(['harbor.local/proxy_cache/a:1'])).toEqual(
      new Set(['harbor.local/proxy_cache/a:1']),
    );
    await verify(['harbor.local/proxy_cache/a:1']);
    expect(http.requests.at(-1)!.tls).toEqual({ caFile: undefined, insecureSkipVerify: true });
  });

  it("uses verify.caFile, else the host probe's caFile, for manifest requests", async () => {
    const rules = `rules:
  - {registry: docker.io, proxy: harbor.local/dh, probe: {caFile: /probe-ca.pem}}
`;
    const first = setup(() => response(200), { cfg: config('{enabled: true}', rules) });
    await first.verify(['harbor.local/dh/a:1']);
    expect(first.http.requests[0]!.tls).toEqual({ caFile: '/probe-ca.pem', insecureSkipVerify: false });
    const second = setup(() => response(200), {
      cfg: config('{enabled: true, caFile: /verify-ca.pem}', rules),
    });
    await second.verify(['harbor.local/dh/a:1']);
    expect(second.http.requests[0]!.tls).toEqual({ caFile: '/verify-ca.pem', insecureSkipVerify: false });
  });
});

describe('credentials and requests stay within bounds (issue #13, item 10)', () => {
  const robot = { username: 'robot', password: 'pw' };
  const basic = `Basic ${Buffer.from('robot:pw').toString('base64')}`;
  const basicChallenge = () => response(401, '', { 'www-authenticate': 'Basic realm="r"' });

  it('sends credentials only to the host they are keyed for, not to where probe.url points', async () => {
    const rules = `rules:
  - {registry: docker.io, proxy: harbor.local/dh, probe: {url: "https://elsewhere.example/v2/"}}
`;
    const { http, verify } = setup(basicChallenge, {
      cfg: config('{enabled: true}', rules),
      creds: credentials({ 'harbor.local': robot }),
    });
    expect(await verify(['harbor.local/dh/a:1'])).toEqual(new Set(['harbor.local/dh/a:1']));
    expect(http.requests.map((request) => request.url)).toEqual([
      'https://elsewhere.example/v2/dh/a/manifests/1',
    ]);
    expect(http.requests.every((request) => request.headers?.authorization === undefined)).toBe(true);
  });

  it('never sends credentials over plain HTTP, except to loopback', async () => {
    const rules = `rules:
  - {registry: docker.io, proxy: "plain.local:5000/dh", probe: {url: "http://plain.local:5000/v2/"}}
  - {registry: quay.io, proxy: "127.0.0.1:5000/quay", probe: {url: "http://127.0.0.1:5000/v2/"}}
`;
    const { http, verify } = setup(
      (request) => (request.headers?.authorization === basic ? response(200) : basicChallenge()),
      {
        cfg: config('{enabled: true}', rules),
        creds: credentials({ 'plain.local:5000': robot, '127.0.0.1:5000': robot }),
      },
    );
    expect(await verify(['plain.local:5000/dh/a:1'])).toEqual(new Set(['plain.local:5000/dh/a:1']));
    expect(http.requests.map((request) => request.headers?.authorization)).toEqual([undefined]);
    expect(await verify(['127.0.0.1:5000/quay/a:1'])).toEqual(new Set());
    expect(http.requests.at(-1)!.headers?.authorization).toBe(basic);
  });

  it('sends credentials to a token realm only over HTTPS or on the registry’s own origin', async () => {
    const seen: { url: string; authorization: string | undefined }[] = [];
    const realm = { current: 'http://evil.example/token' };
    const { verify } = setup(
      (request) => {
        if (request.url.includes('/token')) {
          seen.push({ url: request.url.split('?')[0]!, authorization: request.headers?.authorization });
          return response(200, JSON.stringify({ token: 't' }));
        }
        return response(401, '', { 'www-authenticate': `Bearer realm="${realm.current}",service="s"` });
      },
      { creds: credentials({ 'harbor.local': robot }) },
    );
    await verify(['harbor.local/proxy_cache/a:1']);
    realm.current = 'https://auth.example/token';
    await verify(['harbor.local/proxy_cache/b:1']);
    const evil = seen.filter((request) => request.url.startsWith('http://evil.example/'));
    expect(evil.length).toBeGreaterThan(0);
    expect(evil.every((request) => request.authorization === undefined)).toBe(true);
    expect(seen.at(-1)).toEqual({ url: 'https://auth.example/token', authorization: basic });
  });

  it('checks at most MAX_CHECKS_PER_REVIEW new images per review; the rest stay as written', async () => {
    const { http, verify } = setup(() => response(200));
    const references = Array.from({ length: 2_000 }, (_, i) => `harbor.local/proxy_cache/app${i}:1`);
    const unverified = await verify(references);
    expect(http.requests).toHaveLength(MAX_CHECKS_PER_REVIEW);
    expect(unverified.size).toBe(2_000 - MAX_CHECKS_PER_REVIEW);
    // The ones checked are cached: the next review checks the next batch.
    expect(await verify(references.slice(0, MAX_CHECKS_PER_REVIEW))).toEqual(new Set());
    expect(http.requests).toHaveLength(MAX_CHECKS_PER_REVIEW);
  });

  it('queues checks per host: a slow host holds only its own queue', async () => {
    const rules = `rules:
  - {registry: docker.io, proxy: slow.local/dh}
  - {registry: quay.io, proxy: fast.local/quay}
`;
    const { http, verifier, clock } = setup(
      (request) => (request.url.includes('slow.local') ? 'hang' : response(200)),
      { cfg: config('{enabled: true}', rules) },
    );
    const slow = verifier.verify(Array.from({ length: 20 }, (_, i) => `slow.local/dh/app${i}:1`));
    await flush();
    expect(http.requests).toHaveLength(MAX_CHECKS_PER_HOST);
    const fast = verifier.verify(['fast.local/quay/a:1']);
    await flush();
    expect(http.requests.at(-1)!.url).toContain('fast.local');
    await clock.advance(300);
    expect(await fast).toEqual(new Set());
    expect((await slow).size).toBe(20);
  });

  it('logs one warning per review, however many images could not be verified', async () => {
    const { logger, verify } = setup(() => response(404));
    await verify(Array.from({ length: 30 }, (_, i) => `harbor.local/proxy_cache/app${i}:1`));
    const warnings = logger.entries.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ unverified: 30, verdicts: { missing: 30 } });
    expect((warnings[0]!.obj as { examples: unknown[] }).examples).toHaveLength(3);
  });
});

describe('credentials never reach the logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pullthrough-creds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('logs no username, password, auth string or token, whatever happens', async () => {
    const username = 'robot$pullthrough-user-7f3a';
    const password = 'S3cr3t-pa55w0rd-9c1e';
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    const token = 'eyJhbGciOiJSUzI1NiJ9.token-body-4d2b.signature';
    const secrets = [username, password, auth, token, `Basic ${auth}`];

    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ level: 'trace', destination });

    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ auths: { 'https://harbor.local': { auth } } }));
    // A file that is not JSON but carries the secret: the parse error must not quote it.
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, `{"auths": {"harbor.local": {"auth": "${auth}" ${password}`);

    const http = fakeHttp((request) => {
      const url = new URL(request.url);
      if (url.pathname === '/service/token') return response(200, JSON.stringify({ token, expires_in: 60 }));
      if (url.pathname.includes('/error/')) return new Error('socket hang up');
      if (request.headers?.authorization === `Bearer ${token}`) {
        return url.pathname.includes('/refused/') ? response(403) : response(200);
      }
      return response(401, '', {
        'www-authenticate': 'Bearer realm="https://harbor.local/service/token",service="harbor-registry"',
      });
    });
    for (const file of [good, broken]) {
      const verifier = createImageVerifier({
        config: config(`{enabled: true, credentialsFile: "${file}", budgetMilliseconds: 2000}`),
        http,
        logger,
      });
      await verifier.verify([
        'harbor.local/proxy_cache/ok/a:1',
        'harbor.local/proxy_cache/refused/a:1',
        'harbor.local/proxy_cache/error/a:1',
      ]);
    }
    logger.flush();
    const text = lines.join('');
    expect(text).toContain('images could not be verified through their proxy');
    expect(text).toContain('registry credentials unavailable');
    expect(text).toContain('image verification');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
