// AdmissionReviews recorded from the e2e API server, kept as golden fixtures
// (test/fixtures/reviews/apiserver-*.json and their .expected.json, checked by test/admission/golden.test.ts).
//
// A recorded review is normalized so it reads like the hand-written fixtures and does not change from
// run to run: the harness's proxy prefix becomes harbor.ingress.local/proxy_cache (the embedded
// default the unit tests use), the test namespace becomes `shop`, and uids, resourceVersions,
// timestamps and the random suffix of the kube-api-access volume get fixed values.
//
// Normal runs compare what the API server sends now with the fixture (so a Kubernetes bump that
// changes the shape is noticed); `E2E_RECORD_FIXTURES=1` rewrites the fixtures instead.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fastJsonPatch from 'fast-json-patch';
import { format, resolveConfig } from 'prettier';
import { repoRoot } from './harness.js';
import { patchOf, type CapturedReview } from './capture-proxy.js';

const { applyPatch } = fastJsonPatch;
export const REVIEWS_DIR = join(repoRoot, 'test/fixtures/reviews');
export const RECORD = process.env.E2E_RECORD_FIXTURES === '1';

const FIXED_TIME = '2026-11-28T10:00:00Z';
const DEFAULT_PROXY = 'harbor.ingress.local/proxy_cache';

export interface NormalizeContext {
  /** The test namespace, written as `shop`. */
  namespace: string;
  /** The harness's `host:port/proxy_cache`, written as the default proxy. */
  proxyPrefix: string;
}

/** Normalizes a review, a patch or a Pod (see the file comment). Pure; uids map consistently. */
export function normalize(value: unknown, ctx: NormalizeContext): any {
  const uids = new Map<string, string>();
  const fixedUid = (uid: string): string => {
    if (!uids.has(uid)) uids.set(uid, `00000000-0000-4000-8000-${String(uids.size + 1).padStart(12, '0')}`);
    return uids.get(uid)!;
  };
  // Every uid, wherever it appears (uid fields, owner references, managedFields keys like
  // `k:{"uid":"..."}`), maps to the same fixed value, so references between them still hold.
  const text = (s: string): string =>
    s
      .split(ctx.proxyPrefix)
      .join(DEFAULT_PROXY)
      .replace(new RegExp(`\\b${ctx.namespace}\\b`, 'g'), 'shop')
      .replace(/\bkube-api-access-[a-z0-9]{5}\b/g, 'kube-api-access-x7k2p')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, fixedUid)
      // userInfo.extra credential-id: the fingerprint of the harness's admin certificate (new per run).
      .replace(/X509SHA256=[0-9a-f]{64}/g, `X509SHA256=${'0'.repeat(64)}`);
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') {
      if (key === 'resourceVersion') return '1000';
      if (key === 'creationTimestamp' || key === 'time' || key === 'startTime') return FIXED_TIME;
      return text(v);
    }
    if (Array.isArray(v)) {
      const items = v.map((item) => walk(item, undefined));
      // Entries written within the same second come back in either order; their order means nothing.
      return key === 'managedFields'
        ? items.sort((a, b) => managedFieldsKey(a).localeCompare(managedFieldsKey(b)))
        : items;
    }
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [text(k), walk(item, k)]));
    }
    return v;
  };
  return walk(value, undefined);
}

function managedFieldsKey(entry: any): string {
  return `${entry?.manager}/${entry?.subresource ?? ''}/${entry?.operation}`;
}

export interface Golden {
  review: any;
  expected: { description: string; patch: any[]; warnings?: string[]; pod: any };
}

/** The fixture pair for one recorded review and pullthrough's reply to it. */
export function goldenOf(captured: CapturedReview, ctx: NormalizeContext, description: string): Golden {
  // One normalize call, so a uid seen in the review and in the patch maps to the same value.
  const { review, patch, warnings } = normalize(
    {
      review: captured.review,
      patch: patchOf(captured.response),
      warnings: captured.response?.response?.warnings as string[] | undefined,
    },
    ctx,
  ) as { review: any; patch: any[]; warnings: string[] | undefined };
  const pod = applyPatch(
    structuredClone(review.request.object),
    structuredClone(patch),
    true,
    false,
  ).newDocument;
  return {
    review,
    expected: {
      description,
      patch,
      ...(warnings === undefined ? {} : { warnings }),
      pod,
    },
  };
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(JSON.stringify(value), { ...options, filepath: file }));
}

export function readFixture(name: string): { review: any; expected: any } | undefined {
  const file = join(REVIEWS_DIR, `${name}.json`);
  if (!existsSync(file)) return undefined;
  return {
    review: JSON.parse(readFileSync(file, 'utf8')),
    expected: JSON.parse(readFileSync(join(REVIEWS_DIR, `${name}.expected.json`), 'utf8')),
  };
}

/** With E2E_RECORD_FIXTURES=1, writes `<name>.json` and `<name>.expected.json`; returns what is stored now. */
export async function recordFixture(name: string, golden: Golden): Promise<void> {
  await writeJson(join(REVIEWS_DIR, `${name}.json`), golden.review);
  await writeJson(join(REVIEWS_DIR, `${name}.expected.json`), golden.expected);
}
