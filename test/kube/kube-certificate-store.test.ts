import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCertificateManager } from '../../src/kube/certificate-manager.js';
import { serviceDnsNames } from '../../src/kube/certificate-plan.js';
import { ConflictError, httpStatusOf, isPermanentApiError } from '../../src/kube/api-errors.js';
import { kubeCertificateStore } from '../../src/kube/kube-certificate-store.js';
import { sameCertificates } from '../../src/tls/tls-material.js';
import { FakeApiServer } from '../helpers/fake-api-server.js';

const NS = 'pt-system';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let api: FakeApiServer;

beforeEach(async () => {
  api = new FakeApiServer();
  await api.start();
});

afterEach(async () => {
  await api.stop();
});

function store(): ReturnType<typeof kubeCertificateStore> {
  return kubeCertificateStore({
    kubeConfig: api.kubeConfig(),
    namespace: NS,
    secretName: 'pullthrough-certs',
    webhookConfigName: 'pullthrough',
  });
}

describe('the client-node certificate store', () => {
  it('a missing Secret reads as undefined', async () => {
    await expect(store().getSecret()).resolves.toBeUndefined();
  });

  it('creates a kubernetes.io/tls Secret with base64 data and reads it back as text; a second create is a conflict', async () => {
    const s = store();
    const created = await s.createSecret({ 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    expect(created.data).toEqual({ 'tls.crt': 'CERT', 'tls.key': 'KEY' });

    const sent = api.requests.find((r) => r.method === 'POST')?.body as Record<string, any>;
    expect(sent.type).toBe('kubernetes.io/tls');
    expect(sent.data).toEqual({ 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') });
    await expect(s.getSecret()).resolves.toEqual(created);
    await expect(store().createSecret({})).rejects.toBeInstanceOf(ConflictError);
  });

  it('replacing fills in a pre-created Secret, keeping its type, labels and annotations, without managedFields', async () => {
    api.putSecret(NS, {
      metadata: {
        name: 'pullthrough-certs',
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'pt' },
        managedFields: [{ manager: 'helm', operation: 'Update' }],
      },
      type: 'Opaque',
    });
    const s = store();
    const read = await s.getSecret();
    expect(read?.data).toEqual({});

    const replaced = await s.replaceSecret({ 'ca.crt': 'CA' }, read?.resourceVersion ?? '');

    expect(replaced.data).toEqual({ 'ca.crt': 'CA' });
    const sent = api.requests.find((r) => r.method === 'PUT')?.body as Record<string, any>;
    expect(sent.type).toBe('Opaque');
    expect(sent.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'Helm' });
    expect(sent.metadata.annotations).toEqual({ 'meta.helm.sh/release-name': 'pt' });
    expect(sent.metadata.managedFields).toBeUndefined();
    expect(sent.metadata.resourceVersion).toBe(read?.resourceVersion);
  });

  it('replacing at a stale resourceVersion, or a Secret deleted meanwhile, is a conflict', async () => {
    api.putSecret(NS, { metadata: { name: 'pullthrough-certs' }, type: 'kubernetes.io/tls' });
    const s = store();
    const read = await s.getSecret();
    await store().replaceSecret({ x: 'other replica' }, read?.resourceVersion ?? '');

    await expect(s.replaceSecret({ x: 'late' }, read?.resourceVersion ?? '')).rejects.toBeInstanceOf(
      ConflictError,
    );
    api.secrets.clear();
    await expect(s.replaceSecret({ x: 'late' }, read?.resourceVersion ?? '')).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('reads each webhook caBundle decoded, and a missing configuration as undefined', async () => {
    await expect(store().getWebhookConfiguration()).resolves.toBeUndefined();
    api.putWebhookConfig('pullthrough', [
      { name: 'mutate.pullthrough.io', clientConfig: { caBundle: b64('PEM') } },
      { name: 'audit.pullthrough.io', clientConfig: { service: { name: 'pullthrough', namespace: NS } } },
    ]);
    await expect(store().getWebhookConfiguration()).resolves.toMatchObject({ caBundles: ['PEM', undefined] });
  });

  it('patches the caBundle of every webhook with a JSON patch guarded by resourceVersion; a stale read is a conflict', async () => {
    api.putWebhookConfig('pullthrough', [
      { name: 'mutate.pullthrough.io', clientConfig: {} },
      { name: 'audit.pullthrough.io', clientConfig: { caBundle: b64('OLD') } },
    ]);
    const s = store();
    const state = await s.getWebhookConfiguration();
    await s.patchCaBundle('NEW PEM', state!);

    const patch = api.requests.find((r) => r.method === 'PATCH');
    expect(patch?.contentType).toBe('application/json-patch+json');
    const webhooks = api.webhookConfigs.get('pullthrough')?.webhooks as Array<{
      clientConfig: { caBundle: string };
    }>;
    expect(webhooks.map((w) => w.clientConfig.caBundle)).toEqual([b64('NEW PEM'), b64('NEW PEM')]);
    await expect(s.patchCaBundle('NEWER', state!)).rejects.toBeInstanceOf(ConflictError);
  });

  it('an API error keeps its HTTP status, and 401/403 count as permanent', async () => {
    const kc = api.kubeConfig();
    kc.users[0] = { name: 'tester', token: 'wrong' };
    const s = kubeCertificateStore({ kubeConfig: kc, namespace: NS, secretName: 'x' });
    const err = await s.getSecret().catch((e: unknown) => e);
    expect(httpStatusOf(err)).toBe(401);
    expect(isPermanentApiError(err)).toBe(true);
    expect(isPermanentApiError(Object.assign(new Error('x'), { code: 503 }))).toBe(false);
  });

  it('two managers with their own clients, racing for an empty pre-created Secret, settle on one CA and set the caBundle', async () => {
    api.putSecret(NS, {
      metadata: { name: 'pullthrough-certs' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': '', 'tls.key': '' },
    });
    api.putWebhookConfig('pullthrough', [{ name: 'mutate.pullthrough.io', clientConfig: {} }]);
    const dnsNames = serviceDnsNames('pullthrough', NS);

    const [a, b] = await Promise.all([
      startCertificateManager({ store: store(), dnsNames, caBundleRetry: { initialMs: 10, maxMs: 20 } }),
      startCertificateManager({ store: store(), dnsNames, caBundleRetry: { initialMs: 10, maxMs: 20 } }),
    ]);
    try {
      expect(a.current()).toEqual(b.current());
      await expect
        .poll(() => {
          const hooks = api.webhookConfigs.get('pullthrough')?.webhooks as Array<{
            clientConfig: { caBundle?: string };
          }>;
          const bundle = Buffer.from(hooks[0]?.clientConfig.caBundle ?? '', 'base64').toString();
          return sameCertificates(bundle, a.current().ca ?? '');
        })
        .toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
