import { afterAll, describe, expect, it } from 'vitest';
import { createReview, loadReview } from '../fixtures/load.js';
import { decodePatch, testApp } from '../helpers/app.js';
import { parseConfig } from '../../src/config/config.js';

const harness = testApp();
const { app } = harness;
afterAll(() => app.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('malformed requests get a clear 4xx and the server stays up', () => {
  const cases: {
    name: string;
    payload: unknown;
    status: number;
    code: string;
    headers?: Record<string, string>;
  }[] = [
    { name: 'a body that is not JSON', payload: '{"apiVersion": ', status: 400, code: 'PT_ERR_BAD_JSON' },
    { name: 'an empty body', payload: '', status: 400, code: 'PT_ERR_EMPTY_BODY' },
    {
      name: 'an AdmissionReview of another API version',
      payload: { ...createReview({}), apiVersion: 'admission.k8s.io/v1beta1' },
      status: 400,
      code: 'PT_ERR_BAD_REVIEW',
    },
    {
      name: 'a body of another kind',
      payload: { ...createReview({}), kind: 'Pod' },
      status: 400,
      code: 'PT_ERR_BAD_REVIEW',
    },
    {
      name: 'a review without request',
      payload: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
      status: 400,
      code: 'PT_ERR_BAD_REVIEW',
    },
    {
      name: 'a request without uid',
      payload: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { operation: 'CREATE' },
      },
      status: 400,
      code: 'PT_ERR_BAD_REVIEW',
    },
    {
      name: 'a uid that is a number (no coercion)',
      payload: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 42 } },
      status: 400,
      code: 'PT_ERR_BAD_REVIEW',
    },
    { name: 'a JSON array', payload: '[]', status: 400, code: 'PT_ERR_BAD_REVIEW' },
    {
      name: 'a prototype-poisoning body',
      payload:
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u"},"__proto__":{"x":1}}',
      status: 400,
      code: 'PT_ERR_BAD_JSON',
    },
    {
      name: 'a body sent as text/plain',
      payload: JSON.stringify(createReview({})),
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'PT_ERR_MEDIA_TYPE',
    },
  ];

  it.each(cases)('$name → $status $code', async ({ payload, status, code, headers }) => {
    const reply = await post('/mutate', payload, headers);
    expect(reply.statusCode).toBe(status);
    const body = reply.json();
    expect(body.code).toBe(code);
    expect(body.message).toEqual(expect.any(String));
    expect(reply.body).not.toMatch(/at .*\.(js|ts):\d+/); // never a stack trace
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('rejects a body over the limit with 413', async () => {
    const review = createReview({ metadata: { name: 'big' }, spec: { containers: [] } });
    review.request.object.metadata.annotations = { filler: 'x'.repeat(4 * 1024 * 1024) };
    const reply = await post('/mutate', review);
    expect(reply.statusCode).toBe(413);
    expect(reply.json().code).toBe('PT_ERR_BODY_TOO_LARGE');
  });

  it('answers 404 with a code for unknown paths', async () => {
    const reply = await app.inject({ method: 'GET', url: '/nope' });
    expect(reply.statusCode).toBe(404);
    expect(reply.json().code).toBe('PT_ERR_NOT_FOUND');
  });
});

describe('reviews the webhook does not act on', () => {
  it('allows a review whose object is missing with no patch', async () => {
    const review = createReview(undefined);
    delete review.request.object;
    const reply = await post('/mutate', review);
    expect(reply.statusCode).toBe(200);
    expect(reply.json().response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('allows a Pod whose spec is garbage without patching it', async () => {
    const review = createReview({
      metadata: { name: 'x' },
      spec: { containers: 'nope', initContainers: [null, 3, { image: 7 }] },
    });
    const reply = await post('/mutate', review);
    expect(reply.json().response).toEqual({ uid: review.request.uid, allowed: true });
  });
});

describe('audit', () => {
  it('returns no patch, one warning per image that would change, and audit annotations', async () => {
    const review = loadReview('grafana-chart-create');
    const body = (await post('/audit', review)).json();
    expect(body.response.patch).toBeUndefined();
    expect(body.response.patchType).toBeUndefined();
    expect(body.response.warnings).toEqual([
      'pullthrough audit: initContainers/init-chown-data would use harbor.ingress.local/proxy_cache/library/busybox:1.31.1 instead of busybox:1.31.1',
      'pullthrough audit: initContainers/download-dashboards would use harbor.ingress.local/proxy_cache/curlimages/curl:7.85.0 instead of curlimages/curl:7.85.0',
      'pullthrough audit: containers/grafana would use harbor.ingress.local/proxy_cache/grafana/grafana:11.1.3 instead of docker.io/grafana/grafana:11.1.3',
    ]);
    expect(JSON.parse(body.response.auditAnnotations['would-rewrite'])).toEqual({
      'initContainers/init-chown-data': 'harbor.ingress.local/proxy_cache/library/busybox:1.31.1',
      'initContainers/download-dashboards': 'harbor.ingress.local/proxy_cache/curlimages/curl:7.85.0',
      'containers/grafana': 'harbor.ingress.local/proxy_cache/grafana/grafana:11.1.3',
    });
  });

  it('makes exactly the decisions enforce makes, on every fixture', async () => {
    for (const name of [
      'kustomize-nginx-create',
      'grafana-chart-create',
      'httpd-untagged-create',
      'image-volume-create',
    ]) {
      const enforce = (await post('/mutate', loadReview(name))).json().response;
      const audit = (await post('/audit', loadReview(name))).json().response;
      const patched = Object.fromEntries(
        decodePatch(enforce)
          .filter((op) => op.path.endsWith('/image') || op.path.endsWith('/reference'))
          .map((op) => [op.path, op.value]),
      );
      expect(Object.values(JSON.parse(audit.auditAnnotations['would-rewrite']))).toEqual(
        Object.values(patched),
      );
      expect(JSON.parse(enforce.auditAnnotations.rewritten)).toEqual(
        JSON.parse(audit.auditAnnotations['would-rewrite']),
      );
    }
  });

  it('applies to /mutate too when the configuration says mode: audit', async () => {
    const audited = testApp(parseConfig('mode: audit\n', 'test'));
    const body = (
      await audited.app.inject({
        method: 'POST',
        url: '/mutate',
        payload: loadReview('kustomize-nginx-create'),
      })
    ).json();
    expect(body.response.patch).toBeUndefined();
    expect(body.response.warnings).toHaveLength(1);
    await audited.app.close();
  });
});

describe('probes, metrics and logs', () => {
  it('reports ready only when the app says so', async () => {
    const notReady = testApp(undefined, { ready: false });
    expect((await notReady.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await notReady.app.close();
  });

  it('counts reviews and images with bounded labels', async () => {
    const fresh = testApp();
    await fresh.app.inject({ method: 'POST', url: '/mutate', payload: loadReview('grafana-chart-create') });
    await fresh.app.inject({
      method: 'POST',
      url: '/mutate',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    });
    const text = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('pullthrough_admission_requests_total{endpoint="mutate",result="patched"} 1');
    expect(text).toContain('pullthrough_admission_requests_total{endpoint="mutate",result="bad_request"} 1');
    expect(text).toContain(
      'pullthrough_images_total{endpoint="mutate",reason="rewritten",registry="docker.io",proxy="harbor.ingress.local/proxy_cache"} 3',
    );
    expect(text).toContain(
      'pullthrough_images_total{endpoint="mutate",reason="no-rule",registry="other",proxy=""} 1',
    );
    expect(text).not.toContain('grafana');
    await fresh.app.close();
  });

  it('counts images by the failover target they went to', async () => {
    const config = parseConfig(
      'rules: [{registry: docker.io, proxies: [a.example.com/hub, "mirror.local:5000"]}]\n',
      'test.yaml',
    );
    let down = new Set<string>();
    const fresh = testApp(config, { rewriteOptions: () => ({ unhealthyProxies: down }) });
    const review = loadReview('httpd-untagged-create');
    await fresh.app.inject({ method: 'POST', url: '/mutate', payload: review });
    down = new Set(['a.example.com/hub']);
    const reply = await fresh.app.inject({ method: 'POST', url: '/mutate', payload: review });
    expect(decodePatch(reply.json().response)[0].value).toBe('mirror.local:5000/library/httpd:latest');
    down = new Set(['a.example.com/hub', 'mirror.local:5000']);
    await fresh.app.inject({ method: 'POST', url: '/mutate', payload: review });
    const text = (await fresh.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(
      'pullthrough_images_total{endpoint="mutate",reason="rewritten",registry="docker.io",proxy="a.example.com/hub"} 1',
    );
    expect(text).toContain(
      'pullthrough_images_total{endpoint="mutate",reason="rewritten",registry="docker.io",proxy="mirror.local:5000"} 1',
    );
    expect(text).toContain(
      'pullthrough_images_total{endpoint="mutate",reason="proxy-unhealthy",registry="docker.io",proxy=""} 1',
    );
    await fresh.app.close();
  });

  it('writes one info line per admission with uid, namespace, pod and counts', async () => {
    const fresh = testApp();
    const review = loadReview('kustomize-nginx-create');
    await fresh.app.inject({ method: 'POST', url: '/mutate', payload: review });
    const lines = fresh.logs().filter((line) => line.msg === 'admission');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      uid: review.request.uid,
      namespace: 'shop',
      pod: 'app-with-kustomize-6d8f9c7b5-',
      outcome: 'patched',
      counts: { rewritten: 1 },
      latencyMs: expect.any(Number),
    });
    // And nothing else: the route answers synchronously, and fastify must not see a second send.
    expect(fresh.logs().filter((line) => line.msg !== 'admission')).toEqual([]);
    await fresh.app.close();
  });

  it('applies a new configuration to the next review', async () => {
    const fresh = testApp();
    fresh.setConfig(parseConfig('rules: [{registry: docker.io, proxy: mirror.example.com/dh}]\n', 'test'));
    const body = (
      await fresh.app.inject({
        method: 'POST',
        url: '/mutate',
        payload: loadReview('kustomize-nginx-create'),
      })
    ).json();
    expect(decodePatch(body.response)[0].value).toBe('mirror.example.com/dh/library/nginx:1.26-alpine');
    await fresh.app.close();
  });
});
