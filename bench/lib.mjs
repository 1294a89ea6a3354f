/**
 * Benchmark plumbing shared by run.mjs and profile.mjs: child servers pinned to a CPU, /proc
 * readings (CPU time, RSS, peak RSS), readiness polling and bounded autocannon runs over
 * keep-alive HTTPS on loopback.
 */
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import {
  openSync,
  closeSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';

export const ROOT = new URL('..', import.meta.url).pathname;
/**
 * The server the bench runs: the bundle the image runs (dist/bundle/bin.mjs, `npm run build` makes
 * it) when present, else tsc's output.
 */
export const SERVER_BIN = existsSync(join(ROOT, 'dist/bundle/bin.mjs'))
  ? join(ROOT, 'dist/bundle/bin.mjs')
  : join(ROOT, 'dist/bin.js');
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile of an already sorted typed array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** utime + stime of a process (all its threads), in milliseconds. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5); fields[0] is field 3 (state).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Host-wide CPU time from /proc/stat, in milliseconds: busy (user, nice, system, irq, softirq) and steal. */
export function hostCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const toMs = (ticks) => (ticks * 1000) / CLK_TCK;
  return { busyMs: toMs(user + nice + system + irq + softirq), stealMs: toMs(steal ?? 0) };
}

/** Current and peak resident set size of a process, in MiB. */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
}

/** Resets the peak RSS (VmHWM) to the current RSS (proc(5), clear_refs "5"); false when not allowed. */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU placement: the servers share one CPU, the load generator gets the others. */
export function cpuPlan(enabled) {
  const cpus = availableParallelism();
  if (!enabled || cpus < 2) return { pinned: false, server: undefined, client: undefined };
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return { pinned: false, server: undefined, client: undefined };
  }
  const server = String(cpus - 1);
  const client = cpus === 2 ? '0' : `0-${cpus - 2}`;
  return { pinned: true, server, client };
}

/** Pins this process (every thread) to the client CPUs. */
export function pinSelf(plan) {
  if (!plan.pinned) return;
  execFileSync('taskset', ['-a', '-cp', plan.client, String(process.pid)], { stdio: 'ignore' });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One HTTPS request on a fresh connection; resolves `{ status, body }`. Bounded by `timeoutMs`. */
export function fetchOnce(url, { method = 'GET', body, timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        agent: false,
        rejectUnauthorized: false,
        timeout: timeoutMs,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts a server as a child process (pinned when the plan says so) and resolves once it answers on
 * its HTTPS port: GET /readyz 200 for pullthrough and the floor; any HTTP answer for the peer, whose
 * webhook port has no probe (its probes are on a separate plain-HTTP port). `kind` is `pullthrough`,
 * `floor` or `hcw`. `tls` is `{ cert, key, dir }`: certificate files, the same for every kind (HCW
 * reads `tls.crt` and `tls.key` from `dir`); pullthrough without `tls` takes its self-signed path.
 * Returns timings for the start-up measurement.
 */
export async function startServer(
  kind,
  { plan, nodeFlags = [], bodyLimit, extraArgs = [], env, bin, tls, peer, node },
) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `pullthrough-bench-${kind}-`));
  const tlsArgs = tls === undefined ? [] : ['--tls-cert', tls.cert, '--tls-key', tls.key];
  let command = node ?? process.execPath;
  let argv;
  let childEnv = env ?? process.env;
  if (kind === 'pullthrough') {
    const selfSigned = tls === undefined ? ['--tls-ca-out', join(dir, 'ca.crt')] : [];
    const script = [bin ?? SERVER_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port)];
    argv = [...nodeFlags, ...script, ...tlsArgs, ...selfSigned, '--log-level', 'info', ...extraArgs];
  } else if (kind === 'floor') {
    const script = [
      join(ROOT, 'bench/floor-server.mjs'),
      '--port',
      String(port),
      '--body-limit',
      String(bodyLimit),
    ];
    argv = [...nodeFlags, ...script, ...tlsArgs, ...extraArgs];
  } else if (kind === 'hcw') {
    const config = join(dir, 'config.yaml');
    writeFileSync(config, peer.config({ port, healthPort: await freePort(), certDir: tls.dir }));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, peer.kubeconfig());
    command = peer.bin;
    argv = ['--config', config, ...extraArgs];
    childEnv = { ...childEnv, KUBECONFIG: kubeconfig, POD_NAMESPACE: 'bench' };
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  // Logs are written as in production: pullthrough's JSON lines to stdout (here /dev/null); HCW
  // logs every rewrite to stderr, kept in a file for when it fails.
  const devNull = openSync('/dev/null', 'w');
  const errFile = kind === 'hcw' ? openSync(join(dir, 'stderr.log'), 'w') : 'pipe';
  const stdio = ['ignore', devNull, errFile];
  const started = performance.now();
  const child = plan.pinned
    ? spawn('taskset', ['-c', plan.server, command, ...argv], { stdio, env: childEnv })
    : spawn(command, argv, { stdio, env: childEnv });
  closeSync(devNull);
  if (typeof errFile === 'number') closeSync(errFile);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    if (stderr.length < 16_384) stderr += String(chunk);
  });
  const errorOutput = () => {
    if (kind !== 'hcw') return stderr;
    try {
      return readFileSync(join(dir, 'stderr.log'), 'utf8').slice(-16_384);
    } catch {
      return '';
    }
  };
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  void exited.then((value) => (exit = value));

  const url = `https://127.0.0.1:${port}`;
  const deadline = started + 30_000;
  let readyAt;
  while (readyAt === undefined) {
    if (exit !== undefined)
      throw new Error(`${kind} exited before ready (${JSON.stringify(exit)}):\n${errorOutput()}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} not ready after 30 s:\n${errorOutput()}`);
    }
    try {
      const { status } = await fetchOnce(`${url}/readyz`, { timeoutMs: 1000 });
      if (status === 200 || kind === 'hcw') readyAt = performance.now();
    } catch {
      // not listening yet
    }
    if (readyAt === undefined) await sleep(5);
  }
  const startupCpuMs = cpuMs(child.pid);

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (exit === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return result;
    })());
  return {
    kind,
    pid: child.pid,
    url,
    dir,
    startupMs: readyAt - started,
    startupCpuMs,
    stop,
    /** The server's path for one of pullthrough's routes (HCW has one route, for /mutate). */
    route: (path) => (kind === 'hcw' ? (path === '/mutate' ? peer.path : undefined) : path),
  };
}

/**
 * One bounded autocannon run over keep-alive HTTPS. With `amount`, exactly that many reviews are
 * sent (every one answered, so CPU per review is exact); otherwise the run lasts `duration`
 * seconds. Either way it is cut after `maxSeconds`.
 *
 * `requests` (optional) is autocannon's request list, for the soak's rotating bodies.
 */
export async function load(server, payload, options) {
  const { connections, amount, duration, maxSeconds, requests, onTick, progress } = options;
  const recordLatency = options.recordLatency ?? true;
  // Room for every latency of a run of `amount` reviews (duration runs are warm-ups: not recorded).
  const capacity = recordLatency && amount !== undefined ? amount : 0;
  const latencies = new Float64Array(capacity);
  let count = 0;
  let first = 0;
  let last = 0;

  const peakReset = resetPeak(server.pid);
  const cpuBefore = cpuMs(server.pid);
  const clientBefore = process.cpuUsage();
  const hostBefore = hostCpu();
  const wallBefore = performance.now();

  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${server.url}${server.route?.(payload.path) ?? payload.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload.body,
        requests,
        connections,
        pipelining: 1,
        timeout: 10,
        sampleInt: 100,
        ...(amount === undefined ? { duration } : { amount }),
      },
      (error, value) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(value),
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      const now = performance.now();
      if (count === 0) first = now - ms;
      last = now;
      if (count < capacity) latencies[count] = ms;
      count += 1;
      if (progress !== undefined) progress.count = count;
    });
    const guard = setTimeout(() => instance.stop(), maxSeconds * 1000);
    instance.once('done', () => clearTimeout(guard));
    if (onTick !== undefined) instance.on('tick', () => onTick(count));
  });

  const wallMs = performance.now() - wallBefore;
  const serverCpuMs = cpuMs(server.pid) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  const host = hostCpu();
  const mem = memory(server.pid);
  const activeMs = last - first;
  const sorted = latencies.subarray(0, Math.min(count, capacity)).sort();
  return {
    requests: count,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rps: count > 1 ? (count / activeMs) * 1000 : 0,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuUsPerReq: count > 0 ? (serverCpuMs * 1000) / count : NaN,
    // Share of one CPU the server and the load generator used while the run was active.
    serverCpu: serverCpuMs / activeMs,
    clientCpu: (client.user + client.system) / 1000 / activeMs,
    // CPUs' worth of work by every other process on the host during the run, and hypervisor steal:
    // the interference the numbers were measured under.
    otherCpu: (host.busyMs - hostBefore.busyMs - serverCpuMs - (client.user + client.system) / 1000) / wallMs,
    steal: (host.stealMs - hostBefore.stealMs) / wallMs,
    // Peak since the start of this run when the kernel lets us reset it, else since the process started.
    peakRssMB: mem.hwmMB,
    peakReset,
    rssMB: mem.rssMB,
    wallMs,
  };
}

/** The Dockerfile's exec-form ENTRYPOINT (`["node", ...flags, script]`), or undefined without one. */
export function imageEntrypoint() {
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  return line === null ? undefined : JSON.parse(line[1]);
}

/**
 * The Node flags the image runs pullthrough with: those between `node` and the script in the
 * Dockerfile's ENTRYPOINT. The bench gives them to every Node server it starts, so what it measures
 * is what the image runs, and both sides of a comparison run with the same flags.
 */
export function imageNodeFlags() {
  try {
    const argv = imageEntrypoint();
    return argv?.[0] === 'node' ? argv.slice(1, -1) : [];
  } catch {
    return [];
  }
}

/**
 * One serving certificate for every server of a run (ECDSA P-256, the key type pullthrough's
 * self-signed path makes, for localhost and 127.0.0.1), written as `tls.crt` and `tls.key` in `dir`
 * (the names HCW's certDir wants). Same files, same TLS suite, same handshake for all.
 */
export async function makeCertificates(dir) {
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    days: 30,
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private, { mode: 0o600 });
  return { cert, key, dir };
}
