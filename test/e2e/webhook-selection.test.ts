// Which Pods the API server sends to pullthrough, and to which endpoint, for every scope x mode of the
// chart and every value of the namespace label `pullthrough.io/rewrite` (the table in the chart's
// README, "How the selectors work"), against the real kube-apiserver: Pods are really created, the
// recording proxy shows which endpoint was called, kubectl shows the audit warnings.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REWRITE_LABEL } from '../../src/core/mutate-pod.js';
import { kubectl, type E2eEnv } from './harness.js';
import { kubectlCreate, originalImagesOf, pod, PULL_SECRET, type Created } from './cluster.js';
import { proxied } from './registries.js';
import { Pullthrough } from './webhook.js';

const env: E2eEnv = inject('e2eEnv');

type Label = 'none' | 'enabled' | 'audit' | 'disabled';
type Outcome = '/mutate' | '/audit' | '—';

/** charts/pullthrough/README.md, "Which endpoint a Pod is sent to". */
const TABLE: Record<string, Record<Label, Outcome>> = {
  'cluster/enforce': { none: '/mutate', enabled: '/mutate', audit: '/audit', disabled: '—' },
  'cluster/audit': { none: '/audit', enabled: '/audit', audit: '/audit', disabled: '—' },
  'opt-in/enforce': { none: '—', enabled: '/mutate', audit: '/audit', disabled: '—' },
  'opt-in/audit': { none: '—', enabled: '/audit', audit: '/audit', disabled: '—' },
};

describe('namespace and Pod selection by the real API server', () => {
  let pt: Pullthrough;
  const ns = {} as Record<Label, string>;
  let n = 0;

  beforeAll(async () => {
    pt = await Pullthrough.start(env, { name: 'sel', scope: 'cluster', mode: 'enforce' });
    for (const label of ['none', 'enabled', 'audit', 'disabled'] as const) {
      ns[label] = await pt.namespaces.create(
        `e2e-sel-${label}`,
        label === 'none' ? {} : { [REWRITE_LABEL]: label },
      );
    }
  });

  afterAll(async () => {
    await pt?.close();
  });

  /** Creates a Pod running `httpd` and reports what happened to it. */
  async function createIn(namespace: string): Promise<{ created: Created; outcome: Outcome; calls: number }> {
    const name = `web-${++n}`;
    const created = await kubectlCreate(env, namespace, pod(name, { web: 'httpd' }));
    const calls = pt.reviewsIn(namespace).filter((r) => r.review.request.name === name);
    return {
      created,
      outcome: calls.length === 0 ? '—' : (calls[0]!.endpoint as Outcome),
      calls: calls.length,
    };
  }

  function expectOutcome(created: Created, outcome: Outcome): void {
    const httpd = proxied(env, 'library/httpd:latest');
    const image = created.object.spec.containers[0].image;
    if (outcome === '/mutate') {
      expect(image).toBe(httpd);
      expect(created.object.spec.imagePullSecrets).toEqual([{ name: PULL_SECRET }]);
      expect(originalImagesOf(created.object)).toEqual({ 'containers/web': 'httpd' });
      expect(created.warnings).toEqual([]);
      return;
    }
    // Audit and not called: the Pod is stored exactly as written.
    expect(image).toBe('httpd');
    expect(created.object.spec.imagePullSecrets).toBeUndefined();
    expect(originalImagesOf(created.object)).toBeUndefined();
    expect(created.warnings).toEqual(
      outcome === '/audit' ? [`pullthrough audit: containers/web would use ${httpd} instead of httpd`] : [],
    );
  }

  for (const [combo, row] of Object.entries(TABLE)) {
    const [scope, mode] = combo.split('/') as ['cluster' | 'opt-in', 'enforce' | 'audit'];
    it(`scope ${scope}, mode ${mode}: each namespace label goes where the chart README says`, async () => {
      const waited = await pt.install({ scope, mode });
      const seen: Record<string, Outcome> = {};
      for (const label of Object.keys(row) as Label[]) {
        const { created, outcome, calls } = await createIn(ns[label]);
        expect(calls).toBeLessThanOrEqual(1); // never sent to both webhooks, never twice
        seen[label] = outcome;
        expectOutcome(created, outcome);
      }
      expect(seen).toEqual(row);
      console.error(`e2e selection ${combo}: configuration active after ${waited} ms`);
    });
  }

  it('kube-system and the release namespace are never sent, whatever the scope', async () => {
    await pt.install({ scope: 'cluster', mode: 'enforce' });
    for (const namespace of ['kube-system', pt.releaseNamespace]) {
      const name = `e2e-untouched-${++n}`;
      const { object } = await kubectlCreate(env, namespace, pod(name, { web: 'httpd' }));
      try {
        expect(object.spec.containers[0].image).toBe('httpd');
        expect(pt.reviewsIn(namespace)).toEqual([]);
      } finally {
        await kubectl(env, ['-n', namespace, 'delete', 'pod', name, '--wait=false']);
      }
    }
  });

  it('a Pod labelled pullthrough.io/rewrite=disabled is never sent, even in an enabled namespace', async () => {
    await pt.install({ scope: 'cluster', mode: 'enforce' });
    for (const label of ['none', 'enabled'] as const) {
      const name = `opted-out-${++n}`;
      const manifest = pod(name, { web: 'httpd' });
      manifest.metadata.labels = { [REWRITE_LABEL]: 'disabled' };
      const created = await kubectlCreate(env, ns[label], manifest);
      expectOutcome(created, '—');
      expect(pt.reviewsIn(ns[label]).filter((r) => r.review.request.name === name)).toEqual([]);
    }
    // Any other value of the Pod label is no opt-out.
    const manifest = pod(`labelled-${++n}`, { web: 'httpd' });
    manifest.metadata.labels = { [REWRITE_LABEL]: 'enabled' };
    expectOutcome(await kubectlCreate(env, ns.none, manifest), '/mutate');
  });
});
