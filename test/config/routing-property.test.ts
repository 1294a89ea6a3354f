/**
 * Properties over every configuration the server accepts (generated, then validated like a
 * ConfigMap): whatever the rules' shapes, host spellings and proxy health, an output always parses,
 * keeps the tag and digest as written, and is never rewritten again.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, rewritePolicyOf, type Config } from '../../src/config/config.js';
import { parseImageReference, suffixOf } from '../../src/core/image-ref.js';
import { createRewriter, targetsOf } from '../../src/core/rewrite.js';

const DIGEST = `sha256:${'7c'.repeat(32)}`;

const hostName = fc.constantFrom(
  'docker.io',
  'index.docker.io',
  'quay.io',
  'harbor.local',
  'Harbor.Local',
  'mirror.local:5000',
  'MIRROR.local:5000',
  'localhost',
  'localhost:5000',
  '[::1]:5000',
  '[FD00::A]:5000',
  'reg:5000',
);
const projectPath = fc.constantFrom('', '/p', '/proxy_cache', '/a/b', '/library', '/p/library');
const target = fc.tuple(hostName, projectPath).map(([host, path]) => `${host}${path}`);
const registry = fc.constantFrom(
  'docker.io',
  'quay.io',
  'harbor.local',
  'mirror.local:5000',
  'localhost',
  '[::1]:5000',
);
const rule = fc.record(
  {
    registry,
    targets: fc.uniqueArray(target, { minLength: 1, maxLength: 3 }),
    match: fc.option(fc.constantFrom('*/bitnami/*', '*/library/*', '*/a?c'), { nil: undefined }),
    stripPrefix: fc.option(fc.constantFrom('library/', 'bitnami/', 'p/'), { nil: undefined }),
  },
  { requiredKeys: ['registry', 'targets'] },
);

type GeneratedRule = typeof rule extends fc.Arbitrary<infer T> ? T : never;

function configOf(rules: readonly GeneratedRule[]): Config | undefined {
  const text = JSON.stringify({
    rules: rules.map((r) => ({
      registry: r.registry,
      ...(r.targets.length === 1 ? { proxy: r.targets[0] } : { proxies: r.targets }),
      ...(r.match === undefined ? {} : { match: [`${r.registry}/${r.match.slice(2)}`] }),
      ...(r.stripPrefix === undefined ? {} : { stripPrefix: r.stripPrefix }),
    })),
  });
  try {
    return parseConfig(text, 'generated');
  } catch (error) {
    if (error instanceof ConfigError) return undefined;
    throw error;
  }
}

const imageHost = fc.constantFrom(
  '',
  ...[
    'docker.io',
    'index.docker.io',
    'quay.io',
    'harbor.local',
    'HARBOR.local',
    'mirror.local:5000',
    'Mirror.Local:5000',
    'localhost',
    'localhost:5000',
    '[::1]:5000',
    '[fd00::a]:5000',
    'reg:5000',
  ].map((h) => `${h}/`),
);
const imagePath = fc
  .array(fc.constantFrom('library', 'bitnami', 'p', 'proxy_cache', 'a', 'b', 'abc', 'redis'), {
    minLength: 1,
    maxLength: 4,
  })
  .map((parts) => parts.join('/'));
const suffix = fc.constantFrom('', ':7', ':1.2.3-alpine', `@${DIGEST}`, `:7@${DIGEST}`);
const image = fc.tuple(imageHost, imagePath, suffix).map(([h, p, s]) => `${h}${p}${s}`);

/** The reference with its host (everything before the first `/`) in one case. */
function respell(reference: string, to: 'lower' | 'upper'): string {
  const slash = reference.indexOf('/');
  const host = reference.slice(0, slash);
  return (to === 'lower' ? host.toLowerCase() : host.toUpperCase()) + reference.slice(slash);
}

describe('every accepted configuration', () => {
  it('emits only references that parse, keep tag and digest, and are never rewritten again', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 4 }),
        fc.array(image, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (rules, images, healthBits) => {
          const config = configOf(rules);
          fc.pre(config !== undefined);
          const rewriter = createRewriter(rewritePolicyOf(config));
          const allTargets = config.rules.flatMap(targetsOf);
          const unhealthy = new Set(allTargets.filter((_, i) => ((healthBits >> i) & 1) === 1));
          for (const written of images) {
            const decision = rewriter.rewrite(written, { unhealthyProxies: unhealthy });
            if (!decision.rewritten) {
              expect(decision.output).toBe(written);
              continue;
            }
            const input = parseImageReference(written);
            const output = parseImageReference(decision.output);
            expect(suffixOf(output)).toBe(suffixOf(input));
            expect(decision.output.endsWith(suffixOf(input))).toBe(true);
            for (const health of [
              undefined,
              { unhealthyProxies: unhealthy },
              { unhealthyProxies: new Set<string>() },
            ]) {
              // Host names ignore case: the same proxy spelled otherwise is still the proxy.
              for (const spelling of [
                decision.output,
                respell(decision.output, 'lower'),
                respell(decision.output, 'upper'),
              ]) {
                const again = rewriter.rewrite(spelling, health);
                expect(again.rewritten, `${written} -> ${spelling} -> ${again.output}`).toBe(false);
              }
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
