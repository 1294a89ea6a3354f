import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TlsConfigError,
  chooseTlsMode,
  createTlsSource,
  type TlsFlags,
} from '../../src/server/create-tls-source.js';
import { defaultCaOutPath } from '../../src/tls/tls-source.js';
import { describeCertificate } from '../../src/tls/tls-material.js';
import { FakeApiServer } from '../helpers/fake-api-server.js';
import { captureLogger } from '../helpers/logger.js';
import { caWithTwoLeaves, get, serve } from '../tls/helpers.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pullthrough-create-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('choosing the certificate path', () => {
  it.each<{ name: string; flags: TlsFlags; mode: string; ignored: string[] }>([
    { name: 'no flags: self-signed', flags: {}, mode: 'self-signed', ignored: [] },
    {
      name: '--tls-cert and --tls-key: files',
      flags: { tlsCert: 'c', tlsKey: 'k' },
      mode: 'files',
      ignored: [],
    },
    {
      name: 'files win over --cert-secret, which is reported as ignored',
      flags: { tlsCert: 'c', tlsKey: 'k', certSecret: 's', namespace: 'ns', service: 'svc' },
      mode: 'files',
      ignored: ['--cert-secret', '--service'],
    },
    {
      name: '--cert-secret with namespace and service: self-managed',
      flags: { certSecret: 's', namespace: 'ns', service: 'svc', webhookConfig: 'w', tlsDns: ['x'] },
      mode: 'self-managed',
      ignored: [],
    },
    {
      name: '--webhook-config without --cert-secret is ignored',
      flags: { webhookConfig: 'w', namespace: 'ns' },
      mode: 'self-signed',
      ignored: ['--webhook-config'],
    },
  ])('$name', ({ flags, mode, ignored }) => {
    expect(chooseTlsMode(flags)).toEqual({ mode, ignored });
  });

  it.each<{ name: string; flags: TlsFlags; problems: string[] }>([
    {
      name: '--tls-cert without --tls-key',
      flags: { tlsCert: 'c' },
      problems: ['--tls-cert needs --tls-key'],
    },
    {
      name: '--tls-key without --tls-cert',
      flags: { tlsKey: 'k' },
      problems: ['--tls-key needs --tls-cert'],
    },
    {
      name: '--cert-secret without namespace or service lists both problems',
      flags: { certSecret: 's' },
      problems: [
        '--cert-secret needs --namespace (or POD_NAMESPACE)',
        '--cert-secret needs --service (the certificate names come from it)',
      ],
    },
  ])('$name is refused', ({ flags, problems }) => {
    const err = (() => {
      try {
        chooseTlsMode(flags);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TlsConfigError);
    expect((err as TlsConfigError).problems).toEqual(problems);
    expect((err as TlsConfigError).code).toBe('PT_ERR_TLS_CONFIG');
  });
});

describe('createTlsSource', () => {
  it('self-signed: writes the CA where asked, logs the path, and serves a certificate that verifies against it', async () => {
    const caOutPath = join(dir, 'sub', 'ca.crt');
    const log = captureLogger();
    const { source, mode, caPath } = await createTlsSource(
      { tlsCaOut: caOutPath, tlsDns: ['hook.local'] },
      { log },
    );
    const served = await serve(source);
    try {
      expect(mode).toBe('self-signed');
      expect(caPath).toBe(caOutPath);
      expect(log.entries.some((l) => JSON.stringify(l.obj).includes(caOutPath))).toBe(true);
      const ca = await readFile(caOutPath, 'utf8');
      await expect(get(served.port, ca, 'localhost')).resolves.toMatchObject({ status: 200 });
      await expect(get(served.port, ca, '127.0.0.1')).resolves.toMatchObject({ status: 200 });
      expect(describeCertificate(source.current().cert).dnsNames).toContain('hook.local');
    } finally {
      await served.close();
      await source.close();
    }
  });

  it('the default CA file is per instance: $TMPDIR/pullthrough-ca-<port>.crt, or per process on port 0', () => {
    expect(defaultCaOutPath(8443)).toBe(join(tmpdir(), 'pullthrough-ca-8443.crt'));
    expect(defaultCaOutPath(0)).toBe(join(tmpdir(), `pullthrough-ca-pid${process.pid}.crt`));
    expect(defaultCaOutPath(9443)).not.toBe(defaultCaOutPath(8443));
  });

  it('files: serves the given pair (and a pino logger is accepted as is)', async () => {
    const { a } = await caWithTwoLeaves();
    await writeFile(join(dir, 'tls.crt'), a.cert);
    await writeFile(join(dir, 'tls.key'), a.key);
    const { source, mode } = await createTlsSource(
      { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
      { log: pino({ level: 'silent' }) },
    );
    try {
      expect(mode).toBe('files');
      expect(source.current()).toEqual({ cert: a.cert, key: a.key });
    } finally {
      await source.close();
    }
  });

  it('self-managed: fills the Secret and patches the webhook configuration through the Kubernetes API', async () => {
    const api = new FakeApiServer();
    await api.start();
    api.putWebhookConfig('pullthrough', [{ name: 'mutate.pullthrough.io', clientConfig: {} }]);
    try {
      const { source, mode } = await createTlsSource(
        {
          certSecret: 'pullthrough-certs',
          namespace: 'pt',
          service: 'pullthrough',
          webhookConfig: 'pullthrough',
          tlsDns: ['10.1.1.1'],
        },
        { kubeConfig: api.kubeConfig() },
      );
      try {
        expect(mode).toBe('self-managed');
        const info = describeCertificate(source.current().cert);
        expect(info.dnsNames).toEqual(['pullthrough', 'pullthrough.pt', 'pullthrough.pt.svc']);
        expect(info.ipAddresses).toEqual(['10.1.1.1']);
        expect(api.secrets.has('pt/pullthrough-certs')).toBe(true);
        expect(api.requests.some((r) => r.method === 'PATCH')).toBe(true);
      } finally {
        await source.close();
      }
    } finally {
      await api.stop();
    }
  });
});
