import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, rewritePolicyOf } from '../../src/config/config.js';
import {
  DECISION_CACHE_CHARACTERS,
  MAX_IMAGE_REFERENCE_LENGTH,
  createRewriter,
} from '../../src/core/rewrite.js';
import { validReferences, invalidReferences } from '../vectors/image-refs.js';
import { rewriteVectors } from '../vectors/rewrites.js';

const H = 'harbor.ingress.local/proxy_cache';
const D = '7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';

describe("the README's table holds with the default configuration", () => {
  const table: [string, string][] = [
    ['httpd', `${H}/library/httpd:latest`],
    ['nginx:1.26-alpine', `${H}/library/nginx:1.26-alpine`],
    ['grafana/grafana:11.1.3', `${H}/grafana/grafana:11.1.3`],
    [`docker.io/bitnami/redis@sha256:${D}`, `${H}/bitnami/redis@sha256:${D}`],
    [`busybox:1.36@sha256:${D}`, `${H}/library/busybox:1.36@sha256:${D}`],
    ['quay.io/prometheus/node-exporter:v1.8.2', 'quay.io/prometheus/node-exporter:v1.8.2'],
    ['localhost:5000/app', 'localhost:5000/app'],
    [`${H}/library/httpd:latest`, `${H}/library/httpd:latest`],
  ];
  const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
  it.each(table)('%s → %s', (input, output) => {
    expect(rewriter.rewrite(input).output).toBe(output);
  });
});

describe('rewrite vectors', () => {
  it.each(rewriteVectors)('$name', ({ image, rules, exclude, expected }) => {
    const rewriter = createRewriter({ rules, excludeImages: exclude ?? [] });
    const decision = rewriter.rewrite(image);
    expect({ output: decision.output, rewritten: decision.rewritten, reason: decision.reason }).toEqual(
      expected,
    );
  });
});

describe('properties over every vector', () => {
  const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
  const inputs = [
    ...validReferences.map((v) => v.input),
    ...invalidReferences.map((v) => v.input),
    ...rewriteVectors.map((v) => v.image),
  ];

  it.each(inputs)('rewriting is idempotent: %s', (input) => {
    const once = rewriter.rewrite(input).output;
    expect(rewriter.rewrite(once).output).toBe(once);
  });

  it.each(inputs)('what is not rewritten is left byte for byte: %s', (input) => {
    const decision = rewriter.rewrite(input);
    if (!decision.rewritten) expect(decision.output).toBe(input);
  });

  it('idempotence holds for generated references under several rules', () => {
    const many = createRewriter({
      rules: [
        { registry: 'docker.io', proxy: 'harbor.local/dh' },
        { registry: 'harbor.local', proxy: 'other.local/h' },
        { registry: 'quay.io', proxy: 'harbor.local:8443/quay' },
        { registry: 'localhost:5000', proxy: '[::1]:5000/local' },
      ],
      excludeImages: ['quay.io/excluded/*'],
    });
    const component = fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?$/);
    const registry = fc.constantFrom(
      '',
      'docker.io/',
      'index.docker.io/',
      'quay.io/',
      'localhost:5000/',
      'harbor.local/',
      'ghcr.io/',
    );
    const suffix = fc.constantFrom('', ':1.0', `@sha256:${D}`, `:v2@sha256:${D}`);
    fc.assert(
      fc.property(
        registry,
        fc.array(component, { minLength: 1, maxLength: 3 }),
        suffix,
        (host, path, tail) => {
          const input = `${host}${path.join('/')}${tail}`;
          const once = many.rewrite(input).output;
          expect(many.rewrite(once).output).toBe(once);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('the engine', () => {
  it('gives the same decision from its cache as from a fresh parse', () => {
    const warm = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
    for (const image of ['nginx', 'Bad']) {
      warm.rewrite(image);
      const fresh = createRewriter(rewritePolicyOf(DEFAULT_CONFIG)).rewrite(image);
      expect(warm.rewrite(image)).toEqual(fresh);
    }
    // The second answers came from the cache: it holds the decisions, not a re-parse.
    expect(warm.cacheUsage().entries).toBeGreaterThan(0);
  });

  it('stays correct past its cache limit', () => {
    const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
    for (let i = 0; i < 5000; i += 1)
      expect(rewriter.rewrite(`app${i}`).output).toBe(`${H}/library/app${i}:latest`);
    expect(rewriter.rewrite('app0').output).toBe(`${H}/library/app0:latest`);
  });

  it('refuses an image longer than any registry can serve without parsing or caching it', () => {
    const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
    // Valid by the grammar alone (only the path is limited): the attack from issue #13, item 1.
    const attack = `${'a'.repeat(2_500_000)}.io/x:1`;
    const decision = rewriter.rewrite(attack);
    expect(decision).toMatchObject({ output: attack, rewritten: false, reason: 'invalid' });
    expect(decision.error).toBe(
      `the reference is ${attack.length} characters long; image references are limited to ${MAX_IMAGE_REFERENCE_LENGTH}`,
    );
    expect(rewriter.cacheUsage()).toEqual({ entries: 0, characters: 0 });
  });

  it('accepts the longest reference a registry can serve', () => {
    const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
    const path = `${'p'.repeat(127)}/${'q'.repeat(127)}`;
    const longest = `${'a'.repeat(250)}.io:65535/${path}:${'t'.repeat(128)}@sha512:${'0'.repeat(128)}`;
    expect(longest.length).toBe(780);
    expect(rewriter.rewrite(longest)).toMatchObject({ reason: 'no-rule', normalized: longest });
  });

  it('bounds its cache by the characters it holds, not only by count', () => {
    const rewriter = createRewriter(rewritePolicyOf(DEFAULT_CONFIG));
    const tag = 't'.repeat(128);
    for (let i = 0; i < 4096; i += 1) {
      const image = `${'r'.repeat(200)}${i}.io/${'p'.repeat(240)}:${tag}`;
      expect(rewriter.rewrite(image).reason).toBe('no-rule');
    }
    const usage = rewriter.cacheUsage();
    expect(usage.characters).toBeLessThanOrEqual(DECISION_CACHE_CHARACTERS);
    expect(usage.entries).toBeLessThan(4096);
    expect(usage.entries).toBeGreaterThan(0);
  });

  it('refuses a rewrite whose proxied name would be too long, leaving the image as written', () => {
    const rewriter = createRewriter({
      rules: [{ registry: 'docker.io', proxy: `h.local/${'p'.repeat(200)}` }],
      excludeImages: [],
    });
    const input = `org/${'n'.repeat(60)}`;
    const decision = rewriter.rewrite(input);
    expect(decision).toMatchObject({ output: input, rewritten: false, reason: 'invalid' });
    expect(decision.error).toBe(
      'the proxied name would be 265 characters long; repository names are limited to 255',
    );
  });
});
