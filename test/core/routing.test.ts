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
