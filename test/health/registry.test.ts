/**
 * Health probing and image verification against real servers on loopback: Debian's docker-registry
 * (stopped and started, with and without htpasswd auth), an HTTPS endpoint with a self-signed
 * certificate, and a server that never answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewHandler } from '../../src/admission/handle-review.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createHttpClient, type HttpClient } from '../../src/health/http-client.js';
import { createImageVerifier, type ImageVerifier } from '../../src/health/image-verifier.js';
import { createProxyProber, type ProxyProber } from '../../src/health/proxy-prober.js';
import { createImageVerification } from '../../src/health/verify-images.js';
import { createReview } from '../fixtures/load.js';
import { decodePatch, testApp, type TestApp } from '../helpers/app.js';
import { captureLogger, type CapturingLogger } from '../helpers/logger.js';
import {
  REGISTRY_MISSING,
  findRegistryBinary,
  htpasswdLine,
  pushImage,
  startHungServer,
  startRegistry,
  startTlsRegistryRoot,
  waitFor,
  type HungEndpoint,
  type RunningRegistry,
} from './registry.js';

const binary = findRegistryBinary();
const work = mkdtempSync(join(tmpdir(), 'pullthrough-health-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pod = (images: string[]) => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: images.map((image, index) => ({ name: index === 0 ? 'web' : `c${index}`, image })) },
});

const ruleFor = (host: string, scheme = 'http'): string => `rules:
  - registry: docker.io
    proxy: "${host}/proxy_cache"
    probe: {url: "${scheme}://${host}/v2/"}
`;

/** The real HTTP client, recording the status of every answer it gets (the probes a prober made). */
function answeredHttp() {
  const client = createHttpClient();
  const answers: { url: string; status: number }[] = [];
  const http: HttpClient = async (request) => {
    const answer = await client(request);
    answers.push({ url: request.url, status: answer.status });
    return answer;
  };
  return { http, answers, close: () => client.close() };
}

/** How many probes failed, from the prober's log lines (each failure logs its reason). */
const failuresOf = (logger: CapturingLogger): number =>
  logger.entries.filter((entry) => (entry.obj as { reason?: string }).reason !== undefined).length;

/** Why the last failed probe failed, from the prober's log lines. */
const lastFailureLogged = (logger: CapturingLogger): string | undefined =>
  logger.entries
    .map((entry) => (entry.obj as { reason?: string }).reason)
    .findLast((reason) => reason !== undefined);

async function verifyAndHandle(config: Config, verifier: ImageVerifier, images: string[]) {
  const runtime = createRuntime(config);
  const review = createReview(pod(images));
  const handleReview = createReviewHandler(createImageVerification({ verifier }));
  const { response, summary } = await handleReview(review, 'mutate', runtime);
  return { patch: decodePatch(response.response), warnings: response.response.warnings ?? [], summary };
}

describe.skipIf(binary === undefined)('against a real docker-registry process', () => {
  describe('cache health: the registry stopped and started', () => {
    let registry: RunningRegistry;
    let prober: ProxyProber;
    let harness: TestApp;
    let proxy: string;
    const probes = answeredHttp();

    beforeAll(async () => {
      registry = await startRegistry(binary!);
      proxy = `${registry.host}/proxy_cache`;
      const config = parseConfig(
        `${ruleFor(registry.host)}health: {enabled: true, intervalSeconds: 0.1, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1}\n`,
        'test.yaml',
      );
      harness = testApp(config, { rewriteOptions: () => ({ unhealthyProxies: prober.unhealthyProxies() }) });
      prober = createProxyProber({
        config,
        metrics: harness.metrics,
        logger: harness.logger,
        http: probes.http,
      });
      prober.start();
    });
    afterAll(async () => {
      prober?.stop();
      probes.close();
      await harness?.app.close();
      await registry?.close();
    });

    const admit = async () => {
      const reply = await harness.app.inject({
        method: 'POST',
        url: '/mutate',
        payload: createReview(pod(['httpd'])),
      });
      expect(reply.statusCode).toBe(200);
      return reply.json().response;
    };
    const gauge = async (): Promise<string | undefined> => {
      const text = (await harness.app.inject({ method: 'GET', url: '/metrics' })).body;
      return text.split('\n').find((line) => line.startsWith(`pullthrough_proxy_healthy{proxy="${proxy}"}`));
    };

    it('rewrites while the registry answers /v2/', async () => {
      await waitFor(() => probes.answers.length >= 2, 10_000, 'two probes');
      expect(probes.answers.slice(0, 2)).toEqual([
        { url: `${registry.url}/v2/`, status: 200 },
        { url: `${registry.url}/v2/`, status: 200 },
      ]);
      expect(prober.unhealthyProxies().size).toBe(0);
      const response = await admit();
      expect(decodePatch(response)).toContainEqual({
        op: 'replace',
        path: '/spec/containers/0/image',
        value: `${proxy}/library/httpd:latest`,
      });
      expect(await gauge()).toMatch(/ 1$/);
    });

    it('leaves images as written, with a warning, a log line and a metric, after failureThreshold failed probes', async () => {
      await registry.stop();
      await waitFor(() => prober.unhealthyProxies().has(proxy), 10_000, 'the proxy to turn unhealthy');

      const response = await admit();
      expect(response.patch).toBeUndefined();
      expect(response.warnings).toEqual([
        `containers/web: proxy ${proxy} is unavailable; httpd pulls from upstream`,
      ]);
      expect(await gauge()).toMatch(/ 0$/);
      const logs = harness.logs();
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'proxy unhealthy: its images are left as written until it recovers',
          host: registry.host,
          proxies: [proxy],
          failures: 3,
          reason: expect.stringMatching(/ECONNREFUSED/),
        }),
      );
      expect(logs.filter((line) => line.msg === 'admission').at(-1)).toMatchObject({
        outcome: 'unchanged',
        counts: { 'proxy-unhealthy': 1 },
      });
    });

    it('resumes rewriting once the registry is back', async () => {
      await registry.start();
      await waitFor(() => prober.unhealthyProxies().size === 0, 10_000, 'the proxy to recover');
      const response = await admit();
      expect(decodePatch(response)).toContainEqual({
        op: 'replace',
        path: '/spec/containers/0/image',
        value: `${proxy}/library/httpd:latest`,
      });
      expect(response.warnings).toBeUndefined();
      expect(await gauge()).toMatch(/ 1$/);
      expect(harness.logs()).toContainEqual(
        expect.objectContaining({ level: 'info', msg: 'proxy healthy again: rewriting to it resumes' }),
      );
    });
  });

  describe('image verification through the registry', () => {
    let registry: RunningRegistry;
    let verifier: ImageVerifier;
    let config: Config;
    let digest: string;
    const logger = captureLogger();

    beforeAll(async () => {
      registry = await startRegistry(binary!);
      await pushImage(registry.url, 'proxy_cache/library/httpd', '2.4');
      digest = await pushImage(registry.url, 'proxy_cache/library/busybox', '1.36');
      config = parseConfig(
        `${ruleFor(registry.host)}verify: {enabled: true, budgetMilliseconds: 3000}\n`,
        'test.yaml',
      );
      verifier = createImageVerifier({ config, logger });
    });
    afterAll(async () => {
      verifier?.close();
      await registry?.close();
    });

    it('rewrites an image whose manifest the proxy has, by tag or by digest, and leaves a missing one as written', async () => {
      const proxy = `${registry.host}/proxy_cache`;
      const { patch, warnings, summary } = await verifyAndHandle(config, verifier, [
        'httpd:2.4',
        'nginx:1.27',
        `busybox@${digest}`,
        'httpd:2.5',
      ]);
      const images = patch.filter((op) => op.path.endsWith('/image'));
      expect(images).toEqual([
        { op: 'replace', path: '/spec/containers/0/image', value: `${proxy}/library/httpd:2.4` },
        { op: 'replace', path: '/spec/containers/2/image', value: `${proxy}/library/busybox@${digest}` },
      ]);
      expect(warnings).toEqual([
        `containers/c1: nginx:1.27 could not be verified through proxy ${proxy}; it pulls from upstream`,
        `containers/c3: httpd:2.5 could not be verified through proxy ${proxy}; it pulls from upstream`,
      ]);
      expect(summary.counts).toEqual({ rewritten: 2, unverified: 2 });
      expect(logger.entries).toContainEqual(
        expect.objectContaining({
          msg: 'image verification',
          obj: expect.objectContaining({ reference: `${proxy}/library/nginx:1.27`, verdict: 'missing' }),
        }),
      );
    });
  });

  describe('image verification through a registry behind basic auth', () => {
    const password = 'pullthrough-test-pw-5d1c';
    const htpasswd = htpasswdLine('robot', password);
    let registry: RunningRegistry;

    beforeAll(async () => {
      if (htpasswd === undefined) return;
      registry = await startRegistry(binary!, { htpasswd: `${htpasswd}\n` });
      await pushImage(registry.url, 'proxy_cache/library/httpd', '2.4', { username: 'robot', password });
    });
    afterAll(() => registry?.close());

    const withCredentials = (name: string, auth: string | undefined) => {
      let verify = '{enabled: true, budgetMilliseconds: 3000}';
      if (auth !== undefined) {
        const file = join(work, `${name}.json`);
        writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { auth } } }));
        verify = `{enabled: true, budgetMilliseconds: 3000, credentialsFile: "${file}"}`;
      }
      return parseConfig(`${ruleFor(registry.host)}verify: ${verify}\n`, 'test.yaml');
    };

    const name = 'verifies with the credentials of the mounted dockerconfigjson, and not without them';
    it.skipIf(htpasswd === undefined)(
      htpasswd === undefined
        ? `${name} (skipped: no bcrypt htpasswd tool: install apache2-utils, or perl with libxcrypt)`
        : name,
      async () => {
        const image = `${registry.host}/proxy_cache/library/httpd:2.4`;
        const logger = captureLogger();
        const good = Buffer.from(`robot:${password}`).toString('base64');
        const cases: [string, string | undefined, boolean][] = [
          ['good', good, true],
          ['anonymous', undefined, false],
          ['wrong', Buffer.from('robot:not-the-password').toString('base64'), false],
        ];
        for (const [name, auth, verified] of cases) {
          const verifier = createImageVerifier({ config: withCredentials(name, auth), logger });
          expect({ name, unverified: [...(await verifier.verify([image]))] }).toEqual({
            name,
            unverified: verified ? [] : [image],
          });
          if (!verified) {
            expect(logger.entries.at(-1)).toMatchObject({
              level: 'warn',
              obj: {
                unverified: 1,
                verdicts: { denied: 1 },
                examples: [{ reference: image, verdict: 'denied' }],
              },
            });
          }
          verifier.close();
        }
        expect(logger.text()).not.toContain(password);
        expect(logger.text()).not.toContain(good);
      },
    );
  });
});

if (binary === undefined) {
  describe('against a real docker-registry process', () => {
    it.skip(`skipped: ${REGISTRY_MISSING}`, () => undefined);
  });
}

describe('probing over HTTPS with a self-signed certificate', () => {
  it('is healthy with caFile or insecureSkipVerify, and unhealthy with the system CAs', async () => {
    const server = await startTlsRegistryRoot();
    const caFile = join(work, 'ca.pem');
    writeFileSync(caFile, server.cert);
    const host = `127.0.0.1:${server.port}`;
    const observed = [0, 1, 2].map(() => ({ ...answeredHttp(), logger: captureLogger() }));
    const probers = [`caFile: "${caFile}"`, 'insecureSkipVerify: true', ''].map((probe, index) =>
      createProxyProber({
        http: observed[index]!.http,
        logger: observed[index]!.logger,
        config: parseConfig(
          `rules:
  - registry: docker.io
    proxy: "${host}/proxy_cache"
    probe: {url: "${server.url}/v2/", ${probe}}
health: {enabled: true, intervalSeconds: 0.1, timeoutSeconds: 2, failureThreshold: 1}
`,
          'test.yaml',
        ),
        metrics: { setProxyHealth: () => undefined },
      }),
    );
    try {
      for (const prober of probers) prober.start();
      // Two answers each from the trusting probers, two failures from the one without the CA.
      const probed = (index: number): number =>
        index < 2 ? observed[index]!.answers.length : failuresOf(observed[index]!.logger);
      await waitFor(() => [0, 1, 2].every((index) => probed(index) >= 2), 10_000, 'probes');
      expect(probers.map((prober) => prober.unhealthyProxies().size === 0)).toEqual([true, true, false]);
      expect(lastFailureLogged(observed[2]!.logger)).toMatch(/self[- ]signed/i);
      expect(observed[2]!.answers).toEqual([]);
    } finally {
      for (const prober of probers) prober.stop();
      for (const { close } of observed) close();
      await server.close();
    }
  });
});

describe('a proxy that accepts connections and never answers', () => {
  let hung: HungEndpoint;
  beforeAll(async () => {
    hung = await startHungServer();
  });
  afterAll(() => hung?.close());

  it('holds the review to its verification budget and leaves the image as written', async () => {
    const config = parseConfig(
      `${ruleFor(hung.host)}verify: {enabled: true, budgetMilliseconds: 200}\n`,
      'test.yaml',
    );
    const verifier = createImageVerifier({ config });
    try {
      const started = performance.now();
      const { patch, warnings } = await verifyAndHandle(config, verifier, ['httpd', 'nginx']);
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(195);
      expect(elapsed).toBeLessThan(500);
      expect(patch).toEqual([]);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toBe(
        `containers/web: httpd could not be verified through proxy ${hung.host}/proxy_cache; it pulls from upstream`,
      );
    } finally {
      verifier.close();
    }
  });

  it('turns the proxy unhealthy when probes time out', async () => {
    const logger = captureLogger();
    const prober = createProxyProber({
      logger,
      config: parseConfig(
        `${ruleFor(hung.host)}health: {enabled: true, intervalSeconds: 0.1, timeoutSeconds: 0.2, failureThreshold: 2}\n`,
        'test.yaml',
      ),
      metrics: { setProxyHealth: () => undefined },
    });
    prober.start();
    try {
      await waitFor(() => prober.unhealthyProxies().size === 1, 10_000, 'the hung proxy to turn unhealthy');
      expect(lastFailureLogged(logger)).toBe('no answer within 0.2s');
    } finally {
      prober.stop();
    }
  });
});
