/**
 * Faults under load: the built server (`node dist/bin.js serve`) under sustained keep-alive HTTPS
 * load while its configuration is rewritten (valid, then invalid), its certificate files rotate,
 * and SIGTERM arrives. Every request is counted; the only failures allowed are the designed ones
 * after SIGTERM (connection refused once the listener closes, 503 or a reset on a keep-alive
 * connection once the drain has started).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../src/tls/tls-material.js';
import { createReview } from '../fixtures/load.js';
import { call, makeCertificates, sleep, waitFor, watchClose } from './helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const SHUTDOWN_DELAY_S = 1;
const DRAIN_TIMEOUT_S = 2;
/** Keep-alive workers, plus workers that open a fresh connection (and handshake) per request. */
const KEEP_ALIVE_WORKERS = 12;
const FRESH_WORKERS = 2;
/** Hard bounds on the whole load, whatever happens. */
const MAX_LOAD_MS = 40_000;
const MAX_REQUESTS = 500_000;
const REQUEST_TIMEOUT_MS = 5_000;
/** Load held before and after each fault. */
const PHASE_MS = 1_500;

const FIRST_PROXY = 'first.example.com/dh';
const SECOND_PROXY = 'second.example.com/dh';

/** 'ok', 'wrong-answer', 'http-<status>', or the socket error code. */
type Outcome = string;

interface Sample {
  readonly worker: 'keep-alive' | 'fresh';
  /** When the request was handed to the client (ms since the test's epoch). */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: Outcome;
  readonly proxy: string | undefined;
  readonly fingerprint: string | undefined;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts `pullthrough serve` and resolves with its URL once it logs that it serves. */
async function spawnServer(args: string[]): Promise<{
  child: ChildProcess;
  url: string;
  logLines: () => any[];
  /** Admission log lines seen (one per review the server answered). */
  admissions: () => number;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: any[] = [];
  let admissions = 0;
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) {
      if (text === '') continue;
      // One line per review: count them, keep (and parse) the rest.
      if (text.includes('"msg":"admission"')) admissions += 1;
      else lines.push(JSON.parse(text));
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: performance.now() })),
  );
  let url: string | undefined;
  await Promise.race([
    waitFor(
      () => (url = lines.find((line) => line.msg === 'pullthrough is serving')?.url) !== undefined,
      15_000,
      'the server to start',
    ),
    exited.then(({ code }) => {
      throw new Error(`the server exited with ${code} before serving: ${stderr}`);
    }),
  ]);
  return {
    child,
    url: url!,
    logLines: () => lines,
    admissions: () => admissions,
    stderr: () => stderr,
    exited,
  };
}

/** A request written by hand, so the test decides when its body completes. */
function partialRequest(
  port: number,
  ca: string,
  body: string,
): Promise<{ socket: TLSSocket; finish: () => void; response: Promise<string> }> {
  return new Promise((done, fail) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const half = Math.floor(body.length / 2);
      socket.write(
        `POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      const response = new Promise<string>((settle) => {
        socket.on('close', () => settle(received));
        socket.on('error', () => undefined);
      });
      done({ socket, finish: () => socket.end(body.slice(half)), response });
    });
    socket.once('error', fail);
  });
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.next`, text);
  renameSync(`${path}.next`, path);
}

const configFor = (proxy: string) =>
  `rules: [{registry: docker.io, proxy: ${proxy}}]\npullSecrets: [regcred]\n`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('faults under sustained load', () => {
  it('reloads config (valid and invalid), rotates the certificate and drains on SIGTERM with no failed review', async () => {
    expect(existsSync(BIN), `${BIN} is built by npm test (npm run build)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'pt-faults-'));
    const certs = await makeCertificates();
    const ca = certs.ca.cert;
    const paths = { config: join(dir, 'config.yaml'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
    writeFileSync(paths.config, configFor(FIRST_PROXY));
    writeFileSync(paths.cert, certs.first.cert);
    writeFileSync(paths.key, certs.first.key);
    const firstFingerprint = describeCertificate(certs.first.cert).fingerprint256;
    const secondFingerprint = describeCertificate(certs.second.cert).fingerprint256;

    const server = await spawnServer([
      ...['--config', paths.config, '--tls-cert', paths.cert, '--tls-key', paths.key],
      ...['--host', '127.0.0.1', '--port', '0'],
      ...['--shutdown-delay', String(SHUTDOWN_DELAY_S), '--drain-timeout', String(DRAIN_TIMEOUT_S)],
    ]);
    const port = Number(new URL(server.url).port);

    // ---- the load -------------------------------------------------------------------------
    const epoch = performance.now();
    const now = () => performance.now() - epoch;
    const samples: Sample[] = [];
    const agent = new Agent({ keepAlive: true, maxSockets: KEEP_ALIVE_WORKERS, ca });
    let stop = false;
    let sequence = 0;

    const reviewBody = (uid: string) =>
      JSON.stringify(
        createReview(
          {
            metadata: { name: `load-${uid}`, namespace: 'load' },
            spec: { containers: [{ name: 'app', image: 'httpd' }] },
          },
          { uid },
        ),
      );

    const oneRequest = async (worker: Sample['worker']): Promise<void> => {
      const uid = `load-${(sequence += 1)}`;
      const startedAt = now();
      let outcome: Outcome;
      let proxy: string | undefined;
      let fingerprint: string | undefined;
      try {
        const reply = await call(server.url, ca, '/mutate', {
          body: reviewBody(uid),
          agent: worker === 'keep-alive' ? agent : false,
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
        fingerprint = reply.fingerprint;
        if (reply.status !== 200) {
          outcome = `http-${reply.status}`;
        } else {
          const response = JSON.parse(reply.body).response;
          const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
          const image: string = patch[0]?.value ?? '';
          proxy = [FIRST_PROXY, SECOND_PROXY].find(
            (candidate) => image === `${candidate}/library/httpd:latest`,
          );
          outcome =
            response.uid === uid && response.allowed === true && proxy !== undefined ? 'ok' : 'wrong-answer';
        }
      } catch (error) {
        outcome = (error as NodeJS.ErrnoException).code ?? 'error';
      }
      samples.push({ worker, startedAt, endedAt: now(), outcome, proxy, fingerprint });
    };

    const worker = async (kind: Sample['worker']): Promise<void> => {
      while (!stop && now() < MAX_LOAD_MS && samples.length < MAX_REQUESTS) {
        await oneRequest(kind);
        // Once the listener is gone, a refused connection comes back at once: do not spin.
        const last = samples[samples.length - 1];
        if (last !== undefined && last.outcome !== 'ok') await sleep(20);
      }
    };
    const workers = [
      ...Array.from({ length: KEEP_ALIVE_WORKERS }, () => worker('keep-alive')),
      ...Array.from({ length: FRESH_WORKERS }, () => worker('fresh')),
    ];
    const okSince = (t: number) => samples.filter((s) => s.startedAt >= t && s.outcome === 'ok');
    const metrics = async () => (await call(server.url, ca, '/metrics', { timeoutMs: 5_000 })).body;

    await sleep(PHASE_MS);
    const phases: Record<string, number> = {};

    // (a) a valid configuration change: the next reviews use the new proxy.
    phases.configValid = now();
    writeAtomically(paths.config, configFor(SECOND_PROXY));
    await waitFor(
      () => okSince(phases.configValid!).some((s) => s.proxy === SECOND_PROXY),
      10_000,
      'the new config',
    );
    const switched = Math.min(
      ...okSince(phases.configValid)
        .filter((s) => s.proxy === SECOND_PROXY)
        .map((s) => s.endedAt),
    );
    await sleep(PHASE_MS);

    // (b) an invalid configuration: rejected, the last good one stays in force.
    phases.configInvalid = now();
    writeAtomically(paths.config, 'rules: [{registry: docker.io}]\nbogus: 1\n');
    await waitFor(
      async () => (await metrics()).includes('pullthrough_config_reloads_total{result="failure"} 1'),
      10_000,
      'the invalid config to be rejected',
    );
    await sleep(PHASE_MS);

    // (c) certificate rotation: new handshakes get the new certificate.
    phases.certRotated = now();
    writeAtomically(paths.key, certs.second.key);
    writeAtomically(paths.cert, certs.second.cert);
    await waitFor(
      () => okSince(phases.certRotated!).some((s) => s.fingerprint === secondFingerprint),
      10_000,
      'the rotated certificate',
    );
    await sleep(PHASE_MS);

    // (d) SIGTERM with a review in flight (body half sent) and a stuck client (body never finished).
    const inFlight = await partialRequest(port, ca, reviewBody('in-flight'));
    const stuck = await partialRequest(port, ca, reviewBody('stuck'));
    const stuckEnd = watchClose(stuck.socket, 15_000);
    phases.sigterm = now();
    server.child.kill('SIGTERM');

    // The listener stays open for the shutdown delay, then new connections are refused.
    let refusedAt: number | undefined;
    while (refusedAt === undefined && now() - phases.sigterm < 10_000) {
      const refused = await new Promise<boolean>((done) => {
        const probe = netConnect(port, '127.0.0.1');
        probe.once('connect', () => {
          probe.destroy();
          done(false);
        });
        probe.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
      });
      if (refused) refusedAt = now();
      else await sleep(50);
    }
    expect(refusedAt, 'new connections are refused after the drain starts').toBeDefined();
    inFlight.finish(); // the drain is on: the review in flight must still complete
    const exit = await Promise.race([
      server.exited,
      sleep(15_000).then(() => ({ code: null, signal: 'still running', at: performance.now() })),
    ]);
    const exitedAt = exit.at - epoch;
    stop = true;
    const settled = await Promise.race([
      Promise.all(workers).then(() => true),
      sleep(REQUEST_TIMEOUT_MS + 2_000).then(() => false),
    ]);
    // No client socket outlives the server.
    const socketsLeft = () =>
      Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length;
    await waitFor(() => socketsLeft() === 0, 3_000, 'every keep-alive socket to close').catch(
      () => undefined,
    );
    const openSockets = socketsLeft();
    agent.destroy();

    // ---- the verdict ------------------------------------------------------------------------
    const drainStart = refusedAt!;
    const designed = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'http-503']);
    const failedBeforeDrain = samples.filter(
      (s) => s.outcome !== 'ok' && s.startedAt < phases.sigterm! + SHUTDOWN_DELAY_S * 1000 - 500,
    );
    const afterDrain = samples.filter((s) => s.outcome !== 'ok' && !failedBeforeDrain.includes(s));
    const undesigned = afterDrain.filter((s) => !designed.has(s.outcome) || s.startedAt < phases.sigterm!);
    const counts = (list: Sample[]) =>
      list.reduce<Record<string, number>>(
        (acc, s) => ((acc[s.outcome] = (acc[s.outcome] ?? 0) + 1), acc),
        {},
      );
    const loadEnd = Math.min(drainStart, phases.sigterm + SHUTDOWN_DELAY_S * 1000);
    const underLoad = samples.filter((s) => s.startedAt < loadEnd);
    const latencies = underLoad
      .filter((s) => s.outcome === 'ok')
      .map((s) => s.endedAt - s.startedAt)
      .sort((a, b) => a - b);
    const inFlightResponse = await inFlight.response;
    const stuckClosed = await stuckEnd;
    const summary = {
      requests: samples.length,
      ok: samples.filter((s) => s.outcome === 'ok').length,
      loadSeconds: Number((loadEnd / 1000).toFixed(1)),
      ratePerSecond: Math.round(underLoad.length / (loadEnd / 1000)),
      concurrency: `${KEEP_ALIVE_WORKERS} keep-alive + ${FRESH_WORKERS} new-connection workers`,
      latencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        max: Math.round(latencies.at(-1) ?? 0),
      },
      phasesAtSeconds: Object.fromEntries(
        Object.entries({ ...phases, drainStart, exited: exitedAt }).map(([k, v]) => [
          k,
          Number((v / 1000).toFixed(2)),
        ]),
      ),
      configSwitchedAfterMs: Math.round(switched - phases.configValid),
      failedReviews: failedBeforeDrain.length + undesigned.length,
      failedByOutcome: counts([...failedBeforeDrain, ...undesigned]),
      designedAfterSigterm: counts(afterDrain.filter((s) => !undesigned.includes(s))),
      reviewsLoggedByServer: server.admissions(),
      stuckClientCutAfterDrainMs:
        stuckClosed.closedAfterMs === undefined
          ? 'not cut'
          : Math.round(stuckClosed.closedAfterMs - (drainStart - phases.sigterm)),
      exit,
    };

    // No failed review outside the designed drain, and every request settled (no hung socket).
    // The whole run's figures go with the first failure, to read what happened.
    const figures = `faults under load: ${JSON.stringify(summary, null, 2)}`;
    expect(settled, `every request settled\n${figures}`).toBe(true);
    expect(openSockets, 'client sockets still open after the server exited').toBe(0);
    expect(summary.failedByOutcome, figures).toEqual({});
    expect(samples.some((s) => s.outcome === 'ETIMEOUT')).toBe(false);
    expect(underLoad.length).toBeGreaterThan(200);
    // Every review the client saw answered was logged by the server (the in-flight one included).
    expect(server.admissions()).toBeGreaterThanOrEqual(summary.ok);

    // (a) after the first review with the new proxy, no later review used the old one.
    expect(samples.filter((s) => s.startedAt > switched && s.proxy === FIRST_PROXY)).toEqual([]);
    // (b) the invalid file changed nothing.
    expect(okSince(phases.configInvalid).every((s) => s.proxy === SECOND_PROXY)).toBe(true);
    expect(okSince(phases.configInvalid).length).toBeGreaterThan(0);
    expect(server.logLines().some((line) => line.msg?.startsWith('configuration rejected'))).toBe(true);
    // (c) both certificates were served, and the new one to new connections after the rotation.
    expect(samples.some((s) => s.fingerprint === firstFingerprint)).toBe(true);
    expect(samples.some((s) => s.fingerprint === secondFingerprint && s.worker === 'fresh')).toBe(true);
    // (d) the listener stayed open for the shutdown delay, then closed; the in-flight review
    // completed; the stuck client was cut at the drain timeout; exit 0 within the bound.
    expect(drainStart - phases.sigterm).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_S * 1000 - 100);
    expect(drainStart - phases.sigterm).toBeLessThan(SHUTDOWN_DELAY_S * 1000 + 2_000);
    expect(inFlightResponse).toMatch(/^HTTP\/1\.1 200 /);
    expect(inFlightResponse).toContain('"uid":"in-flight"');
    expect(inFlightResponse).toContain('"patchType":"JSONPatch"');
    expect(
      samples.filter(
        (s) => s.worker === 'fresh' && s.startedAt > drainStart + 100 && s.outcome !== 'ECONNREFUSED',
      ),
      'new connections after the drain started',
    ).toEqual([]);
    expect(stuckClosed.closedAfterMs).toBeDefined();
    const cutAfterDrain = stuckClosed.closedAfterMs! - (drainStart - phases.sigterm);
    expect(cutAfterDrain).toBeGreaterThan(DRAIN_TIMEOUT_S * 1000 - 500);
    expect(cutAfterDrain).toBeLessThan(DRAIN_TIMEOUT_S * 1000 + 2_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exitedAt - phases.sigterm).toBeLessThan((SHUTDOWN_DELAY_S + DRAIN_TIMEOUT_S) * 1000 + 3_000);
    expect(server.stderr()).toBe('');
    expect(server.logLines().some((line) => line.msg === 'pullthrough stopped')).toBe(true);
  }, 60_000);
});
