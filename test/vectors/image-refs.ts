/**
 * Conformance vectors for `src/core/image-ref.ts`.
 *
 * The parser must behave exactly like Go's `reference.ParseNormalizedNamed` from
 * github.com/distribution/reference v0.6.0 (digest checks from github.com/opencontainers/go-digest
 * v1.0.0, with sha256, sha384 and sha512 available), after which the tag and the digest are kept
 * exactly as written. `normalized` is `domain/path[:tag][@digest]`, with `:latest` added only when the
 * reference has neither a tag nor a digest. Every expectation below was checked against that Go code.
 *
 * This file is data only: the string constants and `repeat` calls just build long inputs.
 */

export interface ValidReferenceVector {
  /** What the case shows, as a sentence. */
  name: string;
  input: string;
  expected: {
    /** Normalized registry, e.g. 'docker.io', 'localhost:5000', '[::1]:5000' (kept as written otherwise). */
    domain: string;
    /** Repository path, e.g. 'library/httpd'. */
    path: string;
    /** Tag as written, null when none. */
    tag: string | null;
    /** Digest as written, null when none. */
    digest: string | null;
    /** domain/path[:tag][@digest], ':latest' added only when no tag and no digest. */
    normalized: string;
  };
}

export interface InvalidReferenceVector {
  /** What the case shows, as a sentence. */
  name: string;
  input: string;
  /** The exact message Go returns. */
  error: string;
}

// sha256, sha384 and sha512 of the empty string: real, lowercase hex values.
const HEX64 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEX64_UPPER = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';
const HEX63 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85';
const HEX96 =
  '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b';
const HEX96_UPPER =
  '38B060A751AC96384CD9327EB1B1E36A21FDB71114BE07434C0CC7BF63F6E1DA274EDEBFE76F65FBD51AD2F14898B95B';
const HEX128 =
  'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
const HEX128_UPPER =
  'CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3E';
const HEX32 = 'd41d8cd98f00b204e9800998ecf8427e';
const HEX40 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';

const SHA256 = `sha256:${HEX64}`;
const SHA384 = `sha384:${HEX96}`;
const SHA512 = `sha512:${HEX128}`;

// Long inputs around the 255-character path limit and the 128-character tag limit.
const NAME_247 = 'a'.repeat(247); // 'library/' + 247 = 255
const NAME_248 = 'a'.repeat(248); // 'library/' + 248 = 256
const SEGMENT_251 = 'b'.repeat(251); // 'team/' is 5 more: 'team/' + 251 = 256, 'foo/' + 251 = 255
const SEGMENT_255 = 'c'.repeat(255);
const SEGMENT_256 = 'c'.repeat(256);
const SLASHED_255 = `${'a/'.repeat(127)}a`; // 255 characters, first component 'a'
const SLASHED_257 = `${'a/'.repeat(128)}a`; // 257 characters
const LONG_DOMAIN = `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(60)}.example`;
const TAG_128 = `v${'1'.repeat(127)}`;
const TAG_129 = `v${'1'.repeat(128)}`;

export const validReferences: ValidReferenceVector[] = [
  // --- Docker Hub familiar names ---------------------------------------------------------------------
  {
    name: 'A bare official image gets docker.io, library/ and a default latest tag',
    input: 'httpd',
    expected: {
      domain: 'docker.io',
      path: 'library/httpd',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/httpd:latest',
    },
  },
  {
    name: 'An official image with a tag keeps that tag and gets no latest',
    input: 'nginx:1.26-alpine',
    expected: {
      domain: 'docker.io',
      path: 'library/nginx',
      tag: '1.26-alpine',
      digest: null,
      normalized: 'docker.io/library/nginx:1.26-alpine',
    },
  },
  {
    name: 'A two-component Docker Hub name is not given the library namespace',
    input: 'grafana/grafana:11.1.3',
    expected: {
      domain: 'docker.io',
      path: 'grafana/grafana',
      tag: '11.1.3',
      digest: null,
      normalized: 'docker.io/grafana/grafana:11.1.3',
    },
  },
  {
    name: 'A name that already says library/ is not given a second one',
    input: 'library/ubuntu',
    expected: {
      domain: 'docker.io',
      path: 'library/ubuntu',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/ubuntu:latest',
    },
  },
  {
    name: 'A three-component name without a dot, colon or localhost stays entirely on Docker Hub',
    input: 'foo/bar/baz',
    expected: {
      domain: 'docker.io',
      path: 'foo/bar/baz',
      tag: null,
      digest: null,
      normalized: 'docker.io/foo/bar/baz:latest',
    },
  },
  {
    name: 'A numeric namespace is a path, not a registry',
    input: '123/456:7',
    expected: {
      domain: 'docker.io',
      path: '123/456',
      tag: '7',
      digest: null,
      normalized: 'docker.io/123/456:7',
    },
  },
  {
    name: 'A single-character image name is valid',
    input: 'a',
    expected: {
      domain: 'docker.io',
      path: 'library/a',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/a:latest',
    },
  },
  {
    name: 'Single-character namespace and repository components are valid',
    input: 'jess/t',
    expected: {
      domain: 'docker.io',
      path: 'jess/t',
      tag: null,
      digest: null,
      normalized: 'docker.io/jess/t:latest',
    },
  },
  {
    name: 'A repository may itself be called library',
    input: 'docker.io/library/library',
    expected: {
      domain: 'docker.io',
      path: 'library/library',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/library:latest',
    },
  },
  {
    name: 'A Docker Hub namespace without a dot is a path even when it contains an underscore',
    input: 'test_com/foo',
    expected: {
      domain: 'docker.io',
      path: 'test_com/foo',
      tag: null,
      digest: null,
      normalized: 'docker.io/test_com/foo:latest',
    },
  },
  {
    name: 'A hyphenated first component without a dot or port is a Docker Hub namespace, not a host',
    input: 'my-registry/app:1.0',
    expected: {
      domain: 'docker.io',
      path: 'my-registry/app',
      tag: '1.0',
      digest: null,
      normalized: 'docker.io/my-registry/app:1.0',
    },
  },

  // --- docker.io and index.docker.io canonicalization --------------------------------------------------
  {
    name: 'An explicit docker.io single-component name still gets library/',
    input: 'docker.io/foo',
    expected: {
      domain: 'docker.io',
      path: 'library/foo',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/foo:latest',
    },
  },
  {
    name: 'An explicit docker.io library name is left as it is',
    input: 'docker.io/library/foo',
    expected: {
      domain: 'docker.io',
      path: 'library/foo',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/foo:latest',
    },
  },
  {
    name: 'A nested name under library is kept as written',
    input: 'docker.io/library/foo/bar',
    expected: {
      domain: 'docker.io',
      path: 'library/foo/bar',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/foo/bar:latest',
    },
  },
  {
    name: 'The Docker Hub digest example from the design table keeps only its digest',
    input: `docker.io/bitnami/redis@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'bitnami/redis',
      tag: null,
      digest: SHA256,
      normalized: `docker.io/bitnami/redis@${SHA256}`,
    },
  },
  {
    name: 'The legacy index.docker.io host becomes docker.io and a single component gets library/',
    input: 'index.docker.io/foo',
    expected: {
      domain: 'docker.io',
      path: 'library/foo',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/foo:latest',
    },
  },
  {
    name: 'The legacy index.docker.io host with an explicit library name and a tag',
    input: 'index.docker.io/library/debian:12',
    expected: {
      domain: 'docker.io',
      path: 'library/debian',
      tag: '12',
      digest: null,
      normalized: 'docker.io/library/debian:12',
    },
  },
  {
    name: 'The legacy index.docker.io host with a user namespace',
    input: 'index.docker.io/grafana/loki:3.0.0',
    expected: {
      domain: 'docker.io',
      path: 'grafana/loki',
      tag: '3.0.0',
      digest: null,
      normalized: 'docker.io/grafana/loki:3.0.0',
    },
  },
  {
    name: 'registry-1.docker.io is not canonicalized and its single component gets no library/',
    input: 'registry-1.docker.io/nginx',
    expected: {
      domain: 'registry-1.docker.io',
      path: 'nginx',
      tag: null,
      digest: null,
      normalized: 'registry-1.docker.io/nginx:latest',
    },
  },
  {
    name: 'An uppercase spelling of index.docker.io is not recognised as Docker Hub',
    input: 'INDEX.DOCKER.IO/foo',
    expected: {
      domain: 'INDEX.DOCKER.IO',
      path: 'foo',
      tag: null,
      digest: null,
      normalized: 'INDEX.DOCKER.IO/foo:latest',
    },
  },
  {
    name: 'An uppercase spelling of docker.io is a different registry and gets no library/',
    input: 'DOCKER.IO/nginx',
    expected: {
      domain: 'DOCKER.IO',
      path: 'nginx',
      tag: null,
      digest: null,
      normalized: 'DOCKER.IO/nginx:latest',
    },
  },
  {
    name: 'index.docker.io with a port is an ordinary registry, not Docker Hub',
    input: 'index.docker.io:443/nginx',
    expected: {
      domain: 'index.docker.io:443',
      path: 'nginx',
      tag: null,
      digest: null,
      normalized: 'index.docker.io:443/nginx:latest',
    },
  },
  {
    name: 'A bare docker.io is read as an official image named docker.io',
    input: 'docker.io',
    expected: {
      domain: 'docker.io',
      path: 'library/docker.io',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/docker.io:latest',
    },
  },
  {
    name: 'A bare index.docker.io is read as an official image named index.docker.io',
    input: 'index.docker.io',
    expected: {
      domain: 'docker.io',
      path: 'library/index.docker.io',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/index.docker.io:latest',
    },
  },

  // --- tags and digests --------------------------------------------------------------------------------
  {
    name: 'A tag and a digest together are both kept',
    input: `busybox:1.36@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: '1.36',
      digest: SHA256,
      normalized: `docker.io/library/busybox:1.36@${SHA256}`,
    },
  },
  {
    name: 'A digest without a tag gets no latest',
    input: `busybox@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: null,
      digest: SHA256,
      normalized: `docker.io/library/busybox@${SHA256}`,
    },
  },
  {
    name: 'An explicit latest tag is reported as written',
    input: 'busybox:latest',
    expected: {
      domain: 'docker.io',
      path: 'library/busybox',
      tag: 'latest',
      digest: null,
      normalized: 'docker.io/library/busybox:latest',
    },
  },
  {
    name: 'Tags may be uppercase',
    input: 'redis:LATEST',
    expected: {
      domain: 'docker.io',
      path: 'library/redis',
      tag: 'LATEST',
      digest: null,
      normalized: 'docker.io/library/redis:LATEST',
    },
  },
  {
    name: 'A mixed-case tag on a lowercase name is fine',
    input: 'lowercase:Uppercase',
    expected: {
      domain: 'docker.io',
      path: 'library/lowercase',
      tag: 'Uppercase',
      digest: null,
      normalized: 'docker.io/library/lowercase:Uppercase',
    },
  },
  {
    name: 'A tag may start with an underscore',
    input: 'redis:_private',
    expected: {
      domain: 'docker.io',
      path: 'library/redis',
      tag: '_private',
      digest: null,
      normalized: 'docker.io/library/redis:_private',
    },
  },
  {
    name: 'A one-character numeric tag is valid',
    input: 'redis:7',
    expected: {
      domain: 'docker.io',
      path: 'library/redis',
      tag: '7',
      digest: null,
      normalized: 'docker.io/library/redis:7',
    },
  },
  {
    name: 'A tag may contain dots and dashes, repeated, after its first character',
    input: 'redis:v1..2--rc__3',
    expected: {
      domain: 'docker.io',
      path: 'library/redis',
      tag: 'v1..2--rc__3',
      digest: null,
      normalized: 'docker.io/library/redis:v1..2--rc__3',
    },
  },
  {
    name: 'A tag of exactly 128 characters is accepted',
    input: `redis:${TAG_128}`,
    expected: {
      domain: 'docker.io',
      path: 'library/redis',
      tag: TAG_128,
      digest: null,
      normalized: `docker.io/library/redis:${TAG_128}`,
    },
  },
  {
    name: 'A tag that looks like a host name is just a tag',
    input: 'b.gcr.io/test.example.com/my-app:test.example.com',
    expected: {
      domain: 'b.gcr.io',
      path: 'test.example.com/my-app',
      tag: 'test.example.com',
      digest: null,
      normalized: 'b.gcr.io/test.example.com/my-app:test.example.com',
    },
  },
  {
    name: 'A sha384 digest of 96 hex characters is accepted',
    input: `alpine@${SHA384}`,
    expected: {
      domain: 'docker.io',
      path: 'library/alpine',
      tag: null,
      digest: SHA384,
      normalized: `docker.io/library/alpine@${SHA384}`,
    },
  },
  {
    name: 'A sha512 digest of 128 hex characters is accepted',
    input: `alpine@${SHA512}`,
    expected: {
      domain: 'docker.io',
      path: 'library/alpine',
      tag: null,
      digest: SHA512,
      normalized: `docker.io/library/alpine@${SHA512}`,
    },
  },
  {
    name: 'A punycode registry with a punycode-looking tag and a sha512 digest',
    input: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`,
    expected: {
      domain: 'xn--7o8h.com',
      path: 'myimage',
      tag: 'xn--7o8h.com',
      digest: SHA512,
      normalized: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`,
    },
  },
  {
    name: 'A tag and a digest on a Docker Hub name with an explicit registry',
    input: `docker.io/library/nginx:1.27@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'library/nginx',
      tag: '1.27',
      digest: SHA256,
      normalized: `docker.io/library/nginx:1.27@${SHA256}`,
    },
  },
  {
    name: 'A bare sha256:<hex> is an official image named sha256 whose tag is the hex',
    input: SHA256,
    expected: {
      domain: 'docker.io',
      path: 'library/sha256',
      tag: HEX64,
      digest: null,
      normalized: `docker.io/library/sha256:${HEX64}`,
    },
  },

  // --- localhost ---------------------------------------------------------------------------------------
  {
    name: 'localhost followed by a slash is a registry and the single component gets no library/',
    input: 'localhost/app',
    expected: {
      domain: 'localhost',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'localhost/app:latest',
    },
  },
  {
    name: 'localhost with a port is a registry',
    input: 'localhost:5000/app',
    expected: {
      domain: 'localhost:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'localhost:5000/app:latest',
    },
  },
  {
    name: 'localhost with a port, a nested path and a tag',
    input: 'localhost:5000/team/app:v2',
    expected: {
      domain: 'localhost:5000',
      path: 'team/app',
      tag: 'v2',
      digest: null,
      normalized: 'localhost:5000/team/app:v2',
    },
  },
  {
    name: 'A library namespace on localhost is kept and nothing is added',
    input: 'localhost/library/foo',
    expected: {
      domain: 'localhost',
      path: 'library/foo',
      tag: null,
      digest: null,
      normalized: 'localhost/library/foo:latest',
    },
  },
  {
    name: 'A bare localhost without a slash is an official Docker Hub image named localhost',
    input: 'localhost',
    expected: {
      domain: 'docker.io',
      path: 'library/localhost',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/localhost:latest',
    },
  },
  {
    name: 'A bare localhost:5000 without a slash is the Docker Hub image localhost tagged 5000',
    input: 'localhost:5000',
    expected: {
      domain: 'docker.io',
      path: 'library/localhost',
      tag: '5000',
      digest: null,
      normalized: 'docker.io/library/localhost:5000',
    },
  },
  {
    name: 'A bare localhost:5000 with a digest is the Docker Hub image localhost with tag and digest',
    input: `localhost:5000@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'library/localhost',
      tag: '5000',
      digest: SHA256,
      normalized: `docker.io/library/localhost:5000@${SHA256}`,
    },
  },
  {
    name: 'A bare localhost with a digest is the Docker Hub image localhost',
    input: `localhost@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: 'library/localhost',
      tag: null,
      digest: SHA256,
      normalized: `docker.io/library/localhost@${SHA256}`,
    },
  },
  {
    name: 'An uppercase LOCALHOST is a registry because its first component has uppercase letters',
    input: 'LOCALHOST/app',
    expected: {
      domain: 'LOCALHOST',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'LOCALHOST/app:latest',
    },
  },
  {
    name: 'A dotted localhost name with a port is a registry',
    input: 'localhost.localdomain:5000/app',
    expected: {
      domain: 'localhost.localdomain:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'localhost.localdomain:5000/app:latest',
    },
  },
  {
    name: 'A single-component name on localhost with a port gets no library/',
    input: 'localhost:5000/nginx:1.27',
    expected: {
      domain: 'localhost:5000',
      path: 'nginx',
      tag: '1.27',
      digest: null,
      normalized: 'localhost:5000/nginx:1.27',
    },
  },

  // --- domain detection --------------------------------------------------------------------------------
  {
    name: 'A first component with a dot is a registry',
    input: 'example.com/app',
    expected: {
      domain: 'example.com',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'example.com/app:latest',
    },
  },
  {
    name: 'A registry with a port, a path and a tag',
    input: 'example.com:8080/app:1.0',
    expected: {
      domain: 'example.com:8080',
      path: 'app',
      tag: '1.0',
      digest: null,
      normalized: 'example.com:8080/app:1.0',
    },
  },
  {
    name: 'A library namespace on another registry is kept and nothing is added',
    input: 'example.com/library/nginx',
    expected: {
      domain: 'example.com',
      path: 'library/nginx',
      tag: null,
      digest: null,
      normalized: 'example.com/library/nginx:latest',
    },
  },
  {
    name: 'A bare dotted name without a slash is an official Docker Hub image',
    input: 'example.com',
    expected: {
      domain: 'docker.io',
      path: 'library/example.com',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/example.com:latest',
    },
  },
  {
    name: 'A bare host:port without a slash is a Docker Hub image with the port as its tag',
    input: 'example.com:5000',
    expected: {
      domain: 'docker.io',
      path: 'library/example.com',
      tag: '5000',
      digest: null,
      normalized: 'docker.io/library/example.com:5000',
    },
  },
  {
    name: 'A bare dotted name with a port-like tag and no slash',
    input: 'foo.bar:5000',
    expected: {
      domain: 'docker.io',
      path: 'library/foo.bar',
      tag: '5000',
      digest: null,
      normalized: 'docker.io/library/foo.bar:5000',
    },
  },
  {
    name: 'A dotless host with a port is a registry because of the colon',
    input: 'registry:5000/app',
    expected: {
      domain: 'registry:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'registry:5000/app:latest',
    },
  },
  {
    name: 'A dotless hyphenated host with a port is a registry',
    input: 'test-com:8080/foo',
    expected: {
      domain: 'test-com:8080',
      path: 'foo',
      tag: null,
      digest: null,
      normalized: 'test-com:8080/foo:latest',
    },
  },
  {
    name: 'A hyphenated host name with a dot is a registry',
    input: 'my-registry.internal/team/app',
    expected: {
      domain: 'my-registry.internal',
      path: 'team/app',
      tag: null,
      digest: null,
      normalized: 'my-registry.internal/team/app:latest',
    },
  },
  {
    name: 'A host with several hyphenated labels and a deep path',
    input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    expected: {
      domain: 'sub-dom1.foo.com',
      path: 'bar/baz/quux',
      tag: 'some-long-tag',
      digest: null,
      normalized: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
    },
  },
  {
    name: 'A punycode host with doubled hyphens is a valid registry',
    input: 'xn--n3h.com/myimage:xn--n3h.com',
    expected: {
      domain: 'xn--n3h.com',
      path: 'myimage',
      tag: 'xn--n3h.com',
      digest: null,
      normalized: 'xn--n3h.com/myimage:xn--n3h.com',
    },
  },
  {
    name: 'A punycode host with a port',
    input: 'xn--n3h.com:18080/foo',
    expected: {
      domain: 'xn--n3h.com:18080',
      path: 'foo',
      tag: null,
      digest: null,
      normalized: 'xn--n3h.com:18080/foo:latest',
    },
  },
  {
    name: 'An uppercase first component is taken as a registry even without a dot',
    input: 'Docker/docker',
    expected: {
      domain: 'Docker',
      path: 'docker',
      tag: null,
      digest: null,
      normalized: 'Docker/docker:latest',
    },
  },
  {
    name: 'An all-uppercase first component is a registry and the tag may be mixed case',
    input: 'FOO/bar:Baz',
    expected: { domain: 'FOO', path: 'bar', tag: 'Baz', digest: null, normalized: 'FOO/bar:Baz' },
  },
  {
    name: 'Uppercase letters in a dotted host are fine and are not lowercased',
    input: 'Example.COM/team/app',
    expected: {
      domain: 'Example.COM',
      path: 'team/app',
      tag: null,
      digest: null,
      normalized: 'Example.COM/team/app:latest',
    },
  },
  {
    name: 'A mixed-case dotless host with a port',
    input: 'MyRegistry:5000/app',
    expected: {
      domain: 'MyRegistry:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'MyRegistry:5000/app:latest',
    },
  },
  {
    name: 'A port number is not range-checked',
    input: 'example.com:99999/app',
    expected: {
      domain: 'example.com:99999',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'example.com:99999/app:latest',
    },
  },
  {
    name: 'A port of zero is accepted by the grammar',
    input: 'example.com:0/app',
    expected: {
      domain: 'example.com:0',
      path: 'app',
      tag: null,
      digest: null,
      normalized: 'example.com:0/app:latest',
    },
  },
  {
    name: 'A registry host longer than 255 characters is fine because only the path is limited',
    input: `${LONG_DOMAIN}/app`,
    expected: {
      domain: LONG_DOMAIN,
      path: 'app',
      tag: null,
      digest: null,
      normalized: `${LONG_DOMAIN}/app:latest`,
    },
  },
  {
    name: 'Well-known registries: quay.io with a nested path and a tag',
    input: 'quay.io/prometheus/node-exporter:v1.8.2',
    expected: {
      domain: 'quay.io',
      path: 'prometheus/node-exporter',
      tag: 'v1.8.2',
      digest: null,
      normalized: 'quay.io/prometheus/node-exporter:v1.8.2',
    },
  },
  {
    name: 'Well-known registries: ghcr.io',
    input: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    expected: {
      domain: 'ghcr.io',
      path: 'fluxcd/source-controller',
      tag: 'v1.4.1',
      digest: null,
      normalized: 'ghcr.io/fluxcd/source-controller:v1.4.1',
    },
  },
  {
    name: 'Well-known registries: registry.k8s.io keeps a single component as is',
    input: 'registry.k8s.io/pause:3.10',
    expected: {
      domain: 'registry.k8s.io',
      path: 'pause',
      tag: '3.10',
      digest: null,
      normalized: 'registry.k8s.io/pause:3.10',
    },
  },
  {
    name: 'Well-known registries: gcr.io with a tag that is a word',
    input: 'gcr.io/distroless/static-debian12:nonroot',
    expected: {
      domain: 'gcr.io',
      path: 'distroless/static-debian12',
      tag: 'nonroot',
      digest: null,
      normalized: 'gcr.io/distroless/static-debian12:nonroot',
    },
  },

  // --- IPv4 and IPv6 -----------------------------------------------------------------------------------
  {
    name: 'An IPv4 address with a port is a registry',
    input: '127.0.0.1:5000/app',
    expected: {
      domain: '127.0.0.1:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '127.0.0.1:5000/app:latest',
    },
  },
  {
    name: 'An IPv4 address without a port is a registry',
    input: '192.168.1.1/app',
    expected: {
      domain: '192.168.1.1',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '192.168.1.1/app:latest',
    },
  },
  {
    name: 'An IPv4 registry with a nested path and a digest',
    input: `10.0.0.1:5000/team/app@${SHA256}`,
    expected: {
      domain: '10.0.0.1:5000',
      path: 'team/app',
      tag: null,
      digest: SHA256,
      normalized: `10.0.0.1:5000/team/app@${SHA256}`,
    },
  },
  {
    name: 'A bare IPv4 address without a slash is an official Docker Hub image',
    input: '192.168.1.1',
    expected: {
      domain: 'docker.io',
      path: 'library/192.168.1.1',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/192.168.1.1:latest',
    },
  },
  {
    name: 'A bare IPv4 address with a port and no slash is a Docker Hub image tagged with the port',
    input: '192.168.1.1:5000',
    expected: {
      domain: 'docker.io',
      path: 'library/192.168.1.1',
      tag: '5000',
      digest: null,
      normalized: 'docker.io/library/192.168.1.1:5000',
    },
  },
  {
    name: 'Out-of-range IPv4 octets are not checked: the host is just a dotted name',
    input: '999.999.999.999/app',
    expected: {
      domain: '999.999.999.999',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '999.999.999.999/app:latest',
    },
  },
  {
    name: 'An IPv6 loopback in brackets without a port is a registry',
    input: '[::1]/app',
    expected: { domain: '[::1]', path: 'app', tag: null, digest: null, normalized: '[::1]/app:latest' },
  },
  {
    name: 'An IPv6 loopback in brackets with a port is a registry',
    input: '[::1]:5000/app',
    expected: {
      domain: '[::1]:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '[::1]:5000/app:latest',
    },
  },
  {
    name: 'An IPv6 registry with a port, a nested path and a tag',
    input: '[2001:db8::1]:5000/team/app:v1',
    expected: {
      domain: '[2001:db8::1]:5000',
      path: 'team/app',
      tag: 'v1',
      digest: null,
      normalized: '[2001:db8::1]:5000/team/app:v1',
    },
  },
  {
    name: 'An IPv6 registry with both a tag and a digest',
    input: `[2001:db8::1]:5000/app:tag@${SHA256}`,
    expected: {
      domain: '[2001:db8::1]:5000',
      path: 'app',
      tag: 'tag',
      digest: SHA256,
      normalized: `[2001:db8::1]:5000/app:tag@${SHA256}`,
    },
  },
  {
    name: 'A fully written IPv6 address without a port',
    input: '[2001:db8:1:2:3:4:5:6]/repo:tag',
    expected: {
      domain: '[2001:db8:1:2:3:4:5:6]',
      path: 'repo',
      tag: 'tag',
      digest: null,
      normalized: '[2001:db8:1:2:3:4:5:6]/repo:tag',
    },
  },
  {
    name: 'An IPv6 registry keeps a library/ path as written and adds nothing',
    input: '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    expected: {
      domain: '[fc00:1:2:3:4:5:6:7]:5000',
      path: 'library/debian',
      tag: null,
      digest: null,
      normalized: '[fc00:1:2:3:4:5:6:7]:5000/library/debian:latest',
    },
  },
  {
    name: 'Uppercase hex digits inside IPv6 brackets are allowed',
    input: '[FE80::1]:5000/app',
    expected: {
      domain: '[FE80::1]:5000',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '[FE80::1]:5000/app:latest',
    },
  },
  {
    name: 'The unspecified IPv6 address in brackets is a registry',
    input: '[::]/app',
    expected: { domain: '[::]', path: 'app', tag: null, digest: null, normalized: '[::]/app:latest' },
  },
  {
    name: 'An IPv6 address ending in a double colon, with a port',
    input: '[2001:db8::]:5000/repo',
    expected: {
      domain: '[2001:db8::]:5000',
      path: 'repo',
      tag: null,
      digest: null,
      normalized: '[2001:db8::]:5000/repo:latest',
    },
  },
  {
    name: 'The bracket grammar does not check IPv6 shape or port range',
    input: '[fd00123123123]:75050/app',
    expected: {
      domain: '[fd00123123123]:75050',
      path: 'app',
      tag: null,
      digest: null,
      normalized: '[fd00123123123]:75050/app:latest',
    },
  },

  // --- separators in path components -------------------------------------------------------------------
  {
    name: 'A single dot between alphanumerics is a separator in a path component',
    input: 'foo/a.b',
    expected: {
      domain: 'docker.io',
      path: 'foo/a.b',
      tag: null,
      digest: null,
      normalized: 'docker.io/foo/a.b:latest',
    },
  },
  {
    name: 'A single underscore between alphanumerics is a separator',
    input: 'foo/a_b',
    expected: {
      domain: 'docker.io',
      path: 'foo/a_b',
      tag: null,
      digest: null,
      normalized: 'docker.io/foo/a_b:latest',
    },
  },
  {
    name: 'A double underscore is a separator',
    input: 'dock__er/docker',
    expected: {
      domain: 'docker.io',
      path: 'dock__er/docker',
      tag: null,
      digest: null,
      normalized: 'docker.io/dock__er/docker:latest',
    },
  },
  {
    name: 'Any run of dashes is a separator',
    input: 'docker---rules/docker',
    expected: {
      domain: 'docker.io',
      path: 'docker---rules/docker',
      tag: null,
      digest: null,
      normalized: 'docker.io/docker---rules/docker:latest',
    },
  },
  {
    name: 'A single-component official name may contain separators',
    input: 'ubuntu-12.04-base',
    expected: {
      domain: 'docker.io',
      path: 'library/ubuntu-12.04-base',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/ubuntu-12.04-base:latest',
    },
  },
  {
    name: 'Dashes, dots and double dashes mixed in one component on a registry',
    input: 'registry.io/foo/project--id.module--name.ver---sion--name',
    expected: {
      domain: 'registry.io',
      path: 'foo/project--id.module--name.ver---sion--name',
      tag: null,
      digest: null,
      normalized: 'registry.io/foo/project--id.module--name.ver---sion--name:latest',
    },
  },
  {
    name: 'Single and double underscores in one component on a registry',
    input: 'example.com/some_separator__underscore/myimage',
    expected: {
      domain: 'example.com',
      path: 'some_separator__underscore/myimage',
      tag: null,
      digest: null,
      normalized: 'example.com/some_separator__underscore/myimage:latest',
    },
  },
  {
    name: 'A path with many components is fine',
    input: 'example.com/a/b/c/d/e/f/g',
    expected: {
      domain: 'example.com',
      path: 'a/b/c/d/e/f/g',
      tag: null,
      digest: null,
      normalized: 'example.com/a/b/c/d/e/f/g:latest',
    },
  },
  {
    name: 'A dotted component after a Docker Hub namespace is a path, and a port-like suffix is a tag',
    input: 'foo/foo_bar.com:8080',
    expected: {
      domain: 'docker.io',
      path: 'foo/foo_bar.com',
      tag: '8080',
      digest: null,
      normalized: 'docker.io/foo/foo_bar.com:8080',
    },
  },
  {
    name: 'A bare underscore-and-dot name without a slash is an official image tagged with the number',
    input: 'foo_bar.com:8080',
    expected: {
      domain: 'docker.io',
      path: 'library/foo_bar.com',
      tag: '8080',
      digest: null,
      normalized: 'docker.io/library/foo_bar.com:8080',
    },
  },
  {
    name: 'A dotted first component that is not a valid host (underscore) ends up with an empty domain',
    input: 'foo_bar.com/baz',
    expected: {
      domain: '',
      path: 'foo_bar.com/baz',
      tag: null,
      digest: null,
      normalized: 'foo_bar.com/baz:latest',
    },
  },
  {
    name: 'An empty domain keeps the whole name, with its dotted first component, as the path',
    input: 'my_registry.local/team/app:1.0',
    expected: {
      domain: '',
      path: 'my_registry.local/team/app',
      tag: '1.0',
      digest: null,
      normalized: 'my_registry.local/team/app:1.0',
    },
  },

  // --- 64-hex identifiers ------------------------------------------------------------------------------
  {
    name: 'A 64-hex name with a tag is not an identifier and is an ordinary official image',
    input: `${HEX64}:latest`,
    expected: {
      domain: 'docker.io',
      path: `library/${HEX64}`,
      tag: 'latest',
      digest: null,
      normalized: `docker.io/library/${HEX64}:latest`,
    },
  },
  {
    name: 'A 64-hex name with an explicit docker.io registry is allowed',
    input: `docker.io/${HEX64}`,
    expected: {
      domain: 'docker.io',
      path: `library/${HEX64}`,
      tag: null,
      digest: null,
      normalized: `docker.io/library/${HEX64}:latest`,
    },
  },
  {
    name: 'A 64-hex name on another registry is allowed',
    input: `example.com/${HEX64}`,
    expected: {
      domain: 'example.com',
      path: HEX64,
      tag: null,
      digest: null,
      normalized: `example.com/${HEX64}:latest`,
    },
  },
  {
    name: 'A 64-hex repository under a Docker Hub namespace is allowed',
    input: `foo/${HEX64}`,
    expected: {
      domain: 'docker.io',
      path: `foo/${HEX64}`,
      tag: null,
      digest: null,
      normalized: `docker.io/foo/${HEX64}:latest`,
    },
  },
  {
    name: 'A 63-hex name is one short of an identifier and is an ordinary image',
    input: HEX63,
    expected: {
      domain: 'docker.io',
      path: `library/${HEX63}`,
      tag: null,
      digest: null,
      normalized: `docker.io/library/${HEX63}:latest`,
    },
  },
  {
    name: 'A 65-hex name is one more than an identifier and is an ordinary image',
    input: `${HEX64}0`,
    expected: {
      domain: 'docker.io',
      path: `library/${HEX64}0`,
      tag: null,
      digest: null,
      normalized: `docker.io/library/${HEX64}0:latest`,
    },
  },
  {
    name: 'A 64-hex name followed by a digest is not an identifier',
    input: `${HEX64}@${SHA256}`,
    expected: {
      domain: 'docker.io',
      path: `library/${HEX64}`,
      tag: null,
      digest: SHA256,
      normalized: `docker.io/library/${HEX64}@${SHA256}`,
    },
  },
  {
    name: 'A 64-character name that is not all hex is an ordinary image',
    input: 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    expected: {
      domain: 'docker.io',
      path: 'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      tag: null,
      digest: null,
      normalized: 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest',
    },
  },

  // --- length limit (path only, after library/ insertion) ----------------------------------------------
  {
    name: 'A 247-character official name is exactly 255 characters once library/ is added',
    input: NAME_247,
    expected: {
      domain: 'docker.io',
      path: `library/${NAME_247}`,
      tag: null,
      digest: null,
      normalized: `docker.io/library/${NAME_247}:latest`,
    },
  },
  {
    name: 'A 255-character namespaced Docker Hub path is at the limit and valid',
    input: `foo/${SEGMENT_251}`,
    expected: {
      domain: 'docker.io',
      path: `foo/${SEGMENT_251}`,
      tag: null,
      digest: null,
      normalized: `docker.io/foo/${SEGMENT_251}:latest`,
    },
  },
  {
    name: 'A 255-character path on a registry is valid although the whole string is longer',
    input: `example.com/${SEGMENT_255}`,
    expected: {
      domain: 'example.com',
      path: SEGMENT_255,
      tag: null,
      digest: null,
      normalized: `example.com/${SEGMENT_255}:latest`,
    },
  },
  {
    name: 'A 255-character path made of many one-letter components, with a tag, is valid',
    input: `${SLASHED_255}:tag-puts-this-over-max`,
    expected: {
      domain: 'docker.io',
      path: SLASHED_255,
      tag: 'tag-puts-this-over-max',
      digest: null,
      normalized: `docker.io/${SLASHED_255}:tag-puts-this-over-max`,
    },
  },
  {
    name: 'A path at the limit with a 128-character tag is valid because the tag does not count',
    input: `example.com/${SEGMENT_255}:${TAG_128}`,
    expected: {
      domain: 'example.com',
      path: SEGMENT_255,
      tag: TAG_128,
      digest: null,
      normalized: `example.com/${SEGMENT_255}:${TAG_128}`,
    },
  },
];

export const invalidReferences: InvalidReferenceVector[] = [
  // --- empty input and whitespace ----------------------------------------------------------------------
  {
    name: 'The empty string is not "at least one component": it becomes docker.io/library/ and fails the grammar',
    input: '',
    error: 'invalid reference format',
  },
  { name: 'A single space is invalid', input: ' ', error: 'invalid reference format' },
  { name: 'A leading space is invalid', input: ' httpd', error: 'invalid reference format' },
  { name: 'A trailing space is invalid', input: 'httpd ', error: 'invalid reference format' },
  { name: 'A space inside the name is invalid', input: 'ht tpd', error: 'invalid reference format' },
  { name: 'A trailing newline is invalid', input: 'httpd\n', error: 'invalid reference format' },
  { name: 'A leading tab is invalid', input: '\thttpd', error: 'invalid reference format' },
  {
    name: 'A space before the tag separator is invalid',
    input: 'nginx :latest',
    error: 'invalid reference format',
  },
  {
    name: 'An uppercase name with a trailing space reports the lowercase problem, space included',
    input: 'HTTPD ',
    error: 'invalid reference format: repository name (library/HTTPD ) must be lowercase',
  },

  // --- uppercase in the repository path ----------------------------------------------------------------
  {
    name: 'An uppercase official name is reported with the library/ prefix it was given',
    input: 'Httpd',
    error: 'invalid reference format: repository name (library/Httpd) must be lowercase',
  },
  {
    name: 'The reported name stops at the first colon, so the tag is not in the message',
    input: 'Httpd:Latest',
    error: 'invalid reference format: repository name (library/Httpd) must be lowercase',
  },
  {
    name: 'An uppercase single name with a tag fails on the name, not the tag',
    input: 'Uppercase:tag',
    error: 'invalid reference format: repository name (library/Uppercase) must be lowercase',
  },
  {
    name: 'Uppercase in the repository after a lowercase Docker Hub namespace',
    input: 'docker/Docker',
    error: 'invalid reference format: repository name (docker/Docker) must be lowercase',
  },
  {
    name: 'An uppercase first component becomes the registry and the uppercase rest is reported',
    input: 'Docker/Docker',
    error: 'invalid reference format: repository name (Docker) must be lowercase',
  },
  {
    name: 'Uppercase in the path on a dotted registry',
    input: 'example.com/Foo:tag',
    error: 'invalid reference format: repository name (Foo) must be lowercase',
  },
  {
    name: 'Uppercase in a nested path on a registry with a port',
    input: 'example.com:5000/team/App',
    error: 'invalid reference format: repository name (team/App) must be lowercase',
  },
  {
    name: 'Uppercase in an earlier component of a nested path with a tag',
    input: 'test:5000/Uppercase/lowercase:tag',
    error: 'invalid reference format: repository name (Uppercase/lowercase) must be lowercase',
  },
  {
    name: 'Uppercase after docker.io is reported with the inserted library/ prefix',
    input: 'docker.io/Foo',
    error: 'invalid reference format: repository name (library/Foo) must be lowercase',
  },
  {
    name: 'Uppercase after index.docker.io with a namespace',
    input: 'index.docker.io/Foo/bar',
    error: 'invalid reference format: repository name (Foo/bar) must be lowercase',
  },
  {
    name: 'Uppercase in the path on localhost',
    input: 'localhost/App',
    error: 'invalid reference format: repository name (App) must be lowercase',
  },
  {
    name: 'Uppercase in the path on an IPv6 registry',
    input: '[::1]:5000/App',
    error: 'invalid reference format: repository name (App) must be lowercase',
  },
  {
    name: 'A bare capitalised Localhost is an official image name and must be lowercase',
    input: 'Localhost',
    error: 'invalid reference format: repository name (library/Localhost) must be lowercase',
  },
  {
    name: 'A bare capitalised Localhost with a port is cut at the colon in the message',
    input: 'Localhost:5000',
    error: 'invalid reference format: repository name (library/Localhost) must be lowercase',
  },
  {
    name: 'An uppercase name with a digest and no tag is cut at the digest colon, so @sha256 is in the message',
    input: `Foo@${SHA256}`,
    error: 'invalid reference format: repository name (library/Foo@sha256) must be lowercase',
  },
  {
    name: 'An uppercase digest algorithm with no tag is reported as an uppercase repository name',
    input: `foo@SHA256:${HEX64}`,
    error: 'invalid reference format: repository name (library/foo@SHA256) must be lowercase',
  },
  {
    name: 'An uppercase digest algorithm on a registry with no tag is reported as an uppercase repository name',
    input: `example.com/app@SHA256:${HEX64}`,
    error: 'invalid reference format: repository name (app@SHA256) must be lowercase',
  },
  {
    name: 'A bare bracketed uppercase IPv6 address is cut at its first colon in the message',
    input: '[FC00::1]',
    error: 'invalid reference format: repository name (library/[FC00) must be lowercase',
  },
  {
    name: 'An uppercase scheme prefix makes the rest of the URL the reported repository name',
    input: 'HTTPS://Example.com/foo',
    error: 'invalid reference format: repository name (/Example.com/foo) must be lowercase',
  },
  {
    name: 'Uppercase 64-hex is not an identifier and fails as an uppercase name',
    input: HEX64_UPPER,
    error: `invalid reference format: repository name (library/${HEX64_UPPER}) must be lowercase`,
  },
  {
    name: 'The lowercase check runs before the tag is validated',
    input: 'Foo:-bad',
    error: 'invalid reference format: repository name (library/Foo) must be lowercase',
  },
  {
    name: 'The lowercase check runs before the digest is validated',
    input: `Foo:1@sha256:${HEX63}`,
    error: 'invalid reference format: repository name (library/Foo) must be lowercase',
  },
  {
    name: 'The lowercase check runs before the length check',
    input: `A${NAME_247}`,
    error: `invalid reference format: repository name (library/A${NAME_247}) must be lowercase`,
  },
  {
    name: 'A non-ASCII uppercase letter in the path is reported as an uppercase name',
    input: 'foo/\u00c9clair',
    error: 'invalid reference format: repository name (foo/\u00c9clair) must be lowercase',
  },
  {
    name: 'A non-ASCII uppercase official name is reported with library/',
    input: 'CAF\u00c9',
    error: 'invalid reference format: repository name (library/CAF\u00c9) must be lowercase',
  },
  {
    name: 'The Kelvin sign in a path lowercases to k, so the lowercase message names it',
    input: 'registry.example.com/\u212aube-proxy',
    error: 'invalid reference format: repository name (\u212aube-proxy) must be lowercase',
  },

  // --- the short "repository name must be lowercase" from the grammar check -------------------------------
  {
    name: 'An uppercase first component that is not a valid host but is a valid lowercased path gives the short message',
    input: 'Foo_bar/baz',
    error: 'repository name must be lowercase',
  },
  {
    name: 'An uppercase first component with a double underscore gives the short message',
    input: 'FOO__BAR/baz',
    error: 'repository name must be lowercase',
  },
  {
    name: 'An uppercase dotted host with an underscore is a valid path only when lowercased, so the short message',
    input: 'My_Registry.local/app',
    error: 'repository name must be lowercase',
  },
  {
    name: 'A Kelvin sign in the first component makes it a host that only the lowercased form can parse',
    input: '\u212aube/pause',
    error: 'repository name must be lowercase',
  },
  {
    name: 'A dotted capital I in a tag lowercases (Go rules) to an ASCII i, so the short message is returned',
    input: 'foo:\u0130',
    error: 'repository name must be lowercase',
  },
  {
    name: 'An uppercase first component with doubled dots stays invalid when lowercased',
    input: 'Foo..bar/baz',
    error: 'invalid reference format',
  },
  {
    name: 'An uppercase first component with a leading dash stays invalid when lowercased',
    input: '-Foo/bar',
    error: 'invalid reference format',
  },

  // --- unicode -----------------------------------------------------------------------------------------
  {
    name: 'A lowercase non-ASCII letter in an official name is outside the grammar',
    input: 'caf\u00e9',
    error: 'invalid reference format',
  },
  {
    name: 'A non-ASCII uppercase first component is taken as a host and fails the grammar',
    input: '\u00c9/foo',
    error: 'invalid reference format',
  },
  { name: 'An emoji image name is invalid', input: '\u{1f433}', error: 'invalid reference format' },
  {
    name: 'A non-ASCII letter in a tag is invalid',
    input: 'nginx:t\u00e5g',
    error: 'invalid reference format',
  },
  {
    name: 'A non-ASCII host name must be written in punycode',
    input: '\u2603.com/app',
    error: 'invalid reference format',
  },

  // --- 64-hex identifiers ------------------------------------------------------------------------------
  {
    name: 'A bare 64-character lowercase hex string is refused as an image identifier',
    input: HEX64,
    error: `invalid repository name (${HEX64}), cannot specify 64-byte hexadecimal strings`,
  },
  {
    name: 'A 64-character all-zero hex string is refused as an identifier too',
    input: '0'.repeat(64),
    error: `invalid repository name (${'0'.repeat(64)}), cannot specify 64-byte hexadecimal strings`,
  },

  // --- length limit ------------------------------------------------------------------------------------
  {
    name: 'A 248-character official name is 256 characters once library/ is added and is too long',
    input: NAME_248,
    error: 'repository name must not be more than 255 characters',
  },
  {
    name: 'A 256-character namespaced Docker Hub path is too long',
    input: `team/${SEGMENT_251}`,
    error: 'repository name must not be more than 255 characters',
  },
  {
    name: 'A 256-character path on a registry is too long',
    input: `example.com/${SEGMENT_256}`,
    error: 'repository name must not be more than 255 characters',
  },
  {
    name: 'A 257-character path of one-letter components is too long',
    input: `${SLASHED_257}:tag`,
    error: 'repository name must not be more than 255 characters',
  },
  {
    name: 'The length check runs before the digest is validated',
    input: `${NAME_248}@sha256:${HEX63}`,
    error: 'repository name must not be more than 255 characters',
  },
  {
    name: 'A bad tag on a too-long name fails the grammar first',
    input: `${NAME_248}:-bad`,
    error: 'invalid reference format',
  },
  {
    name: 'A 129-character tag fails the grammar even on a name at the length limit',
    input: `example.com/${SEGMENT_255}:${TAG_129}`,
    error: 'invalid reference format',
  },

  // --- separators --------------------------------------------------------------------------------------
  {
    name: 'Three underscores in a row are not a separator',
    input: 'a___b',
    error: 'invalid reference format',
  },
  {
    name: 'Three underscores in a row are invalid in a namespaced path too',
    input: 'foo/a___b',
    error: 'invalid reference format',
  },
  { name: 'Two dots in a row are not a separator', input: 'foo/a..b', error: 'invalid reference format' },
  {
    name: 'An underscore followed by a dot is not a separator',
    input: 'dock_.er/docker',
    error: 'invalid reference format',
  },
  {
    name: 'A dash followed by a dot is not a separator',
    input: 'dock-.er/docker',
    error: 'invalid reference format',
  },
  {
    name: 'A dash followed by an underscore is not a separator',
    input: 'foo/a-_b',
    error: 'invalid reference format',
  },
  { name: 'A component may not start with a dot', input: 'foo/.a', error: 'invalid reference format' },
  { name: 'A component may not end with a dot', input: 'foo/a.', error: 'invalid reference format' },
  { name: 'A component may not start with a dash', input: 'foo/-a', error: 'invalid reference format' },
  { name: 'A component may not end with a dash', input: 'foo/bar-', error: 'invalid reference format' },
  {
    name: 'A component may not start with an underscore',
    input: 'foo/_a',
    error: 'invalid reference format',
  },
  {
    name: 'A component may not end with an underscore',
    input: 'docker_/docker_',
    error: 'invalid reference format',
  },
  { name: 'A single name may not start with a dash', input: '-docker', error: 'invalid reference format' },
  {
    name: 'A namespace may not start with a dash',
    input: '-docker/docker',
    error: 'invalid reference format',
  },
  { name: 'A namespace may not end with a dash', input: 'docker-/docker', error: 'invalid reference format' },
  {
    name: 'A namespace may not be wrapped in dashes',
    input: '-docker-/docker',
    error: 'invalid reference format',
  },
  {
    name: 'Components made only of underscores are invalid',
    input: '____/____',
    error: 'invalid reference format',
  },
  {
    name: 'Components starting with underscores are invalid',
    input: '_docker/_docker',
    error: 'invalid reference format',
  },
  {
    name: 'A first component with doubled dots is taken as a host and is invalid',
    input: 'a..b/c',
    error: 'invalid reference format',
  },
  {
    name: 'A first component starting with a dot is taken as a host and is invalid',
    input: '.docker/docker',
    error: 'invalid reference format',
  },
  {
    name: 'A first component ending with a dot is taken as a host and is invalid',
    input: 'docker./docker',
    error: 'invalid reference format',
  },
  {
    name: 'Characters outside the grammar inside a path component are invalid',
    input: 'aa/asdf$$^/aa',
    error: 'invalid reference format',
  },

  // --- slashes -----------------------------------------------------------------------------------------
  {
    name: 'A trailing slash leaves an empty repository',
    input: 'docker/',
    error: 'invalid reference format',
  },
  {
    name: 'A registry with a port and a trailing slash has no repository',
    input: 'localhost:5000/',
    error: 'invalid reference format',
  },
  { name: 'A leading slash is invalid', input: '/foo', error: 'invalid reference format' },
  { name: 'A single slash is invalid', input: '/', error: 'invalid reference format' },
  { name: 'A double slash inside the path is invalid', input: 'foo//bar', error: 'invalid reference format' },
  {
    name: 'A triple slash inside the path is invalid',
    input: 'docker///docker',
    error: 'invalid reference format',
  },
  {
    name: 'A double slash after the registry is invalid',
    input: 'example.com//app',
    error: 'invalid reference format',
  },
  {
    name: 'A double slash deeper in a Docker Hub path is invalid',
    input: 'docker.io/docker///docker',
    error: 'invalid reference format',
  },
  {
    name: 'docker.io followed only by a slash is invalid',
    input: 'docker.io/',
    error: 'invalid reference format',
  },
  {
    name: 'docker.io/library/ with nothing after it is invalid',
    input: 'docker.io/library/',
    error: 'invalid reference format',
  },

  // --- URL schemes -------------------------------------------------------------------------------------
  {
    name: 'An https:// URL is not an image reference',
    input: 'https://github.com/docker/docker',
    error: 'invalid reference format',
  },
  {
    name: 'An http:// URL to a local registry is not an image reference',
    input: 'http://localhost:5000/app',
    error: 'invalid reference format',
  },
  {
    name: 'A docker:// transport prefix is not an image reference',
    input: 'docker://nginx',
    error: 'invalid reference format',
  },
  {
    name: 'An oci:// transport prefix is not an image reference',
    input: 'oci://example.com/app:1',
    error: 'invalid reference format',
  },

  // --- registry host errors ----------------------------------------------------------------------------
  { name: 'A port must be numeric', input: 'example.com:http/app', error: 'invalid reference format' },
  {
    name: 'A port separator needs digits after it',
    input: 'example.com:/app',
    error: 'invalid reference format',
  },
  {
    name: 'A host may not contain two ports',
    input: 'example.com:5000:6000/app',
    error: 'invalid reference format',
  },
  {
    name: 'A host label may not start with a dash',
    input: '-example.com/app',
    error: 'invalid reference format',
  },
  {
    name: 'A host label may not end with a dash',
    input: 'example-.com/app',
    error: 'invalid reference format',
  },
  {
    name: 'A host with an underscore and a port cannot be a path either, so it is invalid',
    input: 'foo_bar:5000/app',
    error: 'invalid reference format',
  },
  {
    name: 'A dotted host with an underscore and a port is invalid',
    input: 'foo_bar.com:8080/app',
    error: 'invalid reference format',
  },
  {
    name: 'A host with a double underscore and a port is invalid',
    input: 'do__cker:8080/docker',
    error: 'invalid reference format',
  },
  {
    name: 'An IPv6 address with a port must be in brackets',
    input: 'fc00::1:5000/debian',
    error: 'invalid reference format',
  },
  { name: 'An unbracketed IPv6 loopback is invalid', input: '::1/app', error: 'invalid reference format' },
  {
    name: 'An IPv6 zone identifier is not allowed',
    input: '[fe80::1%eth0]:5000/app',
    error: 'invalid reference format',
  },
  {
    name: 'An IPv6 address with an embedded IPv4 part is not allowed',
    input: '[2001:db8:3:4::192.0.2.33]:5000/debian',
    error: 'invalid reference format',
  },
  {
    name: 'Non-hex letters inside IPv6 brackets are invalid',
    input: '[zz::1]/app',
    error: 'invalid reference format',
  },
  {
    name: 'A port glued to the closing bracket without a colon is invalid',
    input: '[fd00:1:2::3]75050/app',
    error: 'invalid reference format',
  },
  {
    name: 'A double colon between the bracket and the port is invalid',
    input: '[::1]::5000/app',
    error: 'invalid reference format',
  },
  {
    name: 'A bare bracketed IPv6 address without a slash is an invalid official name',
    input: '[::1]',
    error: 'invalid reference format',
  },
  {
    name: 'A bare bracketed IPv6 address with a port and no slash is invalid',
    input: '[2001:db8::1]:5000',
    error: 'invalid reference format',
  },
  {
    name: 'A bare bracketed IPv6 address with a tag and no slash is invalid',
    input: '[2001:db8::1]:tag',
    error: 'invalid reference format',
  },

  // --- tags --------------------------------------------------------------------------------------------
  {
    name: 'A 129-character tag is one too many',
    input: `redis:${TAG_129}`,
    error: 'invalid reference format',
  },
  { name: 'A tag may not start with a dot', input: 'redis:.hidden', error: 'invalid reference format' },
  { name: 'A tag may not start with a dash', input: 'redis:-rc', error: 'invalid reference format' },
  { name: 'An empty tag after the colon is invalid', input: 'redis:', error: 'invalid reference format' },
  {
    name: 'A plus sign is not allowed in a tag',
    input: 'redis:1.0+build',
    error: 'invalid reference format',
  },
  { name: 'A tag may not contain a colon', input: 'redis:a:b', error: 'invalid reference format' },
  { name: 'A tilde is not allowed in a tag', input: 'redis:invalid~tag', error: 'invalid reference format' },
  { name: 'A tag without a name is invalid', input: ':justtag', error: 'invalid reference format' },
  {
    name: 'A slash after a tag turns the first component into a host with a non-numeric port',
    input: 'redis:tag/more',
    error: 'invalid reference format',
  },
  {
    name: 'An empty tag between the colon and the digest is invalid',
    input: `redis:@${SHA256}`,
    error: 'invalid reference format',
  },

  // --- digests: grammar failures -----------------------------------------------------------------------
  { name: 'A digest without a name is invalid', input: `@${SHA256}`, error: 'invalid reference format' },
  { name: 'An at sign with nothing after it is invalid', input: 'foo@', error: 'invalid reference format' },
  {
    name: 'A digest algorithm without a value is invalid',
    input: 'foo@sha256',
    error: 'invalid reference format',
  },
  {
    name: 'A digest with an empty value is invalid',
    input: 'foo@sha256:',
    error: 'invalid reference format',
  },
  {
    name: 'A digest value shorter than 32 hex characters fails the grammar, not the length check',
    input: 'foo@sha256:0123456789abcdef0123456789abcde',
    error: 'invalid reference format',
  },
  {
    name: 'A non-hex character in the digest value fails the grammar',
    input: `foo@sha256:${HEX63}g`,
    error: 'invalid reference format',
  },
  {
    name: 'A digest algorithm must start with a letter',
    input: `foo@1sha:${HEX64}`,
    error: 'invalid reference format',
  },
  {
    name: 'A digest algorithm may not end with a separator',
    input: `foo@sha256-:${HEX64}`,
    error: 'invalid reference format',
  },
  {
    name: 'A digest algorithm may not start with a separator',
    input: `foo@-sha256:${HEX64}`,
    error: 'invalid reference format',
  },
  {
    name: 'Each part of a digest algorithm after a separator must start with a letter',
    input: `foo@sha_256:${HEX64}`,
    error: 'invalid reference format',
  },
  { name: 'Two digests are invalid', input: `foo@${SHA256}@${SHA256}`, error: 'invalid reference format' },
  {
    name: 'A tag after the digest is invalid',
    input: `foo@${SHA256}:tag`,
    error: 'invalid reference format',
  },

  // --- digests: go-digest validation -------------------------------------------------------------------
  {
    name: 'A sha256 digest of exactly 32 hex characters passes the grammar but has the wrong length',
    input: `foo@sha256:${HEX32}`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha256 digest of 34 hex characters has the wrong length',
    input: 'repo@sha256:ffffffffffffffffffffffffffffffffff',
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha256 digest of 63 hex characters has the wrong length',
    input: `foo@sha256:${HEX63}`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha256 digest of 65 hex characters has the wrong length',
    input: `foo@sha256:${HEX64}0`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha256 digest with a 128-character value (a sha512 length) has the wrong length',
    input: `foo:1@sha256:${HEX128}`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha384 digest with 64 hex characters has the wrong length',
    input: `foo@sha384:${HEX64}`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'A sha512 digest with 64 hex characters has the wrong length',
    input: `foo@sha512:${HEX64}`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'An uppercase sha256 value of the right length is a format error',
    input: `foo@sha256:${HEX64_UPPER}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'An uppercase sha256 value after a tag is a format error',
    input: `foo:1.0@sha256:${HEX64_UPPER}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'An uppercase sha384 value of the right length is a format error',
    input: `foo@sha384:${HEX96_UPPER}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'An uppercase sha512 value of the right length is a format error',
    input: `foo@sha512:${HEX128_UPPER}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'A wrong-length uppercase value reports the length first',
    input: `foo@sha256:${HEX64_UPPER}A`,
    error: 'invalid checksum digest length',
  },
  {
    name: 'An uppercase algorithm after a tag reaches go-digest and is a format error',
    input: `foo:tag@SHA256:${HEX64}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'A capitalised unsupported algorithm after a tag is a format error, not unsupported',
    input: `foo:tag@MD5:${HEX32}`,
    error: 'invalid checksum digest format',
  },
  {
    name: 'md5 with 32 hex characters is a well-formed but unsupported algorithm',
    input: `foo@md5:${HEX32}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'sha1 is not a supported digest algorithm',
    input: `foo@sha1:${HEX40}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'An unknown algorithm name is unsupported',
    input: `validname@invaliddigest:${HEX64}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'blake3 is not registered in go-digest v1.0.0 and is unsupported',
    input: `foo@blake3:${HEX64}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'A composite algorithm with a plus sign is unsupported',
    input: `foo@sha256+b64:${HEX64}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'An algorithm with an underscore part that starts with a letter is unsupported',
    input: `foo@sha256_x:${HEX64}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'An unsupported algorithm with an uppercase value is still just unsupported',
    input: `foo@md5:${HEX64_UPPER}`,
    error: 'unsupported digest algorithm',
  },
  {
    name: 'An unsupported algorithm on a registry image with a tag',
    input: `example.com/app:1@md5:${HEX32}`,
    error: 'unsupported digest algorithm',
  },
];
