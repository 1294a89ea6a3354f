/**
 * The configuration file format, written once as JSON Schema (draft-07, which both ajv and Helm's
 * validator read). The server validates with it (`config.ts`, through the validator generated from
 * it), the chart's `values.schema.json` embeds it as its `config` subtree, and
 * `docs/configuration.md` is generated from it (`npm run generate:config`; a test fails when any of
 * the three drifts). Adding a rule option means adding it here and using it in the rewrite engine.
 *
 * `errorMessage` is our own annotation (ajv is told about it; JSON Schema validators ignore unknown
 * keywords): the reason given when a `pattern` fails, after the quoted value. `default` values are
 * the ones the server applies.
 */
import { registryHostPattern, repositoryPathPattern } from '../core/image-ref.js';
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN } from '../core/names.js';

/** The subset of JSON Schema this file uses, so the generators can walk it with types. */
export interface SchemaNode {
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean;
  readonly required?: readonly string[];
  readonly oneOf?: readonly SchemaNode[];
  readonly items?: SchemaNode;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  readonly errorMessage?: string;
}

// Kubernetes names: the same patterns the CLI's flags check (core/names.ts).
const DNS_SUBDOMAIN = DNS_SUBDOMAIN_PATTERN;
const DNS_LABEL = DNS_LABEL_PATTERN;

const secretName: SchemaNode = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  pattern: DNS_SUBDOMAIN,
  errorMessage: 'is not a valid Secret name (lowercase RFC 1123 subdomain)',
};

const secretNames = (description: string): SchemaNode => ({
  type: 'array',
  items: secretName,
  uniqueItems: true,
  maxItems: 64,
  description,
});

const nonEmptyString = (description: string): SchemaNode => ({
  type: 'string',
  minLength: 1,
  maxLength: 4096,
  description,
});

const proxyTarget: SchemaNode = {
  type: 'string',
  minLength: 1,
  maxLength: 512,
  pattern: `^${registryHostPattern}(/${repositoryPathPattern})?$`,
  errorMessage:
    'must be host[:port] (a cache serving its upstream at the root) or host[:port]/path (e.g. harbor.example.com/proxy_cache): no scheme, a host with a dot or a port (or localhost), a lowercase path',
};

const probe: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  description:
    "How this rule's proxy hosts are probed (`health`) and reached (`verify`). Rules whose proxies share a host share one probe: give it on one of them (or identically on all).",
  properties: {
    url: {
      type: 'string',
      maxLength: 2048,
      pattern: '^[hH][tT][tT][pP][sS]?://',
      errorMessage: 'must be an https:// or http:// URL (e.g. https://harbor.example.com/api/v2.0/health)',
      description:
        "Probed URL; a host is healthy when it answers 200 (with Harbor's `/api/v2.0/health`, a body whose `status` is `healthy`) or 401 from a registry `/v2/` URL. No credentials.",
      examples: ['https://harbor.example.com/api/v2.0/health'],
    },
    caFile: nonEmptyString('PEM bundle in the container to trust instead of the system CAs.'),
    insecureSkipVerify: { type: 'boolean', default: false, description: 'Skip TLS verification.' },
  },
};

const rule: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  required: ['registry'],
  oneOf: [{ required: ['proxy'] }, { required: ['proxies'] }],
  properties: {
    registry: {
      type: 'string',
      minLength: 1,
      maxLength: 300,
      pattern: `^${registryHostPattern}$`,
      errorMessage:
        'is not a registry host (expected a host name with a dot or a port, localhost, or an IP, e.g. docker.io, quay.io, localhost:5000)',
      description:
        'Normalized upstream registry, lowercase: `docker.io` (also for `index.docker.io` and images without a registry), `ghcr.io`, `quay.io`, `registry.k8s.io`, `localhost:5000`, `[::1]:5000`.',
    },
    match: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: { type: 'string', minLength: 1, maxLength: 512 },
      description:
        'Narrows the rule to repositories: globs over the normalized repository (`docker.io/bitnami/redis`, no tag), `*` any run of characters including `/`, `?` one character. Rules for one registry are tried in order, first match wins; a rule without `match` takes the rest.',
      examples: [['docker.io/bitnami/*']],
    },
    proxy: {
      ...proxyTarget,
      description:
        "Where the images go: `host[:port]/path` puts the image path under a prefix (Harbor's `<host>/<project>`, ECR, Artifactory, Nexus path-based); `host[:port]` alone puts it at the root (Docker's registry in proxy mode, Zot, a Nexus connector port). No scheme, no tag.",
      examples: ['harbor.example.com/proxy_cache', 'mirror.local:5000'],
    },
    proxies: {
      type: 'array',
      minItems: 1,
      maxItems: 8,
      uniqueItems: true,
      items: proxyTarget,
      description:
        'Instead of `proxy`: failover targets in priority order. With `health` off the first is used; with it on, the first healthy one; none healthy leaves the image as written.',
      examples: [['harbor-a.example.com/proxy_cache', 'harbor-b.example.com/proxy_cache']],
    },
    stripPrefix: {
      type: 'string',
      maxLength: 255,
      pattern: `^${repositoryPathPattern}/$`,
      errorMessage: 'must be a lowercase repository path ending in "/" (e.g. library/)',
      description:
        'A leading path removed from the image path before it goes under the proxy, when present: `library/` for a cache that serves Docker Hub official images without it, `<org>/` for a cache scoped to one upstream organization (with `match`). Default: the path is kept.',
      examples: ['library/'],
    },
    pullSecrets: secretNames("Pull secrets this rule's images need; overrides the top-level list."),
    probe,
  },
};

const seconds = (minimum: number, maximum: number, fallback: number, description: string): SchemaNode => ({
  type: 'number',
  minimum,
  maximum,
  default: fallback,
  description,
});

const count = (minimum: number, maximum: number, fallback: number, description: string): SchemaNode => ({
  type: 'integer',
  minimum,
  maximum,
  default: fallback,
  description,
});

export const CONFIG_SCHEMA: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  description:
    'The configuration file (YAML). Every key is optional; an empty file means the embedded default (Docker Hub through `harbor.ingress.local/proxy_cache` with the pull secret `regcred-harbor`).',
  properties: {
    mode: {
      type: 'string',
      enum: ['enforce', 'audit'],
      default: 'enforce',
      description:
        '`enforce` patches Pods; `audit` never patches, only reports (warnings, audit annotations, logs, metrics).',
    },
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: rule,
      description:
        "Upstream registry → proxy. An image whose registry has no rule is left as written, as is one already under a rule's proxy (rewriting is idempotent).",
      default: [{ registry: 'docker.io', proxy: 'harbor.ingress.local/proxy_cache' }],
    },
    exclude: {
      type: 'object',
      additionalProperties: false,
      description: 'What is never rewritten.',
      properties: {
        images: {
          type: 'array',
          maxItems: 256,
          items: { type: 'string', minLength: 1, maxLength: 512 },
          default: [],
          description:
            'Globs over the normalized reference or repository (`*` crosses `/`), starting with a registry: `docker.io/library/postgres`, `*/cloudnative-pg/*`.',
        },
        owners: {
          type: 'array',
          maxItems: 64,
          default: [],
          description:
            'Pods whose controller owner matches are never rewritten, e.g. `{apiGroup: postgresql.cnpg.io, kind: Cluster}` for operators that recreate Pods whose image differs from their spec.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['kind'],
            properties: {
              apiGroup: {
                type: 'string',
                maxLength: 253,
                default: '',
                description: 'API group of the owner; `""` for the core group.',
              },
              kind: { type: 'string', minLength: 1, maxLength: 253, description: 'Kind of the owner.' },
            },
          },
        },
      },
    },
    pullSecrets: {
      ...secretNames(
        'Pull secrets added to a Pod (only if absent) when at least one of its images was rewritten, unless its rule names its own.',
      ),
      default: ['regcred-harbor'],
    },
    health: {
      type: 'object',
      additionalProperties: false,
      description:
        'Background probing of each distinct proxy host; images of an unhealthy one go to the next healthy `proxies` entry, or are left as written.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Probe the proxy hosts.' },
        intervalSeconds: seconds(
          0.05,
          3600,
          10,
          'Seconds between two probes of a host; probes never overlap.',
        ),
        timeoutSeconds: seconds(0.05, 60, 2, 'Seconds a probe may take.'),
        failureThreshold: count(1, 100, 3, 'Consecutive failed probes that make a healthy host unhealthy.'),
        successThreshold: count(1, 100, 1, 'Consecutive good probes that make an unhealthy host healthy.'),
      },
    },
    verify: {
      type: 'object',
      additionalProperties: false,
      description:
        'Per-image verification: a manifest HEAD through the proxy before an image is rewritten; what cannot be verified within the budget is left as written.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Verify images before rewriting them.' },
        credentialsSecret: {
          type: 'object',
          additionalProperties: false,
          required: ['namespace', 'name'],
          description:
            'A `kubernetes.io/dockerconfigjson` Secret read through the API (needs `get` on it). Not with `credentialsFile`.',
          properties: {
            namespace: {
              type: 'string',
              minLength: 1,
              maxLength: 63,
              pattern: DNS_LABEL,
              errorMessage: 'is not a valid namespace (lowercase RFC 1123 label)',
              description: 'Namespace of the Secret.',
            },
            name: { ...secretName, description: 'Name of the Secret.' },
          },
        },
        credentialsFile: nonEmptyString(
          'A mounted dockerconfigjson file (preferred: no Secret RBAC). Neither: anonymous requests.',
        ),
        ttlSeconds: seconds(1, 86_400, 300, 'How long a found / not-found answer is trusted.'),
        // The API server waits at most 30 s for a webhook (10 s by default); the budget must fit well inside.
        budgetMilliseconds: count(1, 10_000, 300, 'The longest one review waits for verification.'),
        caFile: nonEmptyString(
          "CA bundle for manifest requests; default: the host's `probe.caFile`, else the system CAs.",
        ),
        insecureSkipVerify: { type: 'boolean', default: false, description: 'Skip TLS verification.' },
      },
    },
  },
};
