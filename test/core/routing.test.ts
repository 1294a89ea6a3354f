import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRewriter } from '../../src/core/rewrite.js';
import { routingVectors } from '../vectors/routing.js';

describe('routing vectors: root-mounted caches, match, stripPrefix, failover', () => {
  it.each(routingVectors)('$name', ({ image, rules, unhealthy, expected }) => {
    const rewriter = createRewriter({ rules, excludeImages: [] });
    const options = unhealthy === undefined ? undefined : { unhealthyProxies: new Set(unhealthy) };
    const decision = rewriter.rewrite(image, options);
    const seen = { output: decision.output, rewritten: decision.rewritten, reason: decision.reason };
    expect(decision.rewritten ? { ...seen, proxy: decision.proxy } : seen).toEqual(expected);
  });

  it.each(routingVectors)('rewriting again changes nothing: $name', ({ image, rules, unhealthy }) => {
    const rewriter = createRewriter({ rules, excludeImages: [] });
    const options = { unhealthyProxies: new Set(unhealthy ?? []) };
    const once = rewriter.rewrite(image, options).output;
    const twice = rewriter.rewrite(once, options);
    expect(twice.output).toBe(once);
    expect(twice.rewritten).toBe(false);
  });
});

describe('failover decisions', () => {
  const rules = [{ registry: 'docker.io', proxies: ['a.example.com/hub', 'b.example.com:5000'] }];

  it('lists every target with its output, in priority order', () => {
    const decision = createRewriter({ rules, excludeImages: [] }).rewrite('redis:7');
    expect(decision.alternatives).toEqual([
      { proxy: 'a.example.com/hub', output: 'a.example.com/hub/library/redis:7' },
      { proxy: 'b.example.com:5000', output: 'b.example.com:5000/library/redis:7' },
    ]);
  });

  it('follows health from one call to the next (the cached decision is not the chosen one)', () => {
    const rewriter = createRewriter({ rules, excludeImages: [] });
    const down = { unhealthyProxies: new Set(['a.example.com/hub']) };
    expect(rewriter.rewrite('redis:7', down).proxy).toBe('b.example.com:5000');
    expect(rewriter.rewrite('redis:7').proxy).toBe('a.example.com/hub');
    expect(rewriter.rewrite('redis:7', { unhealthyProxies: new Set() }).output).toBe(
      'a.example.com/hub/library/redis:7',
    );
  });

  it('leaves an image whose chosen target could not verify it as written, naming that target', () => {
    const rewriter = createRewriter({ rules, excludeImages: [] });
    const decision = rewriter.rewrite('redis:7', {
      unhealthyProxies: new Set(['a.example.com/hub']),
      unverifiedImages: new Set(['b.example.com:5000/library/redis:7']),
    });
    expect(decision).toMatchObject({
      output: 'redis:7',
      rewritten: false,
      reason: 'unverified',
      proxy: 'b.example.com:5000',
    });
  });

  it('names no target when every one is down', () => {
    const rewriter = createRewriter({ rules, excludeImages: [] });
    const decision = rewriter.rewrite('redis:7', {
      unhealthyProxies: new Set(['a.example.com/hub', 'b.example.com:5000']),
    });
    expect(decision).toMatchObject({ reason: 'proxy-unhealthy', proxy: undefined, output: 'redis:7' });
  });
});

describe('edge cases of rule targets', () => {
  it('treats a rule without any target as no rule (configuration validation refuses one)', () => {
    const decision = createRewriter({ rules: [{ registry: 'docker.io' }], excludeImages: [] }).rewrite(
      'nginx',
    );
    expect(decision).toMatchObject({ rewritten: false, reason: 'no-rule', output: 'nginx' });
  });

  it('names the failover target through which a proxied name would be too long', () => {
    const long = `b.example.com/${'p'.repeat(40)}`;
    const rewriter = createRewriter({
      rules: [{ registry: 'docker.io', proxies: ['a.example.com/hub', long] }],
      excludeImages: [],
    });
    const decision = rewriter.rewrite(`team/${'n'.repeat(220)}`);
    expect(decision).toMatchObject({ rewritten: false, reason: 'invalid' });
    expect(decision.error).toBe(
      `the proxied name would be 266 characters long through ${long}; repository names are limited to 255`,
    );
  });
});

describe('idempotence with every target shape, under any proxy health', () => {
  const D = '7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';
  const targets = [
    'harbor.local/bitnami',
    'mirror.local:5000',
    'harbor.local/hub',
    'gl.local/g/dependency_proxy/containers',
    'q.local:8443',
  ];
  const rewriter = createRewriter({
    rules: [
      { registry: 'docker.io', match: ['docker.io/bitnami/*'], proxy: targets[0] },
      {
        registry: 'docker.io',
        match: ['docker.io/library/*'],
        proxies: [targets[3]!, targets[1]!],
        stripPrefix: 'library/',
      },
      { registry: 'docker.io', proxies: [targets[2]!, targets[1]!] },
      { registry: 'quay.io', proxy: targets[4], stripPrefix: 'acme/' },
    ],
    excludeImages: [],
  });
  const component = fc.stringMatching(/^[a-z0-9]{1,6}([._-][a-z0-9]{1,4})?$/);
  const host = fc.constantFrom(
    '',
    'docker.io/',
    'quay.io/',
    'mirror.local:5000/',
    'harbor.local/',
    'q.local:8443/',
  );
  const first = fc.constantFrom('', 'bitnami/', 'library/', 'acme/');
  const suffix = fc.constantFrom('', ':1.0', `@sha256:${D}`);
  const health = fc.subarray(targets);

  it('rewriting an output again changes nothing, whatever is healthy the second time', () => {
    fc.assert(
      fc.property(
        host,
        first,
        fc.array(component, { minLength: 1, maxLength: 3 }),
        suffix,
        health,
        health,
        (registry, namespace, path, tail, downOnce, downAgain) => {
          const input = `${registry}${namespace}${path.join('/')}${tail}`;
          const once = rewriter.rewrite(input, { unhealthyProxies: new Set(downOnce) });
          const again = rewriter.rewrite(once.output, { unhealthyProxies: new Set(downAgain) });
          // Only what was rewritten is checked: an image left as written while its targets were down
          // is rightly rewritten once they are back.
          fc.pre(once.rewritten);
          expect(again.output).toBe(once.output);
          expect(again.reason).toBe('already-proxied');
        },
      ),
      { numRuns: 3000 },
    );
  });
});
