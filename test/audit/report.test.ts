import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { handleReview } from '../../src/admission/handle-review.js';
import { createRuntime } from '../../src/admission/runtime.js';
import { mutationSettingsOf } from '../../src/admission/runtime.js';
import { AUDIT_REASONS, ReportBuilder, auditSubject } from '../../src/audit/report.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { REWRITE_REASONS } from '../../src/core/rewrite.js';
import { loadReview, reviewNames } from '../fixtures/load.js';

const { applyPatch, getValueByPointer } = fastJsonPatch;
const settings = mutationSettingsOf(DEFAULT_CONFIG);
const enforce = { mode: 'enforce' } as const;

const creates = reviewNames().filter((name) => name.endsWith('-create'));

describe('the audit report', () => {
  it.each(creates)('decides the %s review exactly as admission does, image for image', (name) => {
    const review = loadReview(name);
    const pod = review.request.object;
    const subject = { namespace: 'default', workload: { kind: 'Pod', name: 'p' }, pod: 'p', object: pod };
    const items = auditSubject(subject, settings, enforce);
    const { response, summary } = handleReview(review, 'mutate', createRuntime(DEFAULT_CONFIG));

    if (summary.skipped !== undefined) {
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item) => item.reason === summary.skipped && item.result === item.image)).toBe(true);
      return;
    }
    expect(items.map((item) => [item.field, item.container, item.image, item.result, item.reason])).toEqual(
      summary.images.map(({ field, name: container, decision }) => [
        field,
        container,
        decision.input,
        decision.output,
        decision.reason,
      ]),
    );
    // And the result is what the Pod holds once admission's patch is applied.
    const patch = response.response.patch;
    const operations = patch === undefined ? [] : JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
    const patched = applyPatch(structuredClone(pod), operations, true, false).newDocument;
    summary.images.forEach((image, index) => {
      expect(getValueByPointer(patched, image.pointer)).toBe(items[index]!.result);
    });
  });

  it('lists the images of a Pod skipped whole, with the reason and the references as written', () => {
    const pod = {
      metadata: { name: 'etcd-node-1', annotations: { 'kubernetes.io/config.mirror': 'abc' } },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.15-0' }],
      },
    };
    const items = auditSubject(
      { namespace: 'kube-system', workload: { kind: 'Pod', name: 'x' }, object: pod },
      settings,
      enforce,
    );
    expect(items.map((item) => [item.field, item.container, item.result, item.reason, item.mode])).toEqual([
      ['initContainers', 'init', 'busybox', 'mirror-pod', null],
      ['containers', 'etcd', 'registry.k8s.io/etcd:3.5.15-0', 'mirror-pod', null],
    ]);
    expect(items[0]!.normalized).toBe('docker.io/library/busybox:latest');
  });

  it('keeps the decision but marks the mode in audit namespaces', () => {
    const pod = { metadata: {}, spec: { containers: [{ name: 'web', image: 'httpd' }] } };
    const [item] = auditSubject(
      { namespace: 'watched', workload: { kind: 'Pod', name: 'web' }, object: pod },
      settings,
      { mode: 'audit' },
    );
    expect(item).toMatchObject({
      result: 'harbor.ingress.local/proxy_cache/library/httpd:latest',
      reason: 'rewritten',
      wouldRewrite: true,
      mode: 'audit',
    });
  });

  it('leaves images as written in namespaces no webhook sees', () => {
    const pod = { metadata: {}, spec: { containers: [{ name: 'web', image: 'httpd' }] } };
    const [item] = auditSubject(
      { namespace: 'quiet', workload: { kind: 'Pod', name: 'web' }, object: pod },
      settings,
      { skipped: 'namespace-disabled' },
    );
    expect(item).toMatchObject({
      result: 'httpd',
      reason: 'namespace-disabled',
      wouldRewrite: false,
      mode: null,
    });
  });

  it('reports invalid references with the parser message, as written', () => {
    const pod = { metadata: {}, spec: { containers: [{ name: 'bad', image: 'Nginx' }] } };
    const [item] = auditSubject(
      { namespace: 'd', workload: { kind: 'Pod', name: 'p' }, object: pod },
      settings,
      enforce,
    );
    expect(item).toMatchObject({
      image: 'Nginx',
      result: 'Nginx',
      reason: 'invalid',
      normalized: null,
      error: 'invalid reference format: repository name (library/Nginx) must be lowercase',
    });
  });

  it('summarises: every reason counted, distinct repositories of the images that would move', () => {
    const config = parseConfig(
      'rules:\n  - { registry: docker.io, proxy: harbor.ingress.local/proxy_cache }\n  - { registry: ghcr.io, proxy: harbor.ingress.local/ghcr }\nexclude:\n  images: [docker.io/library/postgres]\n',
      'test',
    );
    const builder = new ReportBuilder('cluster', mutationSettingsOf(config));
    const pod = (name: string, ...images: string[]) => ({
      namespace: 'default',
      workload: { kind: 'Deployment', name: 'web' },
      pod: name,
      object: {
        metadata: { name },
        spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
      },
    });
    builder.add(pod('web-1', 'nginx:1.26', 'postgres:16', 'ghcr.io/acme/api:1'), enforce);
    builder.add(pod('web-2', 'nginx:1.27', 'harbor.ingress.local/proxy_cache/library/redis:7'), enforce);
    builder.add(pod('web-3', 'quay.io/a/b'), enforce);
    builder.add(pod('web-4', 'busybox'), { mode: 'audit' });
    builder.addError({ source: 'cluster', line: null, column: null, message: 'x' });
    const report = builder.build();
    expect(Object.keys(report.summary.byReason)).toEqual(AUDIT_REASONS);
    expect(AUDIT_REASONS).toEqual(expect.arrayContaining([...REWRITE_REASONS]));
    expect(report.summary).toEqual({
      source: 'cluster',
      pullSecrets: [],
      pods: 4,
      workloads: 1,
      images: 7,
      byReason: expect.objectContaining({
        rewritten: 4,
        excluded: 1,
        'already-proxied': 1,
        'no-rule': 1,
        invalid: 0,
      }),
      wouldRewrite: 4,
      wouldRewriteAuditOnly: 1,
      podsToRewrite: 2,
      distinctUpstreamRepositories: 3,
      dockerHubRepositories: 2,
      upstreamRepositories: ['docker.io/library/busybox', 'docker.io/library/nginx', 'ghcr.io/acme/api'],
      ignoredObjects: 0,
    });
    expect(report.errors).toHaveLength(1);
  });
});
