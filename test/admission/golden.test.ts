import fastJsonPatch from 'fast-json-patch';
import { afterAll, describe, expect, it } from 'vitest';
import { loadReview, reviewNames } from '../fixtures/load.js';
import { decodePatch, testApp } from '../helpers/app.js';

const { applyPatch } = fastJsonPatch;
const { app } = testApp();
afterAll(() => app.close());

const goldens = reviewNames().filter((name) => !name.endsWith('.expected'));

describe.each(goldens)('the %s review', (name) => {
  const expected = loadReview(`${name}.expected`);

  it(`answers with the expected patch (${expected.description})`, async () => {
    const review = loadReview(name);
    const reply = await app.inject({ method: 'POST', url: '/mutate', payload: review });
    expect(reply.statusCode).toBe(200);
    const body = reply.json();
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response.uid).toBe(review.request.uid);
    expect(body.response.allowed).toBe(true);
    expect(decodePatch(body.response)).toEqual(expected.patch);
    expect(body.response.patchType).toBe(expected.patch.length > 0 ? 'JSONPatch' : undefined);
    expect(body.response.warnings).toEqual(expected.warnings);
  });

  it('yields exactly the expected pod when the patch is applied to the object sent', async () => {
    const review = loadReview(name);
    const body = (await app.inject({ method: 'POST', url: '/mutate', payload: review })).json();
    const patched = applyPatch(review.request.object, decodePatch(body.response), true, false).newDocument;
    expect(patched).toEqual(expected.pod);
  });

  it('answers with an empty patch when the patched pod comes back (reinvocation)', async () => {
    const review = loadReview(name);
    if (expected.pod === null) return;
    review.request.object = expected.pod;
    const body = (await app.inject({ method: 'POST', url: '/mutate', payload: review })).json();
    expect(decodePatch(body.response)).toEqual([]);
  });
});
