import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig, probeOf, proxyHostOf } from '../../src/config/config.js';

const PROXY_FORMAT =
  'must be host[:port] (a cache serving its upstream at the root) or host[:port]/path (e.g. harbor.example.com/proxy_cache): no scheme, a host with a dot or a port (or localhost), a lowercase path';

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('good configuration files', () => {
  const cases: { name: string; text: string; expected: unknown }[] = [
    { name: 'an empty file means the embedded default', text: '', expected: DEFAULT_CONFIG },
    { name: 'a comment-only file means the embedded default', text: '# nothing\n', expected: DEFAULT_CONFIG },
    {
      name: 'a mode alone keeps the default rule and secret',
      text: 'mode: audit\n',
      expected: { ...DEFAULT_CONFIG, mode: 'audit' },
    },
    {
      name: 'several registries, per-rule secrets, exclusions by image and owner',
      text: `
rules:
  - registry: docker.io
    proxy: harbor.example.com/dockerhub
  - registry: ghcr.io
    proxy: harbor.example.com/ghcr
    pullSecrets: [regcred-ghcr]
  - registry: localhost:5000
    proxy: "[::1]:8443/local"
exclude:
  images: ["docker.io/library/postgres", "*/cloudnative-pg/*"]
  owners:
    - apiGroup: postgresql.cnpg.io
      kind: Cluster
    - kind: ReplicationController
pullSecrets: [regcred-harbor, other]
`,
      expected: {
        mode: 'enforce',
        rules: [
          { registry: 'docker.io', proxy: 'harbor.example.com/dockerhub', pullSecrets: undefined },
          { registry: 'ghcr.io', proxy: 'harbor.example.com/ghcr', pullSecrets: ['regcred-ghcr'] },
          { registry: 'localhost:5000', proxy: '[::1]:8443/local', pullSecrets: undefined },
        ],
        exclude: {
          images: ['docker.io/library/postgres', '*/cloudnative-pg/*'],
          owners: [
            { apiGroup: 'postgresql.cnpg.io', kind: 'Cluster' },
            { apiGroup: '', kind: 'ReplicationController' },
          ],
        },
        pullSecrets: ['regcred-harbor', 'other'],
        health: DEFAULT_CONFIG.health,
        verify: DEFAULT_CONFIG.verify,
      },
    },
    {
      name: 'index.docker.io is the same registry as docker.io',
      text: 'rules: [{registry: index.docker.io, proxy: harbor.local/dh}]\n',
      expected: {
        ...DEFAULT_CONFIG,
        rules: [{ registry: 'docker.io', proxy: 'harbor.local/dh', pullSecrets: undefined }],
      },
    },
    {
      name: 'health probing and verification are off in the embedded default',
      text: '',
      expected: expect.objectContaining({
        health: {
          enabled: false,
          intervalSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 3,
          successThreshold: 1,
        },
        verify: {
          enabled: false,
          credentialsSecret: undefined,
          credentialsFile: undefined,
          ttlSeconds: 300,
          budgetMilliseconds: 300,
          caFile: undefined,
          insecureSkipVerify: false,
        },
      }),
    },
    {
      name: 'a health block keeps the defaults it does not set',
      text: 'health: {enabled: true, intervalSeconds: 0.5, failureThreshold: 2}\n',
      expected: {
        ...DEFAULT_CONFIG,
        health: {
          enabled: true,
          intervalSeconds: 0.5,
          timeoutSeconds: 2,
          failureThreshold: 2,
          successThreshold: 1,
        },
      },
    },
    {
      name: 'per-rule probes: a Harbor health URL with a CA, a plain-HTTP registry, a default URL',
      text: `
rules:
  - registry: docker.io
    proxy: harbor.example.com/dockerhub
    probe: {url: "https://harbor.example.com/api/v2.0/health", caFile: /etc/pullthrough/ca.crt}
  - registry: ghcr.io
    proxy: harbor.example.com/ghcr
  - registry: quay.io
    proxy: "127.0.0.1:5000/quay"
    probe: {url: "http://127.0.0.1:5000/v2/"}
  - registry: registry.k8s.io
    proxy: "[::1]:8443/k8s"
    probe: {insecureSkipVerify: true}
health: {enabled: true}
`,
      expected: {
        ...DEFAULT_CONFIG,
        rules: [
          {
            registry: 'docker.io',
            proxy: 'harbor.example.com/dockerhub',
            pullSecrets: undefined,
            probe: {
              url: 'https://harbor.example.com/api/v2.0/health',
              caFile: '/etc/pullthrough/ca.crt',
              insecureSkipVerify: false,
            },
          },
          { registry: 'ghcr.io', proxy: 'harbor.example.com/ghcr', pullSecrets: undefined },
          {
            registry: 'quay.io',
            proxy: '127.0.0.1:5000/quay',
            pullSecrets: undefined,
            probe: { url: 'http://127.0.0.1:5000/v2/', caFile: undefined, insecureSkipVerify: false },
          },
          {
            registry: 'registry.k8s.io',
            proxy: '[::1]:8443/k8s',
            pullSecrets: undefined,
            probe: { url: 'https://[::1]:8443/v2/', caFile: undefined, insecureSkipVerify: true },
          },
        ],
        health: { ...DEFAULT_CONFIG.health, enabled: true },
      },
    },
    {
      name: 'two rules of one proxy host may repeat the same probe',
      text: `
rules:
  - {registry: docker.io, proxy: h.local/a, probe: {url: "https://h.local/api/v2.0/health"}}
  - {registry: quay.io, proxy: h.local/b, probe: {url: "https://h.local/api/v2.0/health"}}
`,
      expected: expect.objectContaining({
        rules: [
          expect.objectContaining({
            probe: expect.objectContaining({ url: 'https://h.local/api/v2.0/health' }),
          }),
          expect.objectContaining({
            probe: expect.objectContaining({ url: 'https://h.local/api/v2.0/health' }),
          }),
        ],
      }),
    },
    {
      name: 'verification with a mounted credentials file and its own CA',
      text: `
verify:
  enabled: true
  credentialsFile: /var/run/pullthrough/registry/.dockerconfigjson
  ttlSeconds: 60
  budgetMilliseconds: 250
  caFile: /etc/pullthrough/harbor-ca.crt
`,
      expected: {
        ...DEFAULT_CONFIG,
        verify: {
          enabled: true,
          credentialsSecret: undefined,
          credentialsFile: '/var/run/pullthrough/registry/.dockerconfigjson',
          ttlSeconds: 60,
          budgetMilliseconds: 250,
          caFile: '/etc/pullthrough/harbor-ca.crt',
          insecureSkipVerify: false,
        },
      },
    },
    {
      name: 'verification with credentials from a named Secret',
      text: 'verify: {enabled: true, credentialsSecret: {namespace: pullthrough, name: regcred-harbor}}\n',
      expected: {
        ...DEFAULT_CONFIG,
        verify: {
          ...DEFAULT_CONFIG.verify,
          enabled: true,
          credentialsSecret: { namespace: 'pullthrough', name: 'regcred-harbor' },
        },
      },
    },
  ];
  it.each(cases)('$name', ({ text, expected }) => {
    expect(parseConfig(text, 'test.yaml')).toEqual(expected);
  });

  it('gives every proxy host one probe: the configured one, else https://<host>/v2/', () => {
    const config = parseConfig(
      `rules:
  - {registry: docker.io, proxy: h.local/a}
  - {registry: quay.io, proxy: h.local/b, probe: {url: "https://h.local/api/v2.0/health"}}
  - {registry: ghcr.io, proxy: "other.local:8443/ghcr"}
`,
      'test.yaml',
    );
    expect(probeOf(config, proxyHostOf(config.rules[0]!.proxy!)).url).toBe('https://h.local/api/v2.0/health');
    expect(probeOf(config, proxyHostOf(config.rules[2]!.proxy!))).toEqual({
      url: 'https://other.local:8443/v2/',
      caFile: undefined,
      insecureSkipVerify: false,
    });
  });

  it('returns a frozen configuration', () => {
    const config = parseConfig('rules: [{registry: quay.io, proxy: harbor.local/quay}]\n', 'test.yaml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.pullSecrets)).toBe(true);
    expect(Object.isFrozen(config.health)).toBe(true);
    expect(Object.isFrozen(config.verify)).toBe(true);
    const probed = parseConfig('rules: [{registry: quay.io, proxy: h.local/q, probe: {}}]\n', 'test.yaml');
    expect(Object.isFrozen(probed.rules[0]!.probe)).toBe(true);
  });
});

describe('bad configuration files are rejected with every problem by path', () => {
  const cases: { name: string; text: string; issues: string[] }[] = [
    {
      name: 'YAML that does not parse',
      text: 'rules: [\n',
      issues: [expect.stringMatching(/^: Flow sequence .* at line 2, column 1$/)],
    },
    { name: 'a document that is a list', text: '- a\n', issues: [': must be a mapping, got a list'] },
    {
      name: 'a misspelt key',
      text: 'pullSecret: [x]\n',
      issues: [
        'pullSecret: unknown key (expected one of: mode, rules, exclude, pullSecrets, health, verify)',
      ],
    },
    {
      name: 'an unknown mode',
      text: 'mode: dry-run\n',
      issues: ['mode: must be one of enforce, audit, got string "dry-run"'],
    },
    { name: 'an empty rule list', text: 'rules: []\n', issues: ['rules: must list at least 1 item'] },
    {
      name: 'a rule without proxy and with a registry that is not a host',
      text: 'rules: [{registry: dockerhub}]\n',
      issues: [
        'rules[0]: needs one of: proxy, proxies',
        'rules[0].registry: "dockerhub" is not a registry host (expected a host name with a dot or a port, localhost, or an IP, e.g. docker.io, quay.io, localhost:5000)',
      ],
    },
    {
      name: 'a proxy with a scheme, one with a dotless host, one with uppercase',
      text: `rules:
  - {registry: docker.io, proxy: "https://harbor.local/dh"}
  - {registry: quay.io, proxy: harbor/quay}
  - {registry: ghcr.io, proxy: harbor.local/GHCR}
`,
      issues: [
        `rules[0].proxy: "https://harbor.local/dh" ${PROXY_FORMAT}`,
        `rules[1].proxy: "harbor/quay" ${PROXY_FORMAT}`,
        `rules[2].proxy: "harbor.local/GHCR" ${PROXY_FORMAT}`,
      ],
    },
    {
      name: 'two rules for one registry',
      text: 'rules: [{registry: docker.io, proxy: a.local/x}, {registry: index.docker.io, proxy: b.local/y}]\n',
      issues: [
        'rules[1].registry: this rule can never apply: rules[0] already takes every docker.io image (it has no match); put narrower rules first',
      ],
    },
    {
      name: 'bad and duplicate secret names',
      text: 'pullSecrets: [Regcred, ok, ok, ""]\n',
      issues: [
        'pullSecrets[0]: "Regcred" is not a valid Secret name (lowercase RFC 1123 subdomain)',
        'pullSecrets[2]: "ok" is listed twice',
        'pullSecrets[3]: must be a non-empty string, got string ""',
      ],
    },
    {
      name: 'an exclusion without a registry, an owner without kind, an unknown exclusion key',
      text: 'exclude: {images: [postgres], owners: [{apiGroup: apps}], labels: []}\n',
      issues: [
        'exclude.images[0]: "postgres" must start with a registry: patterns match normalized references such as docker.io/library/postgres:16',
        'exclude.owners[0].kind: must be a non-empty string, got nothing',
        'exclude.labels: unknown key (expected one of: images, owners)',
      ],
    },
    {
      name: 'a health block with wrong types, bounds and an unknown key',
      text: `health:
  enabled: "yes"
  intervalSeconds: 0
  timeoutSeconds: 120
  failureThreshold: 1.5
  successThreshold: -1
  periodSeconds: 5
`,
      issues: [
        'health.enabled: must be true or false, got string "yes"',
        'health.intervalSeconds: must be a number from 0.05 to 3600, got number 0',
        'health.timeoutSeconds: must be a number from 0.05 to 60, got number 120',
        'health.failureThreshold: must be an integer from 1 to 100, got number 1.5',
        'health.successThreshold: must be an integer from 1 to 100, got number -1',
        'health.periodSeconds: unknown key (expected one of: enabled, intervalSeconds, timeoutSeconds, failureThreshold, successThreshold)',
      ],
    },
    {
      name: 'a health block that is a list',
      text: 'health: []\n',
      issues: ['health: must be a mapping, got a list'],
    },
    {
      name: 'probes with a bad URL, a scheme that is not HTTP, credentials, an unknown key',
      text: `rules:
  - {registry: docker.io, proxy: a.local/x, probe: {url: "not a url"}}
  - {registry: quay.io, proxy: b.local/x, probe: {url: "ftp://b.local/v2/"}}
  - {registry: ghcr.io, proxy: c.local/x, probe: {url: "https://user:secret@c.local/v2/"}}
  - {registry: gcr.io, proxy: d.local/x, probe: {path: /v2/, insecureSkipVerify: 1, caFile: ""}}
`,
      issues: [
        'rules[0].probe.url: "not a url" must be an https:// or http:// URL (e.g. https://harbor.example.com/api/v2.0/health)',
        'rules[1].probe.url: "ftp://b.local/v2/" must be an https:// or http:// URL (e.g. https://harbor.example.com/api/v2.0/health)',
        'rules[2].probe.url: must not carry credentials',
        'rules[3].probe.path: unknown key (expected one of: url, caFile, insecureSkipVerify)',
        'rules[3].probe.insecureSkipVerify: must be true or false, got number 1',
        'rules[3].probe.caFile: must be a non-empty string, got string ""',
      ],
    },
    {
      name: 'two rules of one proxy host with different probes',
      text: `rules:
  - {registry: docker.io, proxy: h.local/a, probe: {url: "https://h.local/v2/"}}
  - {registry: quay.io, proxy: h.local/b}
  - {registry: ghcr.io, proxy: h.local/c, probe: {url: "https://h.local/api/v2.0/health"}}
`,
      issues: [
        'rules[2].probe: differs from rules[0].probe for the same proxy host h.local; rules that share a host share one probe',
      ],
    },
    {
      name: 'a verify block with both credential sources, bad names and bounds',
      text: `verify:
  enabled: true
  credentialsSecret: {namespace: Pullthrough, name: "regcred_harbor"}
  credentialsFile: /run/secret/.dockerconfigjson
  ttlSeconds: 0
  budgetMilliseconds: 60000
  insecure: true
`,
      issues: [
        'verify: set credentialsSecret or credentialsFile, not both',
        'verify.credentialsSecret.namespace: "Pullthrough" is not a valid namespace (lowercase RFC 1123 label)',
        'verify.credentialsSecret.name: "regcred_harbor" is not a valid Secret name (lowercase RFC 1123 subdomain)',
        'verify.ttlSeconds: must be a number from 1 to 86400, got number 0',
        'verify.budgetMilliseconds: must be an integer from 1 to 10000, got number 60000',
        'verify.insecure: unknown key (expected one of: enabled, credentialsSecret, credentialsFile, ttlSeconds, budgetMilliseconds, caFile, insecureSkipVerify)',
      ],
    },
    {
      name: 'a credentials Secret without a namespace and with a bad name',
      text: 'verify: {credentialsSecret: {name: "Reg Cred"}}\n',
      issues: [
        'verify.credentialsSecret.name: "Reg Cred" is not a valid Secret name (lowercase RFC 1123 subdomain)',
        'verify.credentialsSecret.namespace: must be a non-empty string, got nothing',
      ],
    },
    {
      name: 'a duplicated key',
      text: 'mode: audit\nmode: enforce\n',
      issues: [expect.stringContaining('Map keys must be unique')],
    },
  ];
  it.each(cases)('$name', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });

  it('names the file and lists each issue in the error message', () => {
    expect(() => parseConfig('mode: x\nrules: 3\n', '/etc/pullthrough/config.yaml')).toThrow(
      'invalid configuration in /etc/pullthrough/config.yaml:\n  - mode: must be one of enforce, audit, got string "x"\n  - rules: must be a list, got number 3',
    );
  });
});

describe('rule targets: root-mounted caches, routing, failover, a stripped namespace', () => {
  it('reads every target shape and keeps rule order', () => {
    const config = parseConfig(
      `rules:
  - {registry: docker.io, match: ["docker.io/bitnami/*"], proxy: harbor.example.com/bitnami_cache}
  - {registry: docker.io, proxies: [harbor.example.com/proxy_cache, "mirror.local:5000"]}
  - {registry: ghcr.io, proxy: "ghcr-mirror.local", stripPrefix: acme/, match: ["ghcr.io/acme/*"]}
`,
      'test.yaml',
    );
    expect(config.rules).toEqual([
      { registry: 'docker.io', match: ['docker.io/bitnami/*'], proxy: 'harbor.example.com/bitnami_cache' },
      { registry: 'docker.io', proxies: ['harbor.example.com/proxy_cache', 'mirror.local:5000'] },
      { registry: 'ghcr.io', proxy: 'ghcr-mirror.local', stripPrefix: 'acme/', match: ['ghcr.io/acme/*'] },
    ]);
  });

  it('normalizes a proxy written with index.docker.io to docker.io, as images are parsed', () => {
    const config = parseConfig(
      'rules: [{registry: quay.io, proxy: index.docker.io/mirror}, {registry: ghcr.io, proxies: [index.docker.io/ghcr]}]\n',
      'test.yaml',
    );
    expect(config.rules.map((rule) => rule.proxy ?? rule.proxies)).toEqual([
      'docker.io/mirror',
      ['docker.io/ghcr'],
    ]);
  });

  it('gives the probe of a root-mounted cache its host', () => {
    const config = parseConfig(
      'rules: [{registry: docker.io, proxy: "mirror.local:5000", probe: {}}]\n',
      'x',
    );
    expect(probeOf(config, 'mirror.local:5000').url).toBe('https://mirror.local:5000/v2/');
  });

  const bad: { name: string; text: string; issues: string[] }[] = [
    {
      name: 'a registry with uppercase letters never matches, so it is rejected with the fix',
      text: 'rules: [{registry: Docker.IO, proxy: harbor.local/dh}]\n',
      issues: [
        'rules[0].registry: "Docker.IO" must be lowercase: rules match the registry as images are normalized (e.g. docker.io), so this rule would never apply; write "docker.io"',
      ],
    },
    {
      name: 'proxy and proxies together',
      text: 'rules: [{registry: docker.io, proxy: a.local/x, proxies: [b.local/y]}]\n',
      issues: ['rules[0]: set only one of: proxy, proxies'],
    },
    {
      name: 'an empty failover list, a repeated target, a target with a scheme',
      text: `rules:
  - {registry: docker.io, proxies: []}
  - {registry: quay.io, proxies: [a.local/q, a.local/q]}
  - {registry: ghcr.io, proxies: ["https://a.local/g"]}
`,
      issues: [
        'rules[0].proxies: must list at least 1 item',
        'rules[1].proxies[1]: "a.local/q" is listed twice',
        `rules[2].proxies[0]: "https://a.local/g" ${PROXY_FORMAT}`,
      ],
    },
    {
      name: 'a rule with the same globs as an earlier one for the registry',
      text: `rules:
  - {registry: docker.io, match: ["docker.io/bitnami/*"], proxy: a.local/b}
  - {registry: docker.io, match: ["docker.io/bitnami/*"], proxy: a.local/c}
  - {registry: docker.io, proxy: a.local/d}
`,
      issues: [
        'rules[1].registry: this rule can never apply: rules[0] already matches every repository this rule matches',
      ],
    },
    {
      name: 'a narrowed rule after the catch-all of its registry',
      text: `rules:
  - {registry: docker.io, proxy: a.local/d}
  - {registry: docker.io, match: ["docker.io/bitnami/*"], proxy: a.local/b}
`,
      issues: [
        'rules[1].registry: this rule can never apply: rules[0] already takes every docker.io image (it has no match); put narrower rules first',
      ],
    },
    {
      name: 'a match glob for another registry, and one without the registry',
      text: 'rules: [{registry: docker.io, match: ["quay.io/x/*", "bitnami/*", "*/bitnami/*", "docker.io/*"], proxy: a.local/b}]\n',
      issues: [
        'rules[0].match[0]: "quay.io/x/*" can never match: this rule only sees docker.io images, and match globs are over the normalized repository, e.g. docker.io/team/app',
        'rules[0].match[1]: "bitnami/*" can never match: this rule only sees docker.io images, and match globs are over the normalized repository, e.g. docker.io/team/app',
      ],
    },
    {
      name: 'proxies of two registries that overlap',
      text: `rules:
  - {registry: docker.io, proxy: h.local/a}
  - {registry: quay.io, proxy: h.local/a/quay}
  - {registry: ghcr.io, proxy: "m.local:5000"}
  - {registry: gcr.io, proxies: [h.local/gcr, "m.local:5000/gcr"]}
`,
      issues: [
        'rules[1].proxy: "h.local/a/quay" overlaps "h.local/a" (rules[0], docker.io): one proxy path cannot hold the images of two upstream registries',
        'rules[3].proxies[1]: "m.local:5000/gcr" overlaps "m.local:5000" (rules[2], ghcr.io): one proxy path cannot hold the images of two upstream registries',
      ],
    },
    {
      name: 'a root-mounted cache that is also an upstream registry',
      text: `rules:
  - {registry: docker.io, proxy: "mirror.local:5000"}
  - {registry: "mirror.local:5000", proxy: harbor.local/mirror}
`,
      issues: [
        'rules[0].proxy: "mirror.local:5000" is a root proxy (images on it count as already proxied) and the registry of rules[1]; a host cannot be both',
      ],
    },
    {
      name: 'a root-mounted cache in capitals that is also an upstream registry (host names ignore case)',
      text: `rules:
  - {registry: docker.io, proxy: "Mirror.Local:5000"}
  - {registry: "mirror.local:5000", proxy: harbor.local/mirror}
`,
      issues: [
        'rules[0].proxy: "Mirror.Local:5000" is a root proxy (images on it count as already proxied) and the registry of rules[1]; a host cannot be both',
      ],
    },
    {
      name: 'proxies of two registries that overlap when case is ignored',
      text: `rules:
  - {registry: docker.io, proxy: H.local/a}
  - {registry: quay.io, proxy: h.LOCAL/a/quay}
`,
      issues: [
        'rules[1].proxy: "h.LOCAL/a/quay" overlaps "H.local/a" (rules[0], docker.io): one proxy path cannot hold the images of two upstream registries',
      ],
    },
    {
      name: 'a target whose own path leaves no room for an image name',
      text: `rules: [{registry: docker.io, proxies: [a.local/b, "a.local/${'p'.repeat(254)}"]}]\n`,
      issues: [
        `rules[0].proxies[1]: "a.local/${'p'.repeat(254)}" has a 254-character path: with "/" and an image path it exceeds the 255-character limit of repository names, so no image could go there`,
      ],
    },
    {
      name: 'ports no TCP connection can use, on a registry and on targets',
      text: `rules:
  - {registry: "reg.local:0", proxy: "a.local:65536/reg"}
  - {registry: docker.io, proxies: ["a.local:99999999999999999999", "[::1]:70000/hub", "b.local:65535"]}
`,
      issues: [
        'rules[0].registry: "reg.local:0" has port 0; ports are 1 to 65535',
        'rules[0].proxy: "a.local:65536/reg" has port 65536; ports are 1 to 65535',
        'rules[1].proxies[0]: "a.local:99999999999999999999" has port 99999999999999999999; ports are 1 to 65535',
        'rules[1].proxies[1]: "[::1]:70000/hub" has port 70000; ports are 1 to 65535',
      ],
    },
    {
      name: 'a stripPrefix that no repository the rule matches can start with',
      text: `rules:
  - {registry: docker.io, match: ["docker.io/bitnami/*", "docker.io/grafana/*"], proxy: a.local/b, stripPrefix: library/}
  - {registry: docker.io, match: ["docker.io/lib*"], proxy: a.local/c, stripPrefix: library/}
  - {registry: docker.io, match: ["docker.io/library/*"], proxy: a.local/d, stripPrefix: library/}
`,
      issues: [
        'rules[0].stripPrefix: "library/" can never apply: every repository this rule matches (docker.io/bitnami/*, docker.io/grafana/*) starts otherwise',
      ],
    },
    {
      name: 'a stripPrefix that is not a path ending in a slash',
      text: 'rules: [{registry: docker.io, proxy: a.local/b, stripPrefix: library}]\n',
      issues: [
        'rules[0].stripPrefix: "library" must be a lowercase repository path ending in "/" (e.g. library/)',
      ],
    },
    {
      name: 'semantic problems are listed with schema problems elsewhere in the same file',
      text: `rules:
  - {registry: Quay.io, proxy: a.local/q}
pullSecrets: [Bad]
`,
      issues: [
        'rules[0].registry: "Quay.io" must be lowercase: rules match the registry as images are normalized (e.g. docker.io), so this rule would never apply; write "quay.io"',
        'pullSecrets[0]: "Bad" is not a valid Secret name (lowercase RFC 1123 subdomain)',
      ],
    },
  ];
  it.each(bad)('rejects $name', ({ text, issues }) => {
    expect(issuesOf(text)).toEqual(issues);
  });
});
