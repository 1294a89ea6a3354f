/**
 * Benchmark payloads: AdmissionReviews shaped like the ones kube-apiserver sends for a Pod that a
 * ReplicaSet creates. The envelope and the Pod's defaulted fields (service-account token volume,
 * tolerations, scheduler, DNS policy...) come from the golden fixture
 * test/fixtures/reviews/kustomize-nginx-create.json; containers, managedFields and labels are
 * generated around it so that every payload has the size and shape of a real one.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const FIXTURE = new URL('../test/fixtures/reviews/kustomize-nginx-create.json', import.meta.url);
const templateText = readFileSync(FIXTURE, 'utf8');

const SHA = (seed) => {
  let hex = '';
  for (let i = 0; hex.length < 64; i += 1) hex += ((seed * 2654435761 + i * 40503) >>> 0).toString(16);
  return `sha256:${hex.slice(0, 64)}`;
};

/** A container as the API server has it after defaulting, with what a Deployment typically sets. */
function container(name, image, index, { init = false } = {}) {
  const port = 8080 + index;
  const base = {
    name,
    image,
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'CONFIG_PATH', value: `/etc/${name}/config.yaml` },
    ],
    resources: {
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '100m', memory: '128Mi' },
    },
    volumeMounts: [
      {
        name: 'kube-api-access-x7k2p',
        readOnly: true,
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      },
    ],
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    },
  };
  if (init) return { ...base, command: ['/bin/sh', '-c', `until nslookup ${name}-dep; do sleep 2; done`] };
  const probe = (path) => ({
    httpGet: { path, port, scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  return {
    ...base,
    args: ['--listen', `:${port}`, '--metrics'],
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    livenessProbe: probe('/healthz'),
    readinessProbe: probe('/readyz'),
  };
}

/** The managedFields entry the ReplicaSet controller writes: one `k:{"name":...}` key per container. */
function managedFields(containers, initContainers) {
  const fieldsOf = (list) =>
    Object.fromEntries(
      list.map((c) => [
        `k:{"name":"${c.name}"}`,
        {
          '.': {},
          'f:env': Object.fromEntries(
            c.env.map((e) => [`k:{"name":"${e.name}"}`, { '.': {}, 'f:name': {} }]),
          ),
          'f:image': {},
          'f:imagePullPolicy': {},
          'f:name': {},
          'f:resources': { 'f:limits': { 'f:cpu': {}, 'f:memory': {} }, 'f:requests': { 'f:cpu': {} } },
          'f:securityContext': { 'f:capabilities': { 'f:drop': {} }, 'f:runAsNonRoot': {} },
          'f:terminationMessagePath': {},
          'f:terminationMessagePolicy': {},
        },
      ]),
    );
  const spec = { 'f:containers': fieldsOf(containers), 'f:dnsPolicy': {}, 'f:restartPolicy': {} };
  if (initContainers.length > 0) spec['f:initContainers'] = fieldsOf(initContainers);
  return [
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2026-11-28T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:generateName': {},
          'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
          'f:ownerReferences': { '.': {}, 'k:{"uid":"0b6f0b1c-1f4e-4a55-9c7c-5f7a1d1b2c3d"}': {} },
        },
        'f:spec': spec,
      },
    },
  ];
}

/**
 * One AdmissionReview for a Pod with these images. `images` and `initImages` are lists of image
 * references; container names are derived from the app name.
 */
export function podReview({ app, images, initImages = [], uid, namespace = 'shop' }) {
  const review = JSON.parse(templateText);
  const request = review.request;
  const pod = request.object;
  const hash = '6d8f9c7b5';
  const containers = images.map((image, i) => container(i === 0 ? app : `${app}-side-${i}`, image, i));
  const initContainers = initImages.map((image, i) =>
    container(`${app}-init-${i}`, image, i, { init: true }),
  );
  request.uid = uid ?? request.uid;
  request.namespace = namespace;
  pod.metadata = {
    ...pod.metadata,
    generateName: `${app}-${hash}-`,
    namespace,
    labels: { app, 'pod-template-hash': hash },
    annotations: { 'kubectl.kubernetes.io/default-container': app, 'checksum/config': '0e9f1d4c7b' },
    ownerReferences: pod.metadata.ownerReferences.map((owner) => ({ ...owner, name: `${app}-${hash}` })),
    managedFields: managedFields(containers, initContainers),
  };
  pod.spec.containers = containers;
  if (initContainers.length > 0) pod.spec.initContainers = initContainers;
  return review;
}

/** Images for the scaling series: distinct per container, mostly Docker Hub, some quay.io, some digests. */
export function seriesImages(count, variant = 0) {
  const images = [];
  for (let i = 0; i < count; i += 1) {
    const tag = `1.${i}.${variant}`;
    if (i % 4 === 1) images.push(`quay.io/acme/sidecar-${i}:v${tag}`);
    else if (i % 4 === 2) images.push(`acme/worker-${i}:${tag}@${SHA(i + variant * 1000)}`);
    else if (i % 4 === 3) images.push(`docker.io/library/redis:7.${i}.${variant}-alpine`);
    else images.push(i === 0 ? `acme/shop-api:${tag}` : `acme/service-${i}:${tag}`);
  }
  return images;
}

/** The typical Pod: an app from Docker Hub, a quay.io sidecar, and a log shipper pinned by tag and digest. */
export function typicalImages(variant = 0) {
  const suffix = variant === 0 ? '' : `-${variant}`;
  return [
    `acme/shop-api:2.14.1${suffix}`,
    `quay.io/oauth2-proxy/oauth2-proxy:v7.6.0${suffix}`,
    `fluent/fluent-bit:3.1.9${suffix}@${SHA(variant)}`,
  ];
}

const body = (review) => JSON.stringify(review);

/**
 * The payloads of the main table, each `{ name, title, path, containers, body }`.
 * `containers` counts every image field the webhook decides.
 */
export function mainPayloads() {
  return [
    { ...seriesPayload(1), name: 'pod-1', title: '1 container (Docker Hub)' },
    {
      name: 'pod-3',
      title: 'typical: 3 containers (docker.io + quay.io + digest)',
      path: '/mutate',
      containers: 3,
      body: body(podReview({ app: 'shop-api', images: typicalImages() })),
    },
    {
      name: 'pod-10-init',
      title: '10 containers incl. 3 init',
      path: '/mutate',
      containers: 10,
      body: body(
        podReview({
          app: 'checkout',
          initImages: ['busybox:1.36', 'migrate/migrate:v4.17.1', 'docker.io/bitnami/os-shell:12'],
          images: [
            'acme/checkout:3.2.0',
            'quay.io/oauth2-proxy/oauth2-proxy:v7.6.0',
            `fluent/fluent-bit:3.1.9@${SHA(7)}`,
            'registry.k8s.io/pause:3.10',
            'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.110.0',
            'envoyproxy/envoy:v1.31.2',
            `docker.io/bitnami/redis@${SHA(9)}`,
          ],
        }),
      ),
    },
    { ...seriesPayload(50), name: 'pod-50', title: '50 containers (mixed registries)' },
    {
      name: 'no-rewrite',
      title: 'nothing to rewrite (quay.io, ghcr.io, registry.k8s.io)',
      path: '/mutate',
      containers: 3,
      body: body(
        podReview({
          app: 'exporter',
          images: [
            'quay.io/prometheus/node-exporter:v1.8.2',
            'ghcr.io/fluxcd/source-controller:v1.4.1',
            'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0',
          ],
        }),
      ),
    },
    {
      name: 'audit-3',
      title: 'audit path (typical Pod on /audit)',
      path: '/audit',
      containers: 3,
      body: body(podReview({ app: 'shop-api', images: typicalImages() })),
    },
  ];
}

/** The container-count series (same generator as pod-1 and pod-50). */
export const SERIES_COUNTS = [1, 2, 5, 10, 20, 50];

export function seriesPayload(count) {
  return {
    name: `series-${count}`,
    title: `${count} container${count === 1 ? '' : 's'}`,
    path: '/mutate',
    containers: count,
    body: body(podReview({ app: count === 1 ? 'web' : 'batch', images: seriesImages(count) })),
  };
}

/**
 * Body factory for the memory soak: every review has its own uid and one image seen never before
 * (a CI build tag), next to two that repeat, so caches keyed by image or uid are pushed past any
 * bound they have; one review in eight goes to /audit. Returns `(n) => { path, body }`; bodies are
 * spliced from pre-serialized parts, so building one costs the load generator little.
 */
export function soakRequests() {
  const UID = '00000000-0000-4000-8000-5ea1ed000000';
  const TAG = 'build-0000000000';
  const templates = [
    'shop-api',
    'checkout',
    'search',
    'cart',
    'payments',
    'catalog',
    'reviews',
    'orders',
  ].map((app, i) => {
    const images = [`acme/${app}:${TAG}`, typicalImages()[1], typicalImages()[2]];
    const text = body(podReview({ app, images, uid: UID }));
    const [head, rest] = text.split(UID);
    const [middle, tail] = rest.split(TAG);
    return { path: i === 7 ? '/audit' : '/mutate', parts: [head, middle, tail] };
  });
  return (n) => {
    const { path, parts } = templates[n % templates.length];
    const serial = n.toString(16).padStart(12, '0');
    const uid = `${UID.slice(0, 24)}${serial}`;
    const tag = `build-${n.toString(36).padStart(10, '0')}`;
    return { path, body: Buffer.from(parts[0] + uid + parts[1] + tag + parts[2]) };
  };
}
