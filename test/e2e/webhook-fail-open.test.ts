// "Harbor is down, or pullthrough is: don't break my deployments." With the chart's failurePolicy
// Ignore, the real API server admits Pods unchanged when pullthrough does not answer: a stuck
// replica (SIGSTOP: the socket accepts, nothing answers) costs at most timeoutSeconds, a dead one
// (connection refused) almost nothing. The configuration calls the webhook directly (no recording
// proxy), so the API server sees exactly what a dead or hung server looks like.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubectlJson, type E2eEnv } from './harness.js';
import { kubectlCreate, originalImagesOf, pod, waitForPods } from './cluster.js';
import { proxied } from './registries.js';
import { Pullthrough } from './webhook.js';

const env: E2eEnv = inject('e2eEnv');
const TIMEOUT_SECONDS = 2;
/** kubectl's own start-up and the API server's work around the webhook call. */
const MARGIN_MS = 2500;

describe('fail-open: Pods are created while pullthrough is stuck or gone', () => {
  let pt: Pullthrough;
  let ns: string;

  beforeAll(async () => {
    pt = await Pullthrough.start(env, { name: 'failopen', capture: false, timeoutSeconds: TIMEOUT_SECONDS });
    ns = await pt.namespaces.create('e2e-failopen');
  });

  afterAll(async () => {
    pt?.webhook.resume();
    await pt?.close();
  });

  it('the configuration really is Ignore with the short timeout, and a Pod is rewritten while the webhook runs', async () => {
    const mwc = await kubectlJson<any>(env, ['get', 'mutatingwebhookconfiguration', pt.name]);
    for (const hook of mwc.webhooks) {
      expect(hook.failurePolicy).toBe('Ignore');
      expect(hook.timeoutSeconds).toBe(TIMEOUT_SECONDS);
      expect(hook.clientConfig.url).toMatch(new RegExp(`^${pt.webhook.url}/(mutate|audit)$`));
    }
    const { object } = await kubectlCreate(env, ns, pod('up', { web: 'httpd' }));
    expect(object.spec.containers[0].image).toBe(proxied(env, 'library/httpd:latest'));
  });

  it(`a hung webhook: the Pod is created unchanged once the ${TIMEOUT_SECONDS} s timeout passes`, async () => {
    pt.webhook.pause();
    let created;
    try {
      created = await kubectlCreate(env, ns, pod('while-hung', { web: 'httpd' }));
    } finally {
      pt.webhook.resume();
    }
    expect(created.object.spec.containers[0].image).toBe('httpd');
    expect(created.object.spec.imagePullSecrets).toBeUndefined();
    expect(originalImagesOf(created.object)).toBeUndefined();
    expect(created.elapsedMs).toBeGreaterThanOrEqual(TIMEOUT_SECONDS * 1000);
    expect(created.elapsedMs).toBeLessThan(TIMEOUT_SECONDS * 1000 + MARGIN_MS);
    // kubectl shows nothing: failing open is silent for the user (the API server logs it).
    expect(created.warnings).toEqual([]);
    console.error(`e2e fail-open: hung webhook, Pod created in ${created.elapsedMs} ms`);
  });

  it('a stopped webhook: the Pod is created unchanged at once (connection refused)', async () => {
    await pt.webhook.stop();
    const created = await kubectlCreate(env, ns, pod('while-down', { web: 'httpd' }));
    expect(created.object.spec.containers[0].image).toBe('httpd');
    expect(created.object.spec.imagePullSecrets).toBeUndefined();
    expect(created.elapsedMs).toBeLessThan(TIMEOUT_SECONDS * 1000);
    // Through a Deployment too: the ReplicaSet's Pod is not held back.
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'dummy' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'dummy' } },
        template: {
          metadata: { labels: { app: 'dummy' } },
          spec: { containers: [{ name: 'httpd', image: 'httpd' }] },
        },
      },
    };
    await kubectlCreate(env, ns, deployment);
    const [p] = await waitForPods(env, ns, 'app=dummy');
    expect(p.spec.containers[0].image).toBe('httpd');
    console.error(`e2e fail-open: stopped webhook, Pod created in ${created.elapsedMs} ms`);
  });

  it('the API server logs each call it failed open, with the reason', () => {
    const log = readFileSync(join(env.E2E_LOG_DIR, 'kube-apiserver.log'), 'utf8');
    const lines = log.split('\n').filter((l) => l.includes('failing open') && l.includes(pt.webhook.url));
    expect(lines.some((l) => l.includes('context deadline exceeded'))).toBe(true);
    expect(lines.some((l) => l.includes('connection refused'))).toBe(true);
  });
});
