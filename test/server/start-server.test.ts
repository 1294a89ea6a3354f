import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { createCertificateAuthority, issueServingCertificate } from '../../src/tls/self-signed.js';
import { describeCertificate } from '../../src/tls/tls-material.js';
import { loadReview } from '../fixtures/load.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

function capture() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

interface Reply {
  status: number;
  body: string;
  fingerprint: string;
}

function call(url: string, ca: string, path: string, payload?: unknown, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const req = httpsRequest(
      `${url}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        ca,
        agent: agent ?? false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, fingerprint }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const patchOf = (reply: Reply) => {
  const response = JSON.parse(reply.body).response;
  return response.patch === undefined ? [] : JSON.parse(Buffer.from(response.patch, 'base64').toString());
};

async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('serving with a self-signed certificate', () => {
  it('answers reviews, probes and metrics over HTTPS verified by the written CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-serve-'));
    const { logger, lines } = capture();
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      tls: { tlsCaOut: join(dir, 'ca.crt'), tlsDns: [] },
    });
    running.push(server);
    expect(server.tlsMode).toBe('self-signed');
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const reply = await call(server.url, ca, '/mutate', loadReview('httpd-untagged-create'));
    expect(reply.status).toBe(200);
    expect(patchOf(reply)[0].value).toBe('harbor.ingress.local/proxy_cache/library/httpd:latest');
    expect((await call(server.url, ca, '/readyz')).status).toBe(200);
    expect((await call(server.url, ca, '/metrics')).body).toContain('pullthrough_admission_requests_total');
    expect(lines.find((line) => line.msg === 'pullthrough is serving')).toMatchObject({
      tlsMode: 'self-signed',
    });
  });
});

describe('configuration hot reload', () => {
  it('applies a valid change to the next review and keeps the last good one on an invalid change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-reload-'));
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, 'rules: [{registry: docker.io, proxy: first.example.com/dh}]\n');
    const { logger, lines } = capture();
    const server = await startServer({
      configPath,
      host: '127.0.0.1',
      port: 0,
      logger,
      configPollIntervalMs: 100,
      tls: { tlsCaOut: join(dir, 'ca.crt') },
    });
    running.push(server);
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const imageOf = async () =>
      patchOf(await call(server.url, ca, '/mutate', loadReview('httpd-untagged-create')))[0]?.value;
    expect(await imageOf()).toBe('first.example.com/dh/library/httpd:latest');

    // Kubernetes swaps a ConfigMap by renaming; do the same.
    writeFileSync(join(dir, 'next.yaml'), 'rules: [{registry: docker.io, proxy: second.example.com/dh}]\n');
    renameSync(join(dir, 'next.yaml'), configPath);
    await waitFor(async () => (await imageOf()) === 'second.example.com/dh/library/httpd:latest');

    writeFileSync(configPath, 'rules: [{registry: docker.io}]\nbogus: 1\n');
    await waitFor(() => lines.some((line) => line.msg?.startsWith('configuration rejected')));
    const rejected = lines.find((line) => line.msg?.startsWith('configuration rejected'));
    expect(rejected.issues).toEqual([
      { path: 'rules[0]', message: 'needs one of: proxy, proxies' },
      { path: 'bogus', message: expect.stringContaining('unknown key') },
    ]);
    expect(await imageOf()).toBe('second.example.com/dh/library/httpd:latest');
    const metrics = (await call(server.url, ca, '/metrics')).body;
    expect(metrics).toContain('pullthrough_config_reloads_total{result="success"} 1');
    expect(metrics).toContain('pullthrough_config_reloads_total{result="failure"} 1');
  });

  it('refuses to start on an invalid file, listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-bad-'));
    writeFileSync(join(dir, 'config.yaml'), 'mode: nope\npullSecrets: [A]\n');
    const { logger } = capture();
    await expect(
      startServer({ configPath: join(dir, 'config.yaml'), host: '127.0.0.1', port: 0, logger, tls: {} }),
    ).rejects.toMatchObject({
      code: 'PT_ERR_CONFIG',
      issues: [{ path: 'mode' }, { path: 'pullSecrets[0]' }],
    });
  });
});

describe('certificate files', () => {
  it('serves the new certificate after the files are swapped while requests run, and no request fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-certs-'));
    const ca = await createCertificateAuthority({ commonName: 'test-ca' });
    const first = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const second = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.crt'), first.cert);
    writeFileSync(join(dir, 'tls.key'), first.key);
    const { logger } = capture();
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      tls: { tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key') },
    });
    running.push(server);
    const secondFingerprint = describeCertificate(second.cert).fingerprint256;

    let failures = 0;
    let sawSecond = false;
    let swapped = false;
    const deadline = Date.now() + 10_000;
    let requests = 0;
    while (!sawSecond && Date.now() < deadline) {
      const batch = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          call(server.url, ca.cert, '/mutate', loadReview('kustomize-nginx-create')),
        ),
      );
      requests += batch.length;
      for (const result of batch) {
        if (result.status === 'rejected' || result.value.status !== 200) failures += 1;
        else if (result.value.fingerprint === secondFingerprint) sawSecond = true;
      }
      if (!swapped && requests >= 20) {
        writeFileSync(join(dir, 'tls.key.new'), second.key);
        writeFileSync(join(dir, 'tls.crt.new'), second.cert);
        renameSync(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
        renameSync(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
        swapped = true;
      }
    }
    expect(sawSecond).toBe(true);
    expect(failures).toBe(0);
    expect(requests).toBeGreaterThan(20);
  });
});

describe('shutdown', () => {
  it('fails readiness first, keeps answering reviews during the delay, then closes the listener', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-stop-'));
    const { logger } = capture();
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger,
      shutdownDelayMs: 500,
      tls: { tlsCaOut: join(dir, 'ca.crt') },
    });
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const agent = new Agent({ keepAlive: true, ca });
    await call(server.url, ca, '/healthz', undefined, agent);
    const closed = server.close();
    // During the delay the endpoint is being removed from the Service: not ready, still serving.
    expect((await call(server.url, ca, '/readyz', undefined, agent)).status).toBe(503);
    expect((await call(server.url, ca, '/mutate', loadReview('grafana-chart-create'), agent)).status).toBe(
      200,
    );
    await closed;
    await expect(call(server.url, ca, '/healthz')).rejects.toThrow();
    agent.destroy();
  });
});

describe('proxy health', () => {
  it('leaves images as written, with a warning, once the configured proxy stops answering its probe', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-health-'));
    const configPath = join(dir, 'config.yaml');
    // Port 9 (discard) on loopback: nothing listens, so every probe is refused at once.
    writeFileSync(
      configPath,
      `rules:
  - registry: docker.io
    proxy: 127.0.0.1:9/proxy_cache
    probe: { url: "http://127.0.0.1:9/v2/" }
health: { enabled: true, intervalSeconds: 0.05, timeoutSeconds: 0.5, failureThreshold: 2 }
`,
    );
    const { logger } = capture();
    const server = await startServer({
      configPath,
      host: '127.0.0.1',
      port: 0,
      logger,
      tls: { tlsCaOut: join(dir, 'ca.crt') },
    });
    running.push(server);
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    await waitFor(async () =>
      (await call(server.url, ca, '/metrics')).body.includes(
        'pullthrough_proxy_healthy{proxy="127.0.0.1:9/proxy_cache"} 0',
      ),
    );
    const reply = await call(server.url, ca, '/mutate', loadReview('httpd-untagged-create'));
    const response = JSON.parse(reply.body).response;
    expect(response.patch).toBeUndefined();
    expect(response.warnings).toEqual([
      'containers/httpd: proxy 127.0.0.1:9/proxy_cache is unavailable; httpd pulls from upstream',
    ]);
  });
});
