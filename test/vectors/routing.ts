/**
 * Conformance vectors for rule targets beyond one Harbor prefix per registry (docs/configuration.md,
 * "Rules"): root-mounted caches, per-repository routing, a stripped upstream namespace, and
 * failover between targets.
 *
 * In addition to `rewrites.ts`:
 * - a target is `host[:port]/path` (the image path goes under `path`) or `host[:port]` (the image
 *   path goes right after the host: a root-mounted cache);
 * - an image whose registry is a root target's `host[:port]` is left as written (`already-proxied`),
 *   whatever rules exist for that registry name;
 * - `match` globs are tried against the normalized repository `domain/path` (no tag, no digest);
 *   the rules of one registry are tried in order and the first whose globs match (or that has none)
 *   wins; when none does the image is left as written (`no-rule`);
 * - `stripPrefix` drops a leading path from the image path before it goes under the target, when
 *   the path starts with it;
 * - `proxies` lists targets in priority order; the first target not in `unhealthy` wins; when all
 *   are unhealthy the image is left as written (`proxy-unhealthy`). `proxy` is the target used.
 *
 * This file is data only.
 */

export interface RoutingRuleVector {
  registry: string;
  proxy?: string;
  proxies?: string[];
  match?: string[];
  stripPrefix?: string;
}

export interface RoutingVector {
  name: string;
  image: string;
  rules: RoutingRuleVector[];
  /** Targets known to be down (proxy health). */
  unhealthy?: string[];
  expected: {
    output: string;
    rewritten: boolean;
    reason: 'rewritten' | 'no-rule' | 'already-proxied' | 'proxy-unhealthy' | 'invalid';
    /** The target the image went to; absent when it was not rewritten. */
    proxy?: string;
  };
}

const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MIRROR = 'mirror.local:5000';
const HARBOR = 'harbor.example.com';

const ROOT: RoutingRuleVector[] = [{ registry: 'docker.io', proxy: MIRROR }];
const BITNAMI_FIRST: RoutingRuleVector[] = [
  { registry: 'docker.io', match: ['docker.io/bitnami/*'], proxy: `${HARBOR}/bitnami_cache` },
  { registry: 'docker.io', proxy: `${HARBOR}/proxy_cache` },
];
const FAILOVER: RoutingRuleVector[] = [
  { registry: 'docker.io', proxies: [`${HARBOR}/proxy_cache`, MIRROR, 'backup.example.com/hub'] },
];

export const routingVectors: RoutingVector[] = [
  // Root-mounted caches (Docker's registry in proxy mode, Zot, a Nexus connector port).
  {
    name: 'An official image goes right after a root-mounted cache host, with library/',
    image: 'httpd',
    rules: ROOT,
    expected: {
      output: `${MIRROR}/library/httpd:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: MIRROR,
    },
  },
  {
    name: 'A namespaced image keeps its namespace at the root, tag and digest as written',
    image: `grafana/grafana:11.1.3@sha256:${HEX64}`,
    rules: ROOT,
    expected: {
      output: `${MIRROR}/grafana/grafana:11.1.3@sha256:${HEX64}`,
      rewritten: true,
      reason: 'rewritten',
      proxy: MIRROR,
    },
  },
  {
    name: 'An image already on the root-mounted cache is already proxied',
    image: `${MIRROR}/library/httpd:latest`,
    rules: ROOT,
    expected: { output: `${MIRROR}/library/httpd:latest`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'Any repository on the root-mounted cache host is already proxied, not only official ones',
    image: `${MIRROR}/team/app`,
    rules: ROOT,
    expected: { output: `${MIRROR}/team/app`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'The cache host on another port is a different registry',
    image: 'mirror.local:5001/library/httpd',
    rules: ROOT,
    expected: { output: 'mirror.local:5001/library/httpd', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'The cache host without its port is a different registry',
    image: 'mirror.local/library/httpd',
    rules: ROOT,
    expected: { output: 'mirror.local/library/httpd', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A root-mounted cache host is never an upstream, even with a rule naming it',
    image: `${MIRROR}/library/httpd`,
    rules: [...ROOT, { registry: MIRROR, proxy: `${HARBOR}/mirror` }],
    expected: { output: `${MIRROR}/library/httpd`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'A root-mounted cache and a Harbor prefix side by side: each upstream to its own',
    image: 'quay.io/prometheus/node-exporter:v1.8.2',
    rules: [...ROOT, { registry: 'quay.io', proxy: `${HARBOR}/quay` }],
    expected: {
      output: `${HARBOR}/quay/prometheus/node-exporter:v1.8.2`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/quay`,
    },
  },
  {
    name: 'A root-mounted cache on an IPv6 literal',
    image: 'busybox:1.36',
    rules: [{ registry: 'docker.io', proxy: '[::1]:5000' }],
    expected: {
      output: '[::1]:5000/library/busybox:1.36',
      rewritten: true,
      reason: 'rewritten',
      proxy: '[::1]:5000',
    },
  },
  {
    name: 'A root-mounted cache for a registry other than Docker Hub keeps the path as is',
    image: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    rules: [{ registry: 'ghcr.io', proxy: 'ghcr-mirror.local' }],
    expected: {
      output: 'ghcr-mirror.local/fluxcd/source-controller:v1.4.1',
      rewritten: true,
      reason: 'rewritten',
      proxy: 'ghcr-mirror.local',
    },
  },

  // Per-repository routing.
  {
    name: 'A Bitnami image goes to the Bitnami project',
    image: 'bitnami/redis:7.4',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/bitnami_cache/bitnami/redis:7.4`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/bitnami_cache`,
    },
  },
  {
    name: 'Any other Docker Hub image goes to the catch-all project',
    image: 'nginx',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/proxy_cache/library/nginx:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/proxy_cache`,
    },
  },
  {
    name: 'A namespace that only starts like bitnami is not Bitnami',
    image: 'bitnamicharts/redis',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/proxy_cache/bitnamicharts/redis:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/proxy_cache`,
    },
  },
  {
    name: 'Globs match the repository, not the tag: a tag that looks like a path does not matter',
    image: 'library/bitnami:bitnami',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/proxy_cache/library/bitnami:bitnami`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/proxy_cache`,
    },
  },
  {
    name: 'The star crosses slashes: a nested Bitnami repository is Bitnami',
    image: 'docker.io/bitnami/charts/redis',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/bitnami_cache/bitnami/charts/redis:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/bitnami_cache`,
    },
  },
  {
    name: 'Globs see the legacy index.docker.io host as docker.io',
    image: 'index.docker.io/bitnami/redis',
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/bitnami_cache/bitnami/redis:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/bitnami_cache`,
    },
  },
  {
    name: 'With only narrowed rules, an image none matches is left as written',
    image: 'nginx:1.27',
    rules: [BITNAMI_FIRST[0]!],
    expected: { output: 'nginx:1.27', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'An image under the Bitnami project is already proxied',
    image: `${HARBOR}/bitnami_cache/bitnami/redis:7.4`,
    rules: BITNAMI_FIRST,
    expected: {
      output: `${HARBOR}/bitnami_cache/bitnami/redis:7.4`,
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'A question mark matches one character of the repository',
    image: 'quay.io/team1/app',
    rules: [
      { registry: 'quay.io', match: ['quay.io/team?/*'], proxy: `${HARBOR}/teams` },
      { registry: 'quay.io', proxy: `${HARBOR}/quay` },
    ],
    expected: {
      output: `${HARBOR}/teams/team1/app:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/teams`,
    },
  },
  {
    name: 'Several globs in one rule: any one is enough',
    image: 'docker.io/grafana/loki:3.1.0',
    rules: [
      {
        registry: 'docker.io',
        match: ['docker.io/prom/*', 'docker.io/grafana/*'],
        proxy: `${HARBOR}/observability`,
      },
      { registry: 'docker.io', proxy: `${HARBOR}/proxy_cache` },
    ],
    expected: {
      output: `${HARBOR}/observability/grafana/loki:3.1.0`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/observability`,
    },
  },

  // A stripped upstream namespace.
  {
    name: 'stripPrefix library/ drops it from an official image',
    image: 'alpine:3.20',
    rules: [
      {
        registry: 'docker.io',
        proxy: 'gitlab.example.com/group/dependency_proxy/containers',
        stripPrefix: 'library/',
      },
    ],
    expected: {
      output: 'gitlab.example.com/group/dependency_proxy/containers/alpine:3.20',
      rewritten: true,
      reason: 'rewritten',
      proxy: 'gitlab.example.com/group/dependency_proxy/containers',
    },
  },
  {
    name: 'stripPrefix library/ leaves a namespaced image whole',
    image: 'grafana/grafana',
    rules: [{ registry: 'docker.io', proxy: `${HARBOR}/hub`, stripPrefix: 'library/' }],
    expected: {
      output: `${HARBOR}/hub/grafana/grafana:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/hub`,
    },
  },
  {
    name: 'stripPrefix of an organization for a cache scoped to it (with match)',
    image: 'ghcr.io/acme/api:2.0',
    rules: [
      {
        registry: 'ghcr.io',
        match: ['ghcr.io/acme/*'],
        proxy: 'art.example.com/ghcr-acme',
        stripPrefix: 'acme/',
      },
    ],
    expected: {
      output: 'art.example.com/ghcr-acme/api:2.0',
      rewritten: true,
      reason: 'rewritten',
      proxy: 'art.example.com/ghcr-acme',
    },
  },
  {
    name: 'stripPrefix matches whole path components only when written with the slash',
    image: 'library2/app',
    rules: [{ registry: 'docker.io', proxy: MIRROR, stripPrefix: 'library/' }],
    expected: {
      output: `${MIRROR}/library2/app:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: MIRROR,
    },
  },

  // Failover.
  {
    name: 'With every target healthy the first one is used',
    image: 'nginx',
    rules: FAILOVER,
    unhealthy: [],
    expected: {
      output: `${HARBOR}/proxy_cache/library/nginx:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/proxy_cache`,
    },
  },
  {
    name: 'The first target down: the second, a root-mounted cache, is used',
    image: 'nginx',
    rules: FAILOVER,
    unhealthy: [`${HARBOR}/proxy_cache`],
    expected: {
      output: `${MIRROR}/library/nginx:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: MIRROR,
    },
  },
  {
    name: 'The first two down: the third is used',
    image: 'nginx:1.27',
    rules: FAILOVER,
    unhealthy: [`${HARBOR}/proxy_cache`, MIRROR],
    expected: {
      output: 'backup.example.com/hub/library/nginx:1.27',
      rewritten: true,
      reason: 'rewritten',
      proxy: 'backup.example.com/hub',
    },
  },
  {
    name: 'Every target down: the image is left as written',
    image: 'nginx:1.27',
    rules: FAILOVER,
    unhealthy: [`${HARBOR}/proxy_cache`, MIRROR, 'backup.example.com/hub'],
    expected: { output: 'nginx:1.27', rewritten: false, reason: 'proxy-unhealthy' },
  },
  {
    name: 'An image already under the second target is already proxied',
    image: `${MIRROR}/library/nginx:1.27`,
    rules: FAILOVER,
    unhealthy: [`${HARBOR}/proxy_cache`],
    expected: { output: `${MIRROR}/library/nginx:1.27`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'An image already under the third target is already proxied while the first is healthy',
    image: 'backup.example.com/hub/library/nginx:1.27',
    rules: FAILOVER,
    expected: {
      output: 'backup.example.com/hub/library/nginx:1.27',
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'Health of another rule’s target does not matter',
    image: 'quay.io/coreos/etcd:v3.5.15',
    rules: [...FAILOVER, { registry: 'quay.io', proxy: `${HARBOR}/quay` }],
    unhealthy: [`${HARBOR}/proxy_cache`, MIRROR, 'backup.example.com/hub'],
    expected: {
      output: `${HARBOR}/quay/coreos/etcd:v3.5.15`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/quay`,
    },
  },
  // Host names are case-insensitive (DNS): a proxy is recognized however its host is spelled.
  {
    name: 'An image on a root-mounted cache with its host in capitals is already proxied',
    image: 'MIRROR.Local:5000/library/httpd:2.4',
    rules: ROOT,
    expected: { output: 'MIRROR.Local:5000/library/httpd:2.4', rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'A root-mounted cache configured in capitals is never an upstream, even with a rule for its host',
    image: 'mirror.local:5000/library/httpd:2.4',
    rules: [
      { registry: 'docker.io', proxy: 'Mirror.Local:5000' },
      { registry: 'mirror.local:5000', proxy: `${HARBOR}/mirror` },
    ],
    expected: { output: 'mirror.local:5000/library/httpd:2.4', rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'An image under a prefix target configured in capitals is not proxied again through a rule for its host',
    image: `${HARBOR}/quay/coreos/etcd:v3.5.15`,
    rules: [
      { registry: 'quay.io', proxy: 'Harbor.Example.COM/quay' },
      { registry: HARBOR, proxy: MIRROR },
    ],
    expected: { output: `${HARBOR}/quay/coreos/etcd:v3.5.15`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'An IPv6 root-mounted cache is recognized whatever the case of its hex digits',
    image: '[FD00::A]:5000/library/httpd:2.4',
    rules: [{ registry: 'docker.io', proxy: '[fd00::a]:5000' }],
    expected: { output: '[FD00::A]:5000/library/httpd:2.4', rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'A proxied name over 255 characters through a long target is invalid, left as written',
    image: `team/${'a'.repeat(240)}`,
    rules: [{ registry: 'docker.io', proxy: `${HARBOR}/${'p'.repeat(20)}` }],
    expected: { output: `team/${'a'.repeat(240)}`, rewritten: false, reason: 'invalid' },
  },
  {
    name: 'Stripping library/ keeps a name under the limit that would otherwise exceed it',
    image: `${'a'.repeat(230)}`,
    rules: [{ registry: 'docker.io', proxy: `${HARBOR}/${'p'.repeat(20)}`, stripPrefix: 'library/' }],
    expected: {
      output: `${HARBOR}/${'p'.repeat(20)}/${'a'.repeat(230)}:latest`,
      rewritten: true,
      reason: 'rewritten',
      proxy: `${HARBOR}/${'p'.repeat(20)}`,
    },
  },
];
