import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';

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
  ];
  it.each(cases)('$name', ({ text, expected }) => {
    expect(parseConfig(text, 'test.yaml')).toEqual(expected);
  });

  it('returns a frozen configuration', () => {
    const config = parseConfig('rules: [{registry: quay.io, proxy: harbor.local/quay}]\n', 'test.yaml');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rules[0])).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.pullSecrets)).toBe(true);
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
      issues: ['pullSecret: unknown key (expected one of: mode, rules, exclude, pullSecrets)'],
    },
    {
      name: 'an unknown mode',
      text: 'mode: dry-run\n',
      issues: ['mode: must be one of enforce, audit, got string "dry-run"'],
    },
    { name: 'an empty rule list', text: 'rules: []\n', issues: ['rules: at least one rule is required'] },
    {
      name: 'a rule without proxy and with a registry that is not a host',
      text: 'rules: [{registry: dockerhub}]\n',
      issues: [
        'rules[0].registry: "dockerhub" is not a registry host (expected a host name with a dot or a port, localhost, or an IP, e.g. docker.io, quay.io, localhost:5000)',
        'rules[0].proxy: must be a non-empty string, got nothing',
      ],
    },
    {
      name: 'a proxy with a scheme, one without a project, one with uppercase',
      text: `rules:
  - {registry: docker.io, proxy: "https://harbor.local/dh"}
  - {registry: quay.io, proxy: harbor.local}
  - {registry: ghcr.io, proxy: harbor.local/GHCR}
`,
      issues: [
        'rules[0].proxy: "https://harbor.local/dh" must not have a scheme; write host[:port]/project',
        'rules[1].proxy: "harbor.local" must be host[:port]/project with a lowercase project path (e.g. harbor.example.com/proxy_cache)',
        'rules[2].proxy: "harbor.local/GHCR" must be host[:port]/project with a lowercase project path (e.g. harbor.example.com/proxy_cache)',
      ],
    },
    {
      name: 'two rules for one registry',
      text: 'rules: [{registry: docker.io, proxy: a.local/x}, {registry: index.docker.io, proxy: b.local/y}]\n',
      issues: ['rules[1].registry: "docker.io" already has a rule; one rule per registry'],
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
        'exclude.labels: unknown key (expected one of: images, owners)',
        'exclude.images[0]: "postgres" must start with a registry: patterns match normalized references such as docker.io/library/postgres:16',
        'exclude.owners[0].kind: must be a non-empty string, got nothing',
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
