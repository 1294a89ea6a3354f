import { describe, expect, it } from 'vitest';
import { emptyManifestSet, readManifests } from '../../src/audit/manifests.js';
import { mutationSettingsOf } from '../../src/admission/runtime.js';
import { ReportBuilder, type AuditReport } from '../../src/audit/report.js';
import { namespaceDecision, type ScopeSettings } from '../../src/core/scope.js';
import { DEFAULT_CONFIG, parseConfig, type Config } from '../../src/config/config.js';
import { GRAFANA_LIKE_OUTPUT, KUSTOMIZE_OUTPUT } from './fixtures.js';

const cluster: ScopeSettings = { scope: 'cluster', mode: 'enforce', excludedNamespaces: [] };

/** What the CLI does with -f, minus the files: read, then audit every Pod spec. */
function audit(
  text: string,
  options: { config?: Config; scope?: ScopeSettings; namespace?: string; file?: string } = {},
): AuditReport {
  const set = emptyManifestSet();
  readManifests(text, options.file ?? 'in.yaml', options.namespace ?? 'default', set);
  const builder = new ReportBuilder('manifests', mutationSettingsOf(options.config ?? DEFAULT_CONFIG));
  for (const subject of set.subjects) {
    builder.add(
      subject,
      namespaceDecision(subject.namespace, set.namespaces.get(subject.namespace), options.scope ?? cluster),
    );
  }
  for (const error of set.errors) builder.addError(error);
  builder.addIgnored(set.ignored);
  return builder.build();
}

/** The columns a reader checks first. */
const brief = (report: AuditReport) =>
  report.items.map((item) => [
    `${item.namespace}/${item.workload.kind}/${item.workload.name}`,
    `${item.field}/${item.container}`,
    item.image,
    item.result,
    item.reason,
  ]);

const container = (name: string, image: string) => `{ name: ${name}, image: "${image}" }`;
const podSpec = (image: string) => `spec: { containers: [${container('app', image)}] }`;

describe('manifest mode', () => {
  it('previews scenario 1: the Kustomize base of app-with-kustomize moves nginx to the cache', () => {
    const report = audit(KUSTOMIZE_OUTPUT);
    expect(brief(report)).toEqual([
      [
        'default/Deployment/app-with-kustomize',
        'containers/nginx',
        'nginx:1.26-alpine',
        'harbor.ingress.local/proxy_cache/library/nginx:1.26-alpine',
        'rewritten',
      ],
    ]);
    expect(report.items[0]).toMatchObject({ source: 'in.yaml:1:1', mode: 'enforce', wouldRewrite: true });
    expect(report.summary).toMatchObject({
      pods: 1,
      workloads: 1,
      images: 1,
      wouldRewrite: 1,
      podsToRewrite: 1,
      upstreamRepositories: ['docker.io/library/nginx'],
      dockerHubRepositories: 1,
      ignoredObjects: 0,
    });
    expect(report.errors).toEqual([]);
  });

  it('previews scenario 2: the Grafana-like helm template output, init containers, sidecar and test Pod', () => {
    const report = audit(GRAFANA_LIKE_OUTPUT);
    expect(brief(report)).toEqual([
      [
        'monitoring/Deployment/grafana',
        'initContainers/init-chown-data',
        'docker.io/library/busybox:1.31.1',
        'harbor.ingress.local/proxy_cache/library/busybox:1.31.1',
        'rewritten',
      ],
      [
        'monitoring/Deployment/grafana',
        'initContainers/download-dashboards',
        'docker.io/curlimages/curl:7.85.0',
        'harbor.ingress.local/proxy_cache/curlimages/curl:7.85.0',
        'rewritten',
      ],
      [
        'monitoring/Deployment/grafana',
        'containers/grafana-sc-dashboard',
        'quay.io/kiwigrid/k8s-sidecar:1.27.4',
        'quay.io/kiwigrid/k8s-sidecar:1.27.4',
        'no-rule',
      ],
      [
        'monitoring/Deployment/grafana',
        'containers/grafana',
        'docker.io/grafana/grafana:11.1.3',
        'harbor.ingress.local/proxy_cache/grafana/grafana:11.1.3',
        'rewritten',
      ],
      [
        'monitoring/Pod/grafana-test',
        'containers/grafana-test',
        'docker.io/bats/bats:v1.4.1',
        'harbor.ingress.local/proxy_cache/bats/bats:v1.4.1',
        'rewritten',
      ],
    ]);
    expect(report.items.map((item) => item.source)).toEqual([
      'in.yaml:95:1',
      'in.yaml:95:1',
      'in.yaml:95:1',
      'in.yaml:95:1',
      'in.yaml:191:1',
    ]);
    expect(report.items[4]!.pod).toBe('grafana-test');
    expect(report.summary).toMatchObject({
      pods: 2,
      workloads: 2,
      images: 5,
      wouldRewrite: 4,
      podsToRewrite: 2,
      distinctUpstreamRepositories: 4,
      dockerHubRepositories: 4,
      upstreamRepositories: [
        'docker.io/bats/bats',
        'docker.io/curlimages/curl',
        'docker.io/grafana/grafana',
        'docker.io/library/busybox',
      ],
      // ServiceAccount, Secret, ConfigMap, PersistentVolumeClaim, Service
      ignoredObjects: 5,
    });
    expect(report.summary.byReason).toMatchObject({ rewritten: 4, 'no-rule': 1 });
  });

  it('maps quay.io too when the configuration has a rule for it', () => {
    const config = parseConfig(
      [
        'rules:',
        '  - { registry: docker.io, proxy: harbor.ingress.local/proxy_cache }',
        '  - { registry: quay.io, proxy: harbor.ingress.local/quay }',
      ].join('\n'),
      'test',
    );
    const sidecar = audit(GRAFANA_LIKE_OUTPUT, { config }).items.find(
      (item) => item.container === 'grafana-sc-dashboard',
    );
    expect(sidecar).toMatchObject({
      result: 'harbor.ingress.local/quay/kiwigrid/k8s-sidecar:1.27.4',
      reason: 'rewritten',
    });
  });

  it('finds the Pod spec of every built-in workload kind, with the owner its Pods will have', () => {
    const template = `template: { metadata: { labels: { app: x } }, ${podSpec('httpd')} }`;
    const text = [
      `apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n${podSpec('httpd')}`,
      `apiVersion: v1\nkind: ReplicationController\nmetadata: { name: rc }\nspec: { ${template} }`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { ${template} }`,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: s }\nspec: { ${template} }`,
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: { name: ds }\nspec: { ${template} }`,
      `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: { name: rs }\nspec: { ${template} }`,
      `apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\nspec: { ${template} }`,
      `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: cj }\nspec: { schedule: "* * * * *", jobTemplate: { spec: { ${template} } } }`,
    ].join('\n---\n');
    const set = emptyManifestSet();
    readManifests(text, 'kinds.yaml', 'default', set);
    expect(set.errors).toEqual([]);
    expect(set.subjects.map((subject) => `${subject.workload.kind}/${subject.workload.name}`)).toEqual([
      'Pod/p',
      'ReplicationController/rc',
      'Deployment/d',
      'StatefulSet/s',
      'DaemonSet/ds',
      'ReplicaSet/rs',
      'Job/j',
      'CronJob/cj',
    ]);
    const owners = set.subjects.map((subject) => (subject.object as any).metadata.ownerReferences?.[0]);
    expect(owners.map((owner) => owner && `${owner.apiVersion} ${owner.kind}`)).toEqual([
      undefined,
      'v1 ReplicationController',
      'apps/v1 ReplicaSet',
      'apps/v1 StatefulSet',
      'apps/v1 DaemonSet',
      'apps/v1 ReplicaSet',
      'batch/v1 Job',
      'batch/v1 Job',
    ]);
    const report = audit(text);
    expect(report.items.every((item) => item.reason === 'rewritten')).toBe(true);
    expect(report.summary).toMatchObject({ pods: 8, workloads: 8, images: 8 });
  });

  it("reads a CronJob's Pod template from spec.jobTemplate.spec.template, with its labels", () => {
    const report = audit(`apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: batch }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    metadata: { labels: { pullthrough.io/rewrite: disabled } }
    spec:
      template:
        metadata: { labels: { app: nightly } }
        spec:
          restartPolicy: OnFailure
          initContainers: [{ name: wait, image: busybox:1.36 }]
          containers: [{ name: run, image: "alpine:3.20" }]
`);
    // The Job template's labels are not the Pod's: only spec.jobTemplate.spec.template.metadata is.
    expect(brief(report)).toEqual([
      [
        'batch/CronJob/nightly',
        'initContainers/wait',
        'busybox:1.36',
        'harbor.ingress.local/proxy_cache/library/busybox:1.36',
        'rewritten',
      ],
      [
        'batch/CronJob/nightly',
        'containers/run',
        'alpine:3.20',
        'harbor.ingress.local/proxy_cache/library/alpine:3.20',
        'rewritten',
      ],
    ]);
  });

  it('covers ephemeral containers and image volumes of a Pod manifest', () => {
    const report = audit(`apiVersion: v1
kind: Pod
metadata: { name: debug }
spec:
  containers: [{ name: app, image: "ghcr.io/acme/app:1" }]
  ephemeralContainers: [{ name: debugger, image: busybox }]
  volumes:
    - { name: data, image: { reference: "docker.io/acme/data:v2" } }
    - { name: scratch, emptyDir: {} }
`);
    expect(brief(report)).toEqual([
      ['default/Pod/debug', 'containers/app', 'ghcr.io/acme/app:1', 'ghcr.io/acme/app:1', 'no-rule'],
      [
        'default/Pod/debug',
        'ephemeralContainers/debugger',
        'busybox',
        'harbor.ingress.local/proxy_cache/library/busybox:latest',
        'rewritten',
      ],
      [
        'default/Pod/debug',
        'volumes/data',
        'docker.io/acme/data:v2',
        'harbor.ingress.local/proxy_cache/acme/data:v2',
        'rewritten',
      ],
    ]);
  });

  it('expands List and typed lists such as PodList, whose items carry no kind', () => {
    const report = audit(`apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web }
    spec: { template: { ${podSpec('nginx')} } }
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
  - apiVersion: v1
    kind: List
    items:
      - { apiVersion: v1, kind: Pod, metadata: { name: nested }, ${podSpec('redis:7')} }
---
apiVersion: v1
kind: PodList
items:
  - metadata: { name: listed, namespace: ns1 }
    ${podSpec('memcached')}
`);
    expect(report.items.map((item) => [`${item.workload.kind}/${item.workload.name}`, item.source])).toEqual([
      ['Deployment/web', 'in.yaml:4:5'],
      ['Pod/nested', 'in.yaml:14:9'],
      ['Pod/listed', 'in.yaml:19:5'],
    ]);
    expect(report.items[2]!.namespace).toBe('ns1');
    expect(report.summary.ignoredObjects).toBe(1);
  });

  it('reports broken documents as file:line:column and still audits the others', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: { name: first }
${podSpec('httpd')}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken-indent
 labels: {}
---
apiVersion: v1
kind: Pod
metadata: { name: unclosed
---
apiVersion: v1
kind: Pod
metadata: { name: duplicated }
metadata: { name: again }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: no-template }
spec: { replicas: 1 }
---
apiVersion: v1
kind: Pod
metadata: { name: last }
${podSpec('nginx')}
`;
    const report = audit(text, { file: 'broken.yaml' });
    expect(report.items.map((item) => item.workload.name)).toEqual(['first', 'last']);
    expect(report.errors).toEqual([
      {
        source: 'broken.yaml',
        line: 10,
        column: 1,
        message:
          'All mapping items must start at the same column; the document starting at line 6 (Deployment/broken-indent) is not audited',
      },
      {
        // Split at `---` first, as kubectl does: the unclosed map cannot swallow the next document.
        source: 'broken.yaml',
        line: 14,
        column: 27,
        message:
          'Flow map in block collection must be sufficiently indented and end with a }; the document starting at line 12 (Pod/unclosed) is not audited',
      },
      {
        source: 'broken.yaml',
        line: 19,
        column: 1,
        message: 'Map keys must be unique; the document starting at line 16 (Pod/duplicated) is not audited',
      },
      {
        source: 'broken.yaml',
        line: 21,
        column: 1,
        message: 'Deployment no-template: no spec.template.spec, so no Pod to audit',
      },
    ]);
  });

  it('ignores kinds without a Pod template, same-named kinds of other API groups, and empty documents', () => {
    const report = audit(`---
# only a comment
---
apiVersion: v1
kind: ConfigMap
metadata: { name: c }
---
apiVersion: example.com/v1
kind: Deployment
metadata: { name: not-apps }
spec: { template: { ${podSpec('httpd')} } }
---
just a string
---
- a
- list
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: { name: old-api }
spec: { template: { ${podSpec('httpd')} } }
`);
    expect(report.items.map((item) => item.workload.name)).toEqual(['old-api']);
    expect(report.summary.ignoredObjects).toBe(4);
    expect(report.errors).toEqual([]);
  });

  it('takes the namespace from the object, else from --namespace', () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: { name: a, namespace: team-a }\n${podSpec('httpd')}\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: b }\n${podSpec('httpd')}\n`;
    expect(audit(text).items.map((item) => item.namespace)).toEqual(['team-a', 'default']);
    expect(audit(text, { namespace: 'shop' }).items.map((item) => item.namespace)).toEqual([
      'team-a',
      'shop',
    ]);
  });

  it('judges excluded owners as admission will: a Deployment Pod is owned by a ReplicaSet, a CronJob Pod by a Job', () => {
    const config = parseConfig(
      'exclude:\n  owners:\n    - { apiGroup: apps, kind: ReplicaSet }\n    - { apiGroup: apps, kind: Deployment }\n',
      'test',
    );
    const report = audit(
      [
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { template: { ${podSpec('httpd')} } }`,
        `apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: c }\nspec: { jobTemplate: { spec: { template: { ${podSpec('httpd')} } } } }`,
      ].join('\n---\n'),
      { config },
    );
    expect(report.items.map((item) => [item.workload.name, item.reason, item.result])).toEqual([
      ['d', 'excluded-owner', 'httpd'],
      ['c', 'rewritten', 'harbor.ingress.local/proxy_cache/library/httpd:latest'],
    ]);
  });

  it('reports Pod templates labelled pullthrough.io/rewrite=disabled as opt-out, images as written', () => {
    const report = audit(`apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
spec:
  template:
    metadata: { labels: { pullthrough.io/rewrite: disabled } }
    ${podSpec('httpd')}
`);
    expect(report.items).toMatchObject([
      { image: 'httpd', result: 'httpd', reason: 'opt-out-label', wouldRewrite: false, mode: null },
    ]);
    expect(report.summary).toMatchObject({ wouldRewrite: 0, podsToRewrite: 0 });
  });

  it('uses the labels of Namespace objects among the manifests to predict the webhook selectors', () => {
    const pods = ['quiet', 'watched', 'enabled', 'plain', 'kube-system']
      .map((ns) => `apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: ${ns} }\n${podSpec('httpd')}`)
      .join('\n---\n');
    const namespaces = [
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: quiet, labels: { pullthrough.io/rewrite: disabled } }',
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: watched, labels: { pullthrough.io/rewrite: audit } }',
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: enabled, labels: { pullthrough.io/rewrite: enabled } }',
    ].join('\n---\n');
    const text = `${pods}\n---\n${namespaces}\n`;
    const outcome = (report: AuditReport) =>
      report.items.map((item) => [item.namespace, item.reason, item.mode]);
    expect(outcome(audit(text))).toEqual([
      ['quiet', 'namespace-disabled', null],
      ['watched', 'rewritten', 'audit'],
      ['enabled', 'rewritten', 'enforce'],
      ['plain', 'rewritten', 'enforce'],
      ['kube-system', 'namespace-excluded', null],
    ]);
    expect(outcome(audit(text, { scope: { ...cluster, scope: 'opt-in' } }))).toEqual([
      ['quiet', 'namespace-disabled', null],
      ['watched', 'rewritten', 'audit'],
      ['enabled', 'rewritten', 'enforce'],
      ['plain', 'namespace-not-enabled', null],
      ['kube-system', 'namespace-excluded', null],
    ]);
    const report = audit(text);
    expect(report.summary).toMatchObject({ wouldRewrite: 3, wouldRewriteAuditOnly: 1, podsToRewrite: 2 });
    expect(report.summary.ignoredObjects).toBe(3);
  });

  it('reads a document as leniently as kubectl: a quoted annotation closed at the key indentation', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: annotated
  annotations:
    description: 'first line
      second line
    '
spec:
  template:
    ${podSpec('httpd')}
---
apiVersion: v1
kind: Pod
metadata: { name: after }
${podSpec('nginx')}
`;
    const report = audit(text, { file: 'lenient.yaml' });
    expect(report.errors).toEqual([]);
    expect(report.items.map((item) => [item.workload.name, item.source, item.reason])).toEqual([
      ['annotated', 'lenient.yaml:1:1', 'rewritten'],
      ['after', 'lenient.yaml:13:1', 'rewritten'],
    ]);
  });

  it('reports one error per broken document of a raw Helm template, with its position and name', () => {
    const template = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.resources }}
          resources: {{ toYaml . | nindent 12 }}
          {{- end }}
`;
    const text = [
      template('one'),
      template('two'),
      `apiVersion: v1\nkind: Pod\nmetadata: { name: fine }\n${podSpec('httpd')}\n`,
    ].join('---\n');
    const report = audit(text, { file: 'raw.yaml' });
    expect(report.items.map((item) => item.workload.name)).toEqual(['fine']);
    expect(report.errors).toHaveLength(2);
    expect(report.errors.map((error) => [error.line, error.message])).toEqual([
      // Line 6 of each: the first `{{-` inside the block mapping; 11 problems folded into one.
      [
        6,
        expect.stringMatching(
          / \(and 10 more problems\); the document starting at line 1 \(Deployment\/one\) is not audited$/,
        ),
      ],
      [22, expect.stringMatching(/; the document starting at line 17 \(Deployment\/two\) is not audited$/)],
    ]);
  });

  it('keeps the YAML library quiet: no Node warning for a collection used as a key', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const report = audit(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata:\n  ? [a, b]\n  : x\n`,
      );
      expect(report.summary.ignoredObjects).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
