import { describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createProxyProber, judgeProbe } from '../../src/health/proxy-prober.js';
import { systemClock } from '../../src/health/support.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { captureLogger, type CapturingLogger } from '../helpers/logger.js';
import { fakeHttp, response, type Answer } from './fakes.js';
import type { HttpRequest } from '../../src/health/http-client.js';

const config = (health: string, rules?: string): Config =>
  parseConfig(
    `${
      rules ??
      `rules:
  - {registry: docker.io, proxy: harbor.local/dockerhub}
  - {registry: ghcr.io, proxy: harbor.local/ghcr}
  - {registry: quay.io, proxy: "quay-cache.local:8443/quay"}
`
    }health: ${health}\n`,
    'test.yaml',
  );

const enabled = (overrides: Record<string, number> = {}): Config =>
  config(
    JSON.stringify({
      enabled: true,
      intervalSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 2,
      ...overrides,
    }),
  );

function setup(cfg: Config, handler: (request: HttpRequest) => Answer) {
  const clock = new FakeClock();
  const http = fakeHttp(handler);
  const logger = captureLogger();
  const gauges = new Map<string, boolean>();
  const prober = createProxyProber({
    config: cfg,
    http,
    clock,
    logger,
    metrics: { setProxyHealth: (proxy, healthy) => gauges.set(proxy, healthy) },
  });
  return { clock, http, logger, gauges, prober };
}

const hostOf = (request: HttpRequest): string => new URL(request.url).host;

/** A host's failed probes, from the prober's log lines: the consecutive count then, and why. */
const failuresLogged = (logger: CapturingLogger, host: string): { failures: number; reason: string }[] =>
  logger.entries
    .map((entry) => entry.obj as { host?: string; failures?: number; reason?: string })
    .filter((obj) => obj.host === host && obj.reason !== undefined)
    .map(({ failures, reason }) => ({ failures: failures!, reason: reason! }));

describe('what counts as a healthy answer', () => {
  const cases: { name: string; url: string; status: number; body?: string; ok: boolean }[] = [
    { name: 'a registry answering /v2/ with 200', url: 'https://h/v2/', status: 200, body: '{}', ok: true },
    { name: 'a registry that wants credentials (401 on /v2/)', url: 'https://h/v2/', status: 401, ok: true },
    {
      name: "Harbor's health endpoint reporting healthy",
      url: 'https://h/api/v2.0/health',
      status: 200,
      body: '{"status":"healthy","components":[]}',
      ok: true,
    },
    {
      name: "Harbor's health endpoint reporting unhealthy",
      url: 'https://h/api/v2.0/health',
      status: 200,
      body: '{"status":"unhealthy"}',
      ok: false,
    },
    {
      name: 'a 401 from a URL that is not the Registry API root',
      url: 'https://h/api/v2.0/health',
      status: 401,
      ok: false,
    },
    { name: 'a server error', url: 'https://h/v2/', status: 503, ok: false },
    { name: 'a 404 (not a registry)', url: 'https://h/v2/', status: 404, ok: false },
  ];
  it.each(cases)('$name → healthy: $ok', ({ url, status, body, ok }) => {
    expect(judgeProbe(url, response(status, body ?? '')).ok).toBe(ok);
  });
});

describe('the proxy prober', () => {
  it('starts optimistic: nothing is unhealthy and every gauge reads healthy before any probe answers', () => {
    const { prober, gauges, http } = setup(enabled(), () => 'hang');
    prober.start();
    expect(prober.unhealthyProxies().size).toBe(0);
    expect(Object.fromEntries(gauges)).toEqual({
      'harbor.local/dockerhub': true,
      'harbor.local/ghcr': true,
      'quay-cache.local:8443/quay': true,
    });
    expect(http.requests).toHaveLength(0);
    prober.stop();
  });

  it('probes each distinct proxy host once per interval at https://<host>/v2/, the first probe at once', async () => {
    const { prober, http, clock } = setup(enabled(), () => response(200, '{}'));
    prober.start();
    await clock.advance(0);
    expect(http.requests.map((request) => request.url).sort()).toEqual([
      'https://harbor.local/v2/',
      'https://quay-cache.local:8443/v2/',
    ]);
    await clock.advance(9_999);
    expect(http.requests).toHaveLength(2);
    await clock.advance(1);
    expect(http.requests).toHaveLength(4);
    await clock.advance(30_000);
    expect(http.requests).toHaveLength(10);
    prober.stop();
  });

  it('marks a host unhealthy only after failureThreshold consecutive failures, for every rule on that host', async () => {
    let harborUp = false;
    const { prober, clock, logger, gauges } = setup(enabled(), (request) =>
      hostOf(request) === 'harbor.local' && !harborUp ? response(503) : response(200, '{}'),
    );
    prober.start();
    await clock.advance(0);
    await clock.advance(10_000);
    expect(prober.unhealthyProxies().size).toBe(0);
    expect(failuresLogged(logger, 'harbor.local')).toEqual([
      { failures: 1, reason: 'HTTP 503' },
      { failures: 2, reason: 'HTTP 503' },
    ]);
    await clock.advance(10_000);
    expect([...prober.unhealthyProxies()].sort()).toEqual(['harbor.local/dockerhub', 'harbor.local/ghcr']);
    expect(gauges.get('harbor.local/dockerhub')).toBe(false);
    expect(gauges.get('quay-cache.local:8443/quay')).toBe(true);
    const warnings = logger.entries.filter((entry) => entry.level === 'warn');
    expect(warnings).toEqual([
      {
        level: 'warn',
        msg: 'proxy unhealthy: its images are left as written until it recovers',
        obj: {
          host: 'harbor.local',
          url: 'https://harbor.local/v2/',
          proxies: ['harbor.local/dockerhub', 'harbor.local/ghcr'],
          failures: 3,
          reason: 'HTTP 503',
        },
      },
    ]);

    harborUp = true;
    await clock.advance(10_000);
    expect(prober.unhealthyProxies().size).toBe(2); // successThreshold is 2
    await clock.advance(10_000);
    expect(prober.unhealthyProxies().size).toBe(0);
    expect(gauges.get('harbor.local/dockerhub')).toBe(true);
    expect(logger.entries.filter((entry) => entry.level === 'info').at(-1)).toMatchObject({
      msg: 'proxy healthy again: rewriting to it resumes',
      obj: { host: 'harbor.local', successes: 2 },
    });
    prober.stop();
  });

  it('resets the failure count on a success in between', async () => {
    const answers = [503, 503, 200, 503, 503];
    const { prober, clock, http, logger } = setup(enabled(), (request) =>
      hostOf(request) === 'harbor.local' ? response(answers.shift() ?? 503, '{}') : response(200),
    );
    prober.start();
    await clock.advance(0);
    await clock.advance(40_000);
    expect(prober.unhealthyProxies().size).toBe(0);
    expect(http.requests.filter((request) => hostOf(request) === 'harbor.local')).toHaveLength(5);
    expect(failuresLogged(logger, 'harbor.local').map((failure) => failure.failures)).toEqual([1, 2, 1, 2]);
    prober.stop();
  });

  it('counts a probe that does not answer within timeoutSeconds as a failure', async () => {
    const { prober, clock, http, logger } = setup(enabled(), (request) =>
      hostOf(request) === 'harbor.local' ? 'hang' : response(200),
    );
    prober.start();
    await clock.advance(0);
    await clock.advance(1_999);
    expect(failuresLogged(logger, 'harbor.local')).toEqual([]);
    await clock.advance(1);
    expect(failuresLogged(logger, 'harbor.local')).toEqual([{ failures: 1, reason: 'no answer within 2s' }]);
    // The next probe is due one interval after the previous one started, not after it gave up.
    await clock.advance(7_999);
    expect(http.requests.filter((request) => hostOf(request) === 'harbor.local')).toHaveLength(1);
    await clock.advance(1);
    expect(http.requests.filter((request) => hostOf(request) === 'harbor.local')).toHaveLength(2);
    prober.stop();
  });

  it('counts a connection error as a failure and says why', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    const { prober, clock, logger } = setup(enabled(), () => refused);
    prober.start();
    await clock.advance(0);
    expect(failuresLogged(logger, 'harbor.local')).toEqual([
      { failures: 1, reason: 'connect ECONNREFUSED 127.0.0.1:443' },
    ]);
    prober.stop();
  });

  it("probes Harbor's health endpoint with the rule's CA settings when configured", async () => {
    const cfg = config(
      '{enabled: true, failureThreshold: 1}',
      `rules:
  - registry: docker.io
    proxy: harbor.local/dockerhub
    probe: {url: "https://harbor.local/api/v2.0/health", caFile: /etc/ca.pem, insecureSkipVerify: false}
`,
    );
    const { prober, clock, http } = setup(cfg, () => response(200, '{"status":"unhealthy"}'));
    prober.start();
    await clock.advance(0);
    expect(http.requests[0]).toMatchObject({
      method: 'GET',
      url: 'https://harbor.local/api/v2.0/health',
      tls: { caFile: '/etc/ca.pem', insecureSkipVerify: false },
    });
    expect([...prober.unhealthyProxies()]).toEqual(['harbor.local/dockerhub']);
    prober.stop();
  });

  it('does nothing while health.enabled is false, and reports no proxy unhealthy', async () => {
    const { prober, clock, http, gauges } = setup(config('{enabled: false}'), () => response(503));
    prober.start();
    await clock.advance(60_000);
    expect(http.requests).toHaveLength(0);
    expect(prober.unhealthyProxies().size).toBe(0);
    expect([...gauges.values()].every(Boolean)).toBe(true);
    prober.stop();
  });

  it('stops every timer on stop(), ignores a probe that was in flight, and resumes on start()', async () => {
    const { prober, clock, http } = setup(enabled({ failureThreshold: 1 }), () => 'hang');
    prober.start();
    await clock.advance(0);
    expect(http.requests).toHaveLength(2);
    prober.stop();
    http.hanging.forEach((entry) => entry.resolve(response(503)));
    await clock.advance(60_000);
    expect(http.requests).toHaveLength(2);
    expect(prober.unhealthyProxies().size).toBe(0);
    expect(clock.pending()).toEqual([]);
    prober.start();
    await clock.advance(0);
    expect(http.requests).toHaveLength(4);
    prober.stop();
  });

  it('keeps the state of unchanged hosts on reconfigure, starts new ones optimistic, drops removed ones', async () => {
    const { prober, clock, http, gauges } = setup(enabled({ failureThreshold: 1 }), () => response(503));
    prober.start();
    await clock.advance(0);
    expect(prober.unhealthyProxies().size).toBe(3);

    // harbor.local stays (one rule less), quay-cache goes, a new host arrives.
    prober.reconfigure(
      config(
        '{enabled: true, failureThreshold: 1}',
        `rules:
  - {registry: docker.io, proxy: harbor.local/dockerhub}
  - {registry: gcr.io, proxy: new.local/gcr}
`,
      ),
    );
    expect([...prober.unhealthyProxies()]).toEqual(['harbor.local/dockerhub']);
    expect(gauges.get('harbor.local/dockerhub')).toBe(false);
    expect(gauges.get('new.local/gcr')).toBe(true);
    http.requests.length = 0;
    await clock.advance(0);
    expect(http.requests.map(hostOf)).toEqual(['new.local']);
    await clock.advance(10_000);
    expect(http.requests.map(hostOf).sort()).toEqual(['harbor.local', 'new.local', 'new.local']);
    prober.stop();
  });

  it('treats a host whose probe settings changed as a new target', async () => {
    const { prober, clock } = setup(enabled({ failureThreshold: 1 }), () => response(503));
    prober.start();
    await clock.advance(0);
    prober.reconfigure(
      config(
        '{enabled: true, failureThreshold: 1}',
        `rules:
  - {registry: docker.io, proxy: harbor.local/dockerhub, probe: {url: "https://harbor.local/api/v2.0/health"}}
`,
      ),
    );
    expect(prober.unhealthyProxies().size).toBe(0);
    prober.stop();
  });

  it('reports nothing unhealthy once probing is disabled by a reload, and starts optimistic when re-enabled', async () => {
    let status = 503;
    const { prober, clock, http, gauges } = setup(enabled({ failureThreshold: 1 }), () => response(status));
    prober.start();
    await clock.advance(0);
    expect(prober.unhealthyProxies().size).toBe(3);
    prober.reconfigure(config('{enabled: false}'));
    expect(prober.unhealthyProxies().size).toBe(0);
    expect([...gauges.values()].every(Boolean)).toBe(true);
    const before = http.requests.length;
    await clock.advance(60_000);
    expect(http.requests).toHaveLength(before);

    status = 200;
    prober.reconfigure(enabled({ failureThreshold: 1 }));
    expect(prober.unhealthyProxies().size).toBe(0);
    await clock.advance(0);
    expect(http.requests.length).toBe(before + 2);
    prober.stop();
  });

  it('uses timers that never keep the process alive', () => {
    const handle = systemClock.setTimeout(() => undefined, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
  });
});
