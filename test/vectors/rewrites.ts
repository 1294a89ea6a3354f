/**
 * Conformance vectors for the image rewrite (docs/rewriting.md and the README's table).
 *
 * Decision for one image:
 * - the image is parsed as in `image-refs.ts`; an invalid one is left as written (`invalid`);
 * - an image matching an exclusion glob is left as written (`excluded`). A glob matches when it matches,
 *   from start to end, either the normalized reference `domain/path[:tag][@digest]` or the repository
 *   `domain/path`; `*` matches any run of characters including '/', `?` exactly one character, and
 *   every other character only itself;
 * - an image whose `domain/path` starts with `<proxy>/` for any rule's proxy is left as written
 *   (`already-proxied`), even when its registry is also some rule's upstream;
 * - an image whose normalized registry equals a rule's `registry` becomes
 *   `<proxy>/<path>` + `:tag` and/or `@digest` exactly as written, or `:latest` when it has neither
 *   (`rewritten`);
 * - anything else is left as written (`no-rule`).
 *
 * No vector here depends on the order between `excluded` and `already-proxied`, or between `excluded`
 * and `invalid`/`no-rule`: each vector has exactly one reason that applies.
 *
 * This file is data only.
 */

import type { RewriteReason } from '../../src/core/rewrite.js';

export interface RewriteRuleVector {
  /** Normalized upstream registry, e.g. 'docker.io', 'localhost:5000', '[::1]:5000'. */
  registry: string;
  /** Proxy prefix, host[:port]/project[/more], no scheme, no trailing slash. */
  proxy: string;
}

export interface RewriteVector {
  /** What the case shows, as a sentence. */
  name: string;
  /** The image as written in the Pod spec. */
  image: string;
  rules: RewriteRuleVector[];
  /** Exclusion globs (config `exclude.images`). */
  exclude?: string[];
  expected: {
    /** What the Pod gets: the rewritten reference, or the image byte for byte. */
    output: string;
    rewritten: boolean;
    reason: RewriteReason;
  };
}

const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEX63 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85';
const HEX128 =
  'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
const SHA256 = `sha256:${HEX64}`;
const SHA512 = `sha512:${HEX128}`;

const HARBOR = 'harbor.ingress.local/proxy_cache';

/** The embedded default configuration: Docker Hub only. */
const DEFAULT_RULES: RewriteRuleVector[] = [{ registry: 'docker.io', proxy: HARBOR }];

/** One Harbor, several upstreams, including a local registry and an IPv6 one. */
const MANY_RULES: RewriteRuleVector[] = [
  { registry: 'docker.io', proxy: HARBOR },
  { registry: 'ghcr.io', proxy: 'harbor.ingress.local/ghcr' },
  { registry: 'quay.io', proxy: 'harbor.ingress.local/quay' },
  { registry: 'registry.k8s.io', proxy: 'harbor.ingress.local/k8s' },
  { registry: 'localhost:5000', proxy: 'harbor.ingress.local/local' },
  { registry: '[::1]:5000', proxy: 'harbor.ingress.local/ipv6' },
];

/** A proxy whose host carries a port. */
const PORT_PROXY_RULES: RewriteRuleVector[] = [{ registry: 'docker.io', proxy: 'harbor.local:8443/dh' }];

/** A proxy on an IPv6 host with a port. */
const IPV6_PROXY_RULES: RewriteRuleVector[] = [{ registry: 'docker.io', proxy: '[fd00::10]:8443/dh' }];

/** The Docker Hub proxy lives on registry.example.com, which is itself the upstream of a second rule. */
const CHAINED_RULES: RewriteRuleVector[] = [
  { registry: 'docker.io', proxy: 'registry.example.com/dockerhub' },
  { registry: 'registry.example.com', proxy: 'harbor.ingress.local/internal' },
];

export const rewriteVectors: RewriteVector[] = [
  // --- the design table, default configuration --------------------------------------------------------
  {
    name: 'A bare official image goes to the proxy with library/ and latest',
    image: 'httpd',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/httpd:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An official image keeps its tag behind the proxy',
    image: 'nginx:1.26-alpine',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx:1.26-alpine`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A namespaced Docker Hub image keeps its namespace behind the proxy',
    image: 'grafana/grafana:11.1.3',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/grafana/grafana:11.1.3`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A digest-only Docker Hub image keeps its digest and gets no latest',
    image: `docker.io/bitnami/redis@${SHA256}`,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/bitnami/redis@${SHA256}`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An image with both a tag and a digest keeps both behind the proxy',
    image: `busybox:1.36@${SHA256}`,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/busybox:1.36@${SHA256}`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A quay.io image is left alone when only Docker Hub has a rule',
    image: 'quay.io/prometheus/node-exporter:v1.8.2',
    rules: DEFAULT_RULES,
    expected: { output: 'quay.io/prometheus/node-exporter:v1.8.2', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A local registry image is left alone when only Docker Hub has a rule',
    image: 'localhost:5000/app',
    rules: DEFAULT_RULES,
    expected: { output: 'localhost:5000/app', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'An image already rewritten to the proxy is not prefixed again',
    image: `${HARBOR}/library/httpd:latest`,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/httpd:latest`, rewritten: false, reason: 'already-proxied' },
  },

  // --- more Docker Hub spellings -----------------------------------------------------------------------
  {
    name: 'The legacy index.docker.io host counts as Docker Hub',
    image: 'index.docker.io/library/nginx:1.27',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx:1.27`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'The legacy index.docker.io host with a namespace and no tag gets latest',
    image: 'index.docker.io/grafana/loki',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/grafana/loki:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An explicit docker.io single-component name gets library/ behind the proxy',
    image: 'docker.io/nginx:1.27',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx:1.27`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A fully qualified Docker Hub name without a tag gets latest',
    image: 'docker.io/library/redis',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/redis:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A name written with library/ and a tag is not given a second library/',
    image: 'library/alpine:3.20',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/alpine:3.20`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A dotless hyphenated namespace is a Docker Hub user, so it is rewritten',
    image: 'my-registry/app:1.0',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/my-registry/app:1.0`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An explicit latest tag comes out the same as no tag',
    image: 'nginx:latest',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An uppercase tag is kept as written',
    image: 'redis:LATEST',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/redis:LATEST`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A tag and a sha512 digest are both kept',
    image: `nginx:1.27@${SHA512}`,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx:1.27@${SHA512}`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A bare localhost:5000 is the Docker Hub image localhost tagged 5000, so it is rewritten',
    image: 'localhost:5000',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/localhost:5000`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A bare localhost is the Docker Hub image localhost, so it is rewritten',
    image: 'localhost',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/localhost:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A bare host:port without a slash is a Docker Hub image, so it is rewritten',
    image: 'example.com:5000',
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/example.com:5000`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A bare sha256:<hex> is the Docker Hub image sha256 with the hex as its tag',
    image: SHA256,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/sha256:${HEX64}`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'registry-1.docker.io is not normalized to docker.io, so the Docker Hub rule does not apply',
    image: 'registry-1.docker.io/library/nginx:1.27',
    rules: DEFAULT_RULES,
    expected: { output: 'registry-1.docker.io/library/nginx:1.27', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'An image whose dotted first component is not a valid host has an empty registry and no rule',
    image: 'foo_bar.com/baz:1',
    rules: DEFAULT_RULES,
    expected: { output: 'foo_bar.com/baz:1', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A dotless host with a port is its own registry and has no rule',
    image: 'registry:5000/app',
    rules: DEFAULT_RULES,
    expected: { output: 'registry:5000/app', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'With no rules at all a Docker Hub image is left alone',
    image: 'nginx',
    rules: [],
    expected: { output: 'nginx', rewritten: false, reason: 'no-rule' },
  },

  // --- idempotence and the proxy prefix boundary -------------------------------------------------------
  {
    name: 'An already-proxied image without a tag is left exactly as written, with no latest added',
    image: `${HARBOR}/library/nginx`,
    rules: DEFAULT_RULES,
    expected: { output: `${HARBOR}/library/nginx`, rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'An already-proxied image with a tag and a digest is left alone',
    image: `${HARBOR}/library/busybox:1.36@${SHA256}`,
    rules: DEFAULT_RULES,
    expected: {
      output: `${HARBOR}/library/busybox:1.36@${SHA256}`,
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'A project whose name merely starts with the proxy project is not already proxied',
    image: 'harbor.ingress.local/proxy_cache2/library/nginx:1',
    rules: DEFAULT_RULES,
    expected: {
      output: 'harbor.ingress.local/proxy_cache2/library/nginx:1',
      rewritten: false,
      reason: 'no-rule',
    },
  },
  {
    name: 'A repository equal to the proxy prefix itself is not under it',
    image: HARBOR,
    rules: DEFAULT_RULES,
    expected: { output: HARBOR, rewritten: false, reason: 'no-rule' },
  },

  // --- invalid images ----------------------------------------------------------------------------------
  {
    name: 'An uppercase repository is invalid and left as written',
    image: 'Nginx:1.27',
    rules: DEFAULT_RULES,
    expected: { output: 'Nginx:1.27', rewritten: false, reason: 'invalid' },
  },
  {
    name: 'An empty image is invalid and left empty',
    image: '',
    rules: DEFAULT_RULES,
    expected: { output: '', rewritten: false, reason: 'invalid' },
  },
  {
    name: 'A 64-hex image id is invalid and left as written',
    image: HEX64,
    rules: DEFAULT_RULES,
    expected: { output: HEX64, rewritten: false, reason: 'invalid' },
  },
  {
    name: 'A digest of the wrong length is invalid and left as written',
    image: `nginx@sha256:${HEX63}`,
    rules: DEFAULT_RULES,
    expected: { output: `nginx@sha256:${HEX63}`, rewritten: false, reason: 'invalid' },
  },
  {
    name: 'An image with surrounding whitespace is invalid and left byte for byte',
    image: ' nginx:1.27 ',
    rules: DEFAULT_RULES,
    expected: { output: ' nginx:1.27 ', rewritten: false, reason: 'invalid' },
  },
  {
    name: 'A URL with a scheme is invalid and left as written',
    image: 'https://registry.example.com/app:1',
    rules: DEFAULT_RULES,
    expected: { output: 'https://registry.example.com/app:1', rewritten: false, reason: 'invalid' },
  },

  // --- several upstream registries ---------------------------------------------------------------------
  {
    name: 'A ghcr.io image goes to its own proxy project',
    image: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    rules: MANY_RULES,
    expected: {
      output: 'harbor.ingress.local/ghcr/fluxcd/source-controller:v1.4.1',
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'A quay.io image goes to its own proxy project',
    image: 'quay.io/prometheus/node-exporter:v1.8.2',
    rules: MANY_RULES,
    expected: {
      output: 'harbor.ingress.local/quay/prometheus/node-exporter:v1.8.2',
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'A single-component registry.k8s.io image gets no library/',
    image: 'registry.k8s.io/pause:3.10',
    rules: MANY_RULES,
    expected: { output: 'harbor.ingress.local/k8s/pause:3.10', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A registry.k8s.io image with a tag and a digest keeps both',
    image: `registry.k8s.io/ingress-nginx/controller:v1.11.2@${SHA256}`,
    rules: MANY_RULES,
    expected: {
      output: `harbor.ingress.local/k8s/ingress-nginx/controller:v1.11.2@${SHA256}`,
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'A Docker Hub image still uses the Docker Hub rule among many',
    image: 'nginx',
    rules: MANY_RULES,
    expected: { output: `${HARBOR}/library/nginx:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A localhost:5000 image without a tag goes to its proxy with latest',
    image: 'localhost:5000/team/app',
    rules: MANY_RULES,
    expected: { output: 'harbor.ingress.local/local/team/app:latest', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'localhost without a port is a different registry from localhost:5000',
    image: 'localhost/app',
    rules: MANY_RULES,
    expected: { output: 'localhost/app', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'localhost on another port is a different registry from localhost:5000',
    image: 'localhost:5001/app:1',
    rules: MANY_RULES,
    expected: { output: 'localhost:5001/app:1', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A bracketed IPv6 registry with a port matches its rule',
    image: '[::1]:5000/app:v1',
    rules: MANY_RULES,
    expected: { output: 'harbor.ingress.local/ipv6/app:v1', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'The same IPv6 host without the port is a different registry',
    image: '[::1]/app:v1',
    rules: MANY_RULES,
    expected: { output: '[::1]/app:v1', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A registry with no rule among many is left alone',
    image: 'gcr.io/distroless/static-debian12:nonroot',
    rules: MANY_RULES,
    expected: { output: 'gcr.io/distroless/static-debian12:nonroot', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'An image already under the ghcr proxy project is left alone',
    image: 'harbor.ingress.local/ghcr/fluxcd/flux-cli:v2.4.0',
    rules: MANY_RULES,
    expected: {
      output: 'harbor.ingress.local/ghcr/fluxcd/flux-cli:v2.4.0',
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'An image already under the registry.k8s.io proxy project is left alone',
    image: 'harbor.ingress.local/k8s/pause:3.10',
    rules: MANY_RULES,
    expected: { output: 'harbor.ingress.local/k8s/pause:3.10', rewritten: false, reason: 'already-proxied' },
  },
  {
    name: 'A bare ghcr.io without a slash is a Docker Hub image name, not the GitHub registry',
    image: 'ghcr.io',
    rules: MANY_RULES,
    expected: { output: `${HARBOR}/library/ghcr.io:latest`, rewritten: true, reason: 'rewritten' },
  },

  // --- a proxy with a port, and an IPv6 proxy ------------------------------------------------------------
  {
    name: 'A proxy with a port is used as written',
    image: 'nginx',
    rules: PORT_PROXY_RULES,
    expected: { output: 'harbor.local:8443/dh/library/nginx:latest', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A proxy with a port keeps a tag and a digest',
    image: `bitnami/redis:7.2@${SHA256}`,
    rules: PORT_PROXY_RULES,
    expected: {
      output: `harbor.local:8443/dh/bitnami/redis:7.2@${SHA256}`,
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'An image already behind a proxy with a port is left alone',
    image: 'harbor.local:8443/dh/library/nginx:1.27',
    rules: PORT_PROXY_RULES,
    expected: {
      output: 'harbor.local:8443/dh/library/nginx:1.27',
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'The proxy host without its port is a different registry and not already proxied',
    image: 'harbor.local/dh/library/nginx:1.27',
    rules: PORT_PROXY_RULES,
    expected: { output: 'harbor.local/dh/library/nginx:1.27', rewritten: false, reason: 'no-rule' },
  },
  {
    name: 'A proxy on a bracketed IPv6 host with a port is used as written',
    image: 'nginx:1.27',
    rules: IPV6_PROXY_RULES,
    expected: { output: '[fd00::10]:8443/dh/library/nginx:1.27', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An image already behind the IPv6 proxy is left alone',
    image: '[fd00::10]:8443/dh/library/nginx:1.27',
    rules: IPV6_PROXY_RULES,
    expected: {
      output: '[fd00::10]:8443/dh/library/nginx:1.27',
      rewritten: false,
      reason: 'already-proxied',
    },
  },

  // --- a proxy on the same host as another rule's upstream ---------------------------------------------
  {
    name: 'Docker Hub goes to a proxy on a host that is itself an upstream of another rule',
    image: 'nginx:1.27',
    rules: CHAINED_RULES,
    expected: {
      output: 'registry.example.com/dockerhub/library/nginx:1.27',
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'An image under the Docker Hub proxy is already proxied even though its host has its own rule',
    image: 'registry.example.com/dockerhub/library/nginx:1.27',
    rules: CHAINED_RULES,
    expected: {
      output: 'registry.example.com/dockerhub/library/nginx:1.27',
      rewritten: false,
      reason: 'already-proxied',
    },
  },
  {
    name: 'Other repositories on that host are rewritten by the second rule',
    image: 'registry.example.com/team/app:2.0',
    rules: CHAINED_RULES,
    expected: { output: 'harbor.ingress.local/internal/team/app:2.0', rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A project on that host that only starts like the Docker Hub proxy project is rewritten by the second rule',
    image: 'registry.example.com/dockerhub2/app',
    rules: CHAINED_RULES,
    expected: {
      output: 'harbor.ingress.local/internal/dockerhub2/app:latest',
      rewritten: true,
      reason: 'rewritten',
    },
  },
  {
    name: 'An image under the second rule proxy is already proxied',
    image: 'harbor.ingress.local/internal/team/app:2.0',
    rules: CHAINED_RULES,
    expected: {
      output: 'harbor.ingress.local/internal/team/app:2.0',
      rewritten: false,
      reason: 'already-proxied',
    },
  },

  // --- exclusions --------------------------------------------------------------------------------------
  {
    name: 'An exclusion naming the normalized repository matches any tag of it',
    image: 'postgres:16',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/postgres'],
    expected: { output: 'postgres:16', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'An exclusion written as the familiar name does not match, because globs see normalized names',
    image: 'postgres:16',
    rules: DEFAULT_RULES,
    exclude: ['postgres'],
    expected: { output: `${HARBOR}/library/postgres:16`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An exclusion with the legacy index.docker.io host does not match the normalized docker.io name',
    image: 'index.docker.io/library/nginx:1.27',
    rules: DEFAULT_RULES,
    exclude: ['index.docker.io/library/nginx'],
    expected: { output: `${HARBOR}/library/nginx:1.27`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A trailing star excludes every repository in a namespace',
    image: 'bitnami/redis:7.2',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/bitnami/*'],
    expected: { output: 'bitnami/redis:7.2', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'A namespace without a star does not match the repositories inside it',
    image: 'bitnami/redis:7.2',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/bitnami'],
    expected: { output: `${HARBOR}/bitnami/redis:7.2`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A star in the middle crosses slashes',
    image: 'bitnami/charts/redis:7.2',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/*/redis'],
    expected: { output: 'bitnami/charts/redis:7.2', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'An exclusion must match the whole repository, not a prefix of it',
    image: 'nginx-extra:1',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/nginx'],
    expected: { output: `${HARBOR}/library/nginx-extra:1`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A question mark matches exactly one character of the tag',
    image: 'busybox:1.36',
    rules: DEFAULT_RULES,
    exclude: ['*/library/busybox:1.3?'],
    expected: { output: 'busybox:1.36', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'A question mark does not match two characters',
    image: 'busybox:1.361',
    rules: DEFAULT_RULES,
    exclude: ['*/library/busybox:1.3?'],
    expected: { output: `${HARBOR}/library/busybox:1.361`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A question mark matches the dot in a host name',
    image: 'nginx',
    rules: DEFAULT_RULES,
    exclude: ['docker?io/library/nginx'],
    expected: { output: 'nginx', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'A dot in a glob is a literal dot, not any character',
    image: 'nginx',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/ng.nx'],
    expected: { output: `${HARBOR}/library/nginx:latest`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A glob over the tag excludes matching versions',
    image: 'redis:7.2.5',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/redis:7*'],
    expected: { output: 'redis:7.2.5', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'A glob over the tag leaves other versions to be rewritten',
    image: 'redis:6.2',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/redis:7*'],
    expected: { output: `${HARBOR}/library/redis:6.2`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'An exact normalized reference with a tag excludes only that tag',
    image: 'nginx:1.27',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/nginx:1.27'],
    expected: { output: 'nginx:1.27', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'An exact normalized reference with a tag does not exclude another tag',
    image: 'nginx:1.26',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/nginx:1.27'],
    expected: { output: `${HARBOR}/library/nginx:1.26`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A digest glob excludes a digest-only reference',
    image: `busybox@${SHA256}`,
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/busybox@sha256:*'],
    expected: { output: `busybox@${SHA256}`, rewritten: false, reason: 'excluded' },
  },
  {
    name: 'A digest glob without a tag part does not match a reference that has a tag before its digest',
    image: `busybox:1.36@${SHA256}`,
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/busybox@sha256:*'],
    expected: { output: `${HARBOR}/library/busybox:1.36@${SHA256}`, rewritten: true, reason: 'rewritten' },
  },
  {
    name: 'A glob with the tag and any digest matches a tag-and-digest reference',
    image: `busybox:1.36@${SHA256}`,
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/busybox:1.36@*'],
    expected: { output: `busybox:1.36@${SHA256}`, rewritten: false, reason: 'excluded' },
  },
  {
    name: 'Any one of several exclusions is enough',
    image: 'grafana/grafana:11.1.3',
    rules: DEFAULT_RULES,
    exclude: ['docker.io/library/postgres', 'docker.io/grafana/*'],
    expected: { output: 'grafana/grafana:11.1.3', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'An exclusion for another upstream registry excludes images a rule would rewrite',
    image: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    rules: MANY_RULES,
    exclude: ['ghcr.io/fluxcd/*'],
    expected: { output: 'ghcr.io/fluxcd/source-controller:v1.4.1', rewritten: false, reason: 'excluded' },
  },
  {
    name: 'Exclusions that match nothing leave the rewrite as it was',
    image: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    rules: MANY_RULES,
    exclude: ['ghcr.io/other/*', 'docker.io/library/postgres'],
    expected: {
      output: 'harbor.ingress.local/ghcr/fluxcd/source-controller:v1.4.1',
      rewritten: true,
      reason: 'rewritten',
    },
  },
];
