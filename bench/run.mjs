/**
 * `npm run bench`: pullthrough's production build against a floor server (bench/floor-server.mjs,
 * fastify HTTPS that parses the review and answers a fixed allowed response), both as child
 * processes on 127.0.0.1, pinned to the same CPU with the same Node flags, driven by autocannon over
 * keep-alive HTTPS with the same payloads, alternating, several rounds, medians reported.
 *
 *   node bench/run.mjs [--quick] [--only startup,main,scaling,concurrency,soak] [--peers]
 *   node bench/run.mjs --report [FILE]     print the tables of a saved run (writes nothing)
 *   node bench/run.mjs --write-docs        re-render BENCHMARKS.md and the SVG from latest.json
 *
 * Environment: BENCH_DURATION (seconds per measured run, default 3; 1 with --quick),
 * BENCH_ROUNDS (3; 2), BENCH_WARMUP (seconds per server and payload before measuring, 1; 0.5),
 * BENCH_CONNECTIONS (10), BENCH_SOAK_REVIEWS (1,000,000; 100,000), BENCH_SOAK_MAX_SECONDS (1800),
 * BENCH_STARTUP_RUNS (5; 3), BENCH_NODE_FLAGS (extra flags for both servers), BENCH_PIN=0 (no
 * CPU pinning), BENCH_EXTRA_NODE (another Node binary: start-up measured with it too),
 * BENCH_CACHE_DIR (the peer: see bench/peers.mjs).
 *
 * One source of truth: a complete run (every phase, not --quick) writes bench/results/latest.json,
 * bench/results/latency.svg and BENCHMARKS.md, all rendered from the same numbers; any partial run
 * writes bench/results/partial/<time>.json (not committed) and only prints its tables.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';
import { URL } from 'node:url';
import { parseArgs } from 'node:util';
import jsonPatch from 'fast-json-patch';
import {
  cpuPlan,
  fetchOnce,
  imageNodeFlags,
  load,
  makeCertificates,
  median,
  memory,
  pinSelf,
  ROOT,
  SERVER_BIN,
  sleep,
  startServer,
} from './lib.mjs';
import { differences, dummyKubeconfig, HCW, hcwBinary, hcwConfig, patchedPod } from './peers.mjs';
import { mainPayloads, SERIES_COUNTS, seriesPayload, soakRequests } from './payloads.mjs';
import { document } from './document.mjs';
import { markdown, svg } from './report.mjs';

const RESULTS = new URL('./results/', import.meta.url);
const DOCUMENT = new URL('../BENCHMARKS.md', import.meta.url);
const CONCURRENCY = [1, 10, 100];
const PHASES = ['startup', 'main', 'scaling', 'concurrency', 'soak'];

const { values: flags, positionals } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    report: { type: 'boolean', default: false },
    'write-docs': { type: 'boolean', default: false },
    peers: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const quick = flags.quick;
/**
 * The image's Node (24), as `hack/node24.sh` installs it, when it is there and is not the Node
 * running the bench: start-up is then measured on both without being asked.
 */
function imageNode() {
  const script = readFileSync(join(ROOT, 'hack/node24.sh'), 'utf8');
  const pinned = /^version=\$\{NODE24_VERSION:-([0-9.]+)\}/m.exec(script)?.[1];
  if (pinned === undefined || process.version === `v${pinned}`) return undefined;
  const node = join(process.env.PULLTHROUGH_TOOLS || '/var/cache/pullthrough', 'node', pinned, 'bin/node');
  return existsSync(node) ? node : undefined;
}

/** The soak's length unless BENCH_SOAK_REVIEWS (or --quick) says otherwise; BENCHMARKS.md names a shorter one. */
const DEFAULT_SOAK_REVIEWS = 1_000_000;
const settings = {
  quick,
  duration: envNumber('BENCH_DURATION', quick ? 1 : 3),
  rounds: Math.round(envNumber('BENCH_ROUNDS', quick ? 2 : 3)),
  warmup: envNumber('BENCH_WARMUP', quick ? 0.5 : 1),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 10)),
  soakReviews: Math.round(envNumber('BENCH_SOAK_REVIEWS', quick ? 100_000 : DEFAULT_SOAK_REVIEWS)),
  soakMaxSeconds: envNumber('BENCH_SOAK_MAX_SECONDS', 1800),
  startupRuns: Math.round(envNumber('BENCH_STARTUP_RUNS', quick ? 3 : 5)),
  // The image's flags (Dockerfile ENTRYPOINT), then any given: the same for every Node server.
  nodeFlags: [
    ...imageNodeFlags(),
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== ''),
  ],
  pin: process.env.BENCH_PIN !== '0',
  extraNode: process.env.BENCH_EXTRA_NODE || imageNode(),
  peers: flags.peers,
};
const phases = new Set((flags.only ?? PHASES.join(',')).split(',').map((phase) => phase.trim()));
for (const phase of phases) {
  if (!PHASES.includes(phase)) throw new Error(`unknown phase "${phase}"; phases: ${PHASES.join(', ')}`);
}

/** The image's Node's `--version`, asked once. */
const extraNodeVersion =
  settings.extraNode === undefined
    ? undefined
    : execFileSync(settings.extraNode, ['--version'], { encoding: 'utf8' }).trim();

const log = (message) => process.stderr.write(`${message}\n`);
const round = (value, digits = 1) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** At most `limit` evenly spaced samples (the first and the last kept), so latest.json stays small. */
function thin(samples, limit = 120) {
  if (samples.length <= limit) return samples;
  const step = (samples.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => samples[Math.round(i * step)]);
}

/** The committed outputs, all rendered from one results object. */
function writeCommitted(results) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS), `${JSON.stringify(results, null, 2)}\n`);
  const plot = svg(results);
  if (plot !== undefined) writeFileSync(new URL('latency.svg', RESULTS), plot);
  writeFileSync(DOCUMENT, document(results));
}

if (flags.report || flags['write-docs']) {
  const from = flags.report && positionals[0] ? positionals[0] : new URL('latest.json', RESULTS);
  const saved = JSON.parse(readFileSync(from, 'utf8'));
  if (flags['write-docs']) {
    writeCommitted(saved);
    log('re-rendered BENCHMARKS.md and bench/results/latency.svg from bench/results/latest.json');
  } else {
    process.stdout.write(`${markdown(saved)}\n`);
  }
  process.exit(0);
}

if (!existsSync(new URL('../dist/bin.js', import.meta.url))) {
  throw new Error('dist/bin.js is missing: run `npm run build` (or `npm run bench`, which builds)');
}
const { DEFAULT_BODY_LIMIT } = await import('../dist/http/app.js');

const plan = cpuPlan(settings.pin);
const host = machine();
pinSelf(plan);
const workDir = mkdtempSync(join(tmpdir(), 'pullthrough-bench-'));
const tls = await makeCertificates(join(workDir, 'tls'));

let peer;
if (settings.peers) {
  const built = await hcwBinary(log);
  if (built.skipped !== undefined) {
    log(`peer: skipped: ${built.skipped}`);
    peer = { skipped: built.skipped };
  } else {
    peer = {
      ...built,
      name: HCW.name,
      version: HCW.version,
      path: HCW.path,
      config: hcwConfig,
      kubeconfig: dummyKubeconfig,
    };
    log(`peer: ${HCW.name} ${HCW.version}, ${built.source}, ${built.go}`);
  }
}
const KINDS = ['floor', 'pullthrough', ...(peer?.bin !== undefined ? ['hcw'] : [])];
const serverOptions = { plan, nodeFlags: settings.nodeFlags, bodyLimit: DEFAULT_BODY_LIMIT, tls, peer };

const live = new Set();
async function start(kind, options = {}) {
  const server = await startServer(kind, { ...serverOptions, ...options });
  live.add(server);
  return server;
}
async function stop(server) {
  live.delete(server);
  await server.stop();
}
async function stopAll() {
  await Promise.all([...live].map(stop));
  rmSync(workDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  });
}

function revision() {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    nproc: availableParallelism(),
    node: process.version,
    kernel: release(),
    memTotalMB: Math.round(totalmem() / 2 ** 20),
    autocannon: JSON.parse(readFileSync(`${ROOT}node_modules/autocannon/package.json`, 'utf8')).version,
    fastify: JSON.parse(readFileSync(`${ROOT}node_modules/fastify/package.json`, 'utf8')).version,
    pinning: plan.pinned ? { servers: `cpu ${plan.server}`, loadGenerator: `cpu ${plan.client}` } : 'none',
    revision: revision(),
    server: SERVER_BIN.slice(ROOT.length),
  };
}

function assertClean(run, what) {
  if (run.errors > 0 || run.timeouts > 0 || run.non2xx > 0) {
    throw new Error(
      `${what}: ${run.errors} errors, ${run.timeouts} timeouts, ${run.non2xx} non-2xx responses; the numbers would be meaningless`,
    );
  }
}

/** The servers of `servers` that take a payload: the peer has no audit endpoint. */
const kindsFor = (servers, payload) =>
  KINDS.filter((kind) => servers[kind]?.route(payload.path) !== undefined);

/**
 * One request per payload to each server: every answer must be an allowed review with the right
 * uid, pullthrough's with a patch exactly when one is due. The peer's answer is compared with
 * pullthrough's (the Pod each patch produces); differences are recorded, not fatal.
 */
async function verify(servers, payloads) {
  for (const payload of payloads) {
    const sent = JSON.parse(payload.body);
    const answers = {};
    for (const kind of kindsFor(servers, payload)) {
      const { status, body } = await fetchOnce(`${servers[kind].url}${servers[kind].route(payload.path)}`, {
        method: 'POST',
        body: payload.body,
      });
      const review = JSON.parse(body);
      answers[kind] = review;
      if (kind === 'hcw') continue;
      if (status !== 200 || review.response?.allowed !== true || review.response.uid !== sent.request.uid) {
        throw new Error(`${kind} ${payload.name}: unexpected answer ${status} ${body.slice(0, 300)}`);
      }
      if (kind !== 'pullthrough') continue;
      const patched = review.response.patchType === 'JSONPatch';
      const shouldPatch = payload.path === '/mutate' && payload.name !== 'no-rewrite';
      if (patched !== shouldPatch) {
        throw new Error(`pullthrough ${payload.name}: patch ${patched ? 'present' : 'absent'} unexpectedly`);
      }
      payload.responseBytes = Buffer.byteLength(body);
      if (patched) {
        const ops = JSON.parse(Buffer.from(review.response.patch, 'base64').toString());
        payload.patchOps = ops.length;
      }
    }
    if (answers.hcw !== undefined) {
      const pod = sent.request.object;
      payload.peerDifferences = differences(
        pod,
        patchedPod(pod, answers.pullthrough, jsonPatch.applyPatch),
        patchedPod(pod, answers.hcw, jsonPatch.applyPatch),
        answers.hcw,
      );
    }
  }
}

function summarize(runs) {
  const pick = (key) => runs.map((run) => run[key]);
  return {
    rps: round(median(pick('rps')), 0),
    p50: round(median(pick('p50')), 3),
    p99: round(median(pick('p99')), 3),
    cpuUsPerReq: round(median(pick('cpuUsPerReq')), 1),
    peakRssMB: round(Math.max(...pick('peakRssMB')), 1),
    serverCpu: round(median(pick('serverCpu')), 2),
    clientCpu: round(median(pick('clientCpu')), 2),
    otherCpu: round(median(pick('otherCpu')), 2),
    steal: round(median(pick('steal')), 2),
    requests: pick('requests').reduce((a, b) => a + b, 0),
    rounds: runs.map((run) => ({
      rps: round(run.rps, 0),
      p50: round(run.p50, 3),
      p99: round(run.p99, 3),
      cpuUsPerReq: round(run.cpuUsPerReq, 1),
      peakRssMB: round(run.peakRssMB, 1),
    })),
  };
}

/** Every server on one payload at one concurrency: warm-up, then rounds in rotating order. */
async function compare(servers, payload, connections) {
  const label = `${payload.name} c=${connections}`;
  const kinds = kindsFor(servers, payload);
  const rate = {};
  for (const kind of kinds) {
    const warm = await load(servers[kind], payload, {
      connections,
      duration: settings.warmup,
      maxSeconds: settings.warmup + 10,
      recordLatency: false,
    });
    assertClean(warm, `${label} ${kind} warm-up`);
    rate[kind] = warm.rps;
  }
  const runs = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let r = 0; r < settings.rounds; r += 1) {
    // Each server goes first, middle and last in turn, so drift in the machine's load spreads evenly.
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
    for (const kind of order) {
      // A fixed number of reviews (about `duration` seconds' worth) so that every one is answered.
      const amount = Math.max(connections * 20, Math.round(rate[kind] * settings.duration));
      const run = await load(servers[kind], payload, {
        connections,
        amount,
        maxSeconds: settings.duration * 5 + 10,
      });
      assertClean(run, `${label} ${kind}`);
      runs[kind].push(run);
      rate[kind] = run.rps;
    }
  }
  // Paired per round, so drift in the machine's load cancels out.
  const perRound = (other, key, invert = false) =>
    median(
      runs.pullthrough.map((run, i) =>
        invert ? runs[other][i][key] / run[key] : run[key] / runs[other][i][key],
      ),
    );
  const cell = {
    name: payload.name,
    title: payload.title,
    path: payload.path,
    containers: payload.containers,
    connections,
    bodyBytes: Buffer.byteLength(payload.body),
    responseBytes: payload.responseBytes,
    patchOps: payload.patchOps,
    floor: summarize(runs.floor),
    pullthrough: summarize(runs.pullthrough),
    ratio: {
      throughput: round(perRound('floor', 'rps'), 3),
      cpu: round(perRound('floor', 'cpuUsPerReq'), 3),
      p50: round(perRound('floor', 'p50'), 3),
    },
  };
  if (runs.hcw !== undefined) {
    cell.hcw = summarize(runs.hcw);
    cell.peerRatio = {
      throughput: round(perRound('hcw', 'rps'), 3),
      cpu: round(perRound('hcw', 'cpuUsPerReq'), 3),
    };
    cell.peerDifferences = payload.peerDifferences ?? [];
  }
  const show = (kind) =>
    cell[kind] === undefined
      ? ''
      : ` | ${kind} ${String(cell[kind].rps).padStart(6)} req/s ${String(cell[kind].cpuUsPerReq).padStart(6)} µs rss ${cell[kind].peakRssMB} MB`;
  log(
    `${label.padEnd(22)}${show('floor')}${show('pullthrough')}${show('hcw')}` +
      ` | pt/floor ${cell.ratio.throughput} (cpu ×${cell.ratio.cpu})` +
      (cell.peerRatio ? ` pt/hcw ${cell.peerRatio.throughput}` : '') +
      ` [other cpu ${cell.pullthrough.otherCpu} steal ${cell.pullthrough.steal}]`,
  );
  return cell;
}

/**
 * The main payloads again, floor and pullthrough both on the image's Node (BENCH_EXTRA_NODE): the
 * runtime users run, whose compiler and GC differ from the bench's Node. The peer is not Node.
 */
async function onImageNode(payloads) {
  const node = settings.extraNode;
  const version = extraNodeVersion;
  log(`payloads on the image's Node ${version}`);
  const servers = {
    floor: await start('floor', { node }),
    pullthrough: await start('pullthrough', { node }),
  };
  const cells = [];
  for (const payload of payloads) cells.push(await compare(servers, payload, settings.connections));
  for (const server of Object.values(servers)) await stop(server);
  await sleep(200);
  return { node: version, cells };
}

function startupSummary(runs) {
  return {
    runs,
    medianWallMs: median(runs.map((r) => r.wallMs)),
    medianCpuMs: median(runs.map((r) => r.cpuMs)),
    medianRssMB: median(runs.map((r) => r.rssMB)),
  };
}

/**
 * Exec to the first answer on the HTTPS port, every server with the same certificate files,
 * alternating so the machine's load falls on all alike; again with BENCH_EXTRA_NODE if given.
 */
async function measureStartup() {
  const variants = KINDS.map((kind) => ({ key: kind, kind }));
  if (settings.extraNode !== undefined) {
    const version = extraNodeVersion;
    for (const kind of ['floor', 'pullthrough']) {
      variants.push({ key: `${kind}@${version}`, kind, node: settings.extraNode, version });
    }
  }
  const runs = Object.fromEntries(variants.map((v) => [v.key, []]));
  for (let i = 0; i < settings.startupRuns; i += 1) {
    for (let j = 0; j < variants.length; j += 1) {
      const variant = variants[(i + j) % variants.length];
      const server = await start(variant.kind, { node: variant.node });
      runs[variant.key].push({
        wallMs: round(server.startupMs, 0),
        cpuMs: round(server.startupCpuMs, 0),
        rssMB: round(memory(server.pid).rssMB, 1),
      });
      await stop(server);
    }
  }
  const result = {};
  for (const variant of variants) {
    result[variant.key] = {
      kind: variant.kind,
      node: variant.version ?? process.version,
      ...startupSummary(runs[variant.key]),
    };
  }
  log(
    `start-up: ${variants.map((v) => `${v.key} ${result[v.key].medianWallMs} ms (${result[v.key].medianCpuMs} ms CPU, ${result[v.key].medianRssMB} MB)`).join(', ')}`,
  );
  return result;
}

/** The server's /metrics text (prom-client's default metrics included), or undefined if unanswered. */
async function scrape(server) {
  try {
    return (await fetchOnce(`${server.url}/metrics`, { timeoutMs: 5000 })).body;
  } catch {
    return undefined;
  }
}

/** V8's used heap in MB, from a /metrics text. */
function heapUsedMB(metrics) {
  const match = metrics === undefined ? null : /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(metrics);
  return match ? Number(match[1]) / 2 ** 20 : null;
}

/** V8's heap by space, from a /metrics text. */
function heapSpacesMB(metrics) {
  if (metrics === undefined) return undefined;
  const read = (what) =>
    new Map(
      [
        ...metrics.matchAll(
          new RegExp(`^nodejs_heap_space_size_${what}_bytes\\{space="([a-z_]+)"\\} (\\d+)`, 'gm'),
        ),
      ].map((m) => [m[1], Number(m[2]) / 2 ** 20]),
    );
  const used = read('used');
  const total = read('total');
  return [...total.keys()]
    .map((space) => ({ space, usedMB: round(used.get(space) ?? 0, 1), sizeMB: round(total.get(space), 1) }))
    .filter((space) => space.sizeMB > 0)
    .sort((a, b) => b.sizeMB - a.sizeMB);
}

/**
 * BENCH_SOAK_REVIEWS (default 1,000,000) reviews against a fresh server: typical Pods, each with its
 * own uid and one never-seen image tag, one in eight on /audit. RSS is sampled every second and the
 * heap every five; growth is the last quarter against the second (after warm-up and the first full
 * GC cycles), each by its troughs: RSS saws up and down by 10–15 MB as the old generation fills and is
 * collected, so a median over a short window says more about where the saw stood than about what is
 * kept; the lows are what the process holds after collecting, and rise only if something is kept.
 * Then the server idles for 10 s and its RSS is read again: the steady state.
 */
async function soak() {
  const server = await start('pullthrough');
  const idleStartMB = memory(server.pid).rssMB;
  const make = soakRequests();
  let next = 0;
  const requests = [
    {
      method: 'POST',
      setupRequest: (request) => {
        const item = make(next);
        next += 1;
        return { ...request, path: item.path, body: item.body };
      },
    },
  ];
  const first = make(0);
  const progress = { count: 0 };
  const samples = [];
  const startedAt = Date.now();
  let reported = 0;
  let sampling = false;
  const sample = async () => {
    if (sampling) return;
    sampling = true;
    const reviews = progress.count;
    const { rssMB } = memory(server.pid);
    const heap = samples.length % 5 === 0 ? heapUsedMB(await scrape(server)) : null;
    samples.push({
      t: round((Date.now() - startedAt) / 1000, 1),
      reviews,
      rssMB: round(rssMB, 1),
      heapMB: round(heap ?? NaN, 1),
    });
    const decile = Math.floor((reviews / settings.soakReviews) * 10);
    if (decile > reported) {
      reported = decile;
      log(`soak: ${reviews.toLocaleString('en-US')} reviews, rss ${rssMB.toFixed(1)} MB`);
    }
    sampling = false;
  };
  const timer = setInterval(() => void sample(), 1000);
  let run;
  try {
    run = await load(
      server,
      { path: first.path, body: first.body },
      {
        connections: settings.connections,
        amount: settings.soakReviews,
        maxSeconds: settings.soakMaxSeconds,
        recordLatency: false,
        requests,
        progress,
      },
    );
  } finally {
    clearInterval(timer);
  }
  await sample();
  const finalMetrics = await scrape(server);
  const finalHeap = heapUsedMB(finalMetrics);
  const heapSpaces = heapSpacesMB(finalMetrics);
  await sleep(10_000);
  const idleAfterMB = memory(server.pid).rssMB;
  await stop(server);
  assertClean(run, 'soak');

  const total = run.requests;
  const within = (from, to) => samples.filter((s) => s.reviews >= from * total && s.reviews <= to * total);
  const q2 = within(0.25, 0.5);
  const end = within(0.75, 1);
  // The troughs: the 10th percentile of each quarter's once-a-second samples.
  const low = (list) => {
    const sorted = list.map((s) => s.rssMB).sort((a, b) => a - b);
    return sorted[Math.floor(0.1 * (sorted.length - 1))];
  };
  const rssQ2MB = low(q2);
  const rssEndMB = low(end);
  const heapOf = (list) => median(list.map((s) => s.heapMB).filter((v) => v !== null));
  const result = {
    reviews: total,
    seconds: round(run.wallMs / 1000, 1),
    rps: round(run.rps, 0),
    errors: run.errors + run.timeouts + run.non2xx,
    cpuUsPerReq: round(run.cpuUsPerReq, 1),
    rssIdleStartMB: round(idleStartMB, 1),
    rssStartMB: samples.find((s) => s.reviews > 0)?.rssMB ?? null,
    rssQ2MB: round(rssQ2MB, 1),
    rssEndMB: round(rssEndMB, 1),
    rssGrowthMB: round(rssEndMB - rssQ2MB, 1),
    rssIdleAfterMB: round(idleAfterMB, 1),
    peakRssMB: round(run.peakRssMB, 1),
    heapQ2MB: round(heapOf(q2), 1),
    heapEndMB: round(finalHeap ?? heapOf(end), 1),
    heapSpaces,
    samples: thin(samples),
  };
  log(
    `soak: ${total} reviews in ${result.seconds} s, rss troughs q2 ${result.rssQ2MB} MB → q4 ${result.rssEndMB} MB (growth ${result.rssGrowthMB} MB), peak ${result.peakRssMB} MB, idle after ${result.rssIdleAfterMB} MB`,
  );
  return result;
}

/** The chart's default memory request, in MiB (charts/pullthrough/values.yaml `resources.requests.memory`). */
function chartMemoryRequestMiB() {
  try {
    const values = readFileSync(new URL('../charts/pullthrough/values.yaml', import.meta.url), 'utf8');
    const block =
      /^resources:\n(?:[ \t]+.*\n)*?[ \t]+requests:\n(?:[ \t]+.*\n)*?[ \t]+memory:\s*(\d+)Mi\b/m.exec(values);
    return block ? Number(block[1]) : undefined;
  } catch {
    return undefined;
  }
}

function targets(results) {
  const list = [];
  const main = results.main ?? [];
  const typical = main.find((cell) => cell.name === 'pod-3');
  if (typical) {
    list.push({
      id: 'typical-ratio',
      text: 'throughput on the typical 3-container Pod, ratio to the floor',
      value: typical.ratio.throughput,
      measured: typical.ratio.throughput.toFixed(2),
      limit: '≥ 0.85',
      met: typical.ratio.throughput >= 0.85,
    });
    // Throughput on a shared machine depends on who else got the CPU; CPU time per review does not
    // (much): the ratio both servers would reach if each had a CPU of its own and nothing else.
    list.push({
      id: 'typical-cpu-ratio',
      text: 'same, from CPU time per review (floor µs ÷ pullthrough µs: the throughput ratio when CPU-bound)',
      value: 1 / typical.ratio.cpu,
      measured: (1 / typical.ratio.cpu).toFixed(2),
      limit: '≥ 0.85',
      met: 1 / typical.ratio.cpu >= 0.85,
    });
  }
  if (main.length > 0) {
    const worst = main.reduce((a, b) => (b.ratio.throughput < a.ratio.throughput ? b : a));
    list.push({
      id: 'every-payload-ratio',
      text: 'throughput ratio to the floor on every payload (the lowest)',
      value: worst.ratio.throughput,
      measured: `${worst.ratio.throughput.toFixed(2)} (${worst.name})`,
      limit: '≥ 0.75',
      met: worst.ratio.throughput >= 0.75,
    });
  }
  const image = results.mainOnImageNode;
  const imageTypical = image?.cells.find((cell) => cell.name === 'pod-3');
  if (imageTypical) {
    const worst = image.cells.reduce((a, b) => (b.ratio.throughput < a.ratio.throughput ? b : a));
    const cpu = 1 / imageTypical.ratio.cpu;
    list.push({
      id: 'image-node-ratio',
      text: `same three on the image's Node ${image.node}: typical Pod by throughput and by CPU; the lowest payload`,
      value: imageTypical.ratio.throughput,
      measured: `${imageTypical.ratio.throughput.toFixed(2)}; ${cpu.toFixed(2)} by CPU; lowest ${worst.ratio.throughput.toFixed(2)} (${worst.name})`,
      limit: '≥ 0.85; ≥ 0.85; ≥ 0.75',
      met: imageTypical.ratio.throughput >= 0.85 && cpu >= 0.85 && worst.ratio.throughput >= 0.75,
    });
  }
  const one = main.find((cell) => cell.name === 'pod-1');
  const fifty = main.find((cell) => cell.name === 'pod-50');
  if (one && fifty) {
    const cpu = fifty.pullthrough.cpuUsPerReq / one.pullthrough.cpuUsPerReq;
    const time = one.pullthrough.rps / fifty.pullthrough.rps;
    list.push({
      id: 'scaling',
      text: 'cost of the 50-container Pod × the 1-container Pod (CPU per review; 1/throughput)',
      value: Math.max(cpu, time),
      measured: `${cpu.toFixed(2)}× CPU; ${time.toFixed(2)}× time`,
      limit: '≤ 8×',
      met: Math.max(cpu, time) <= 8,
    });
  }
  const loaded = [...main, ...(results.scaling ?? []), ...(results.concurrency ?? [])];
  if (loaded.length > 0) {
    const peak = (kind) => Math.max(...loaded.map((cell) => cell[kind].peakRssMB));
    const excess = peak('pullthrough') - peak('floor');
    list.push({
      id: 'peak-rss',
      text: "peak RSS under load over the floor's (every payload, container count and concurrency)",
      value: excess,
      measured: `${excess >= 0 ? '+' : ''}${excess.toFixed(1)} MB (${peak('pullthrough').toFixed(1)} vs ${peak('floor').toFixed(1)} MB)`,
      limit: '≤ +25 MB',
      met: excess <= 25,
    });
  }
  if (results.soak) {
    const s = results.soak;
    // "No growth": within 5% of the second-quarter RSS (GC heap sizing and allocator noise).
    const allowed = Math.max(4, s.rssQ2MB * 0.05);
    list.push({
      id: 'soak',
      text: `RSS growth over ${s.reviews.toLocaleString('en-US')} reviews (troughs of the last quarter vs the second)`,
      value: s.rssGrowthMB,
      measured: `${s.rssGrowthMB >= 0 ? '+' : ''}${s.rssGrowthMB.toFixed(1)} MB (${s.rssQ2MB} → ${s.rssEndMB} MB)`,
      limit: `no growth (≤ ${allowed.toFixed(1)} MB noise)`,
      met: s.rssGrowthMB <= allowed && s.reviews >= settings.soakReviews,
    });
    const request = chartMemoryRequestMiB();
    if (request !== undefined) {
      // memory() reads /proc in KiB and divides by 1024: these "MB" are MiB, like the chart's request.
      const steady = s.rssIdleAfterMB;
      list.push({
        id: 'steady-rss',
        text: "steady state: RSS idle after the soak, against the chart's default memory request",
        value: steady,
        measured: `${steady.toFixed(1)} MiB (under load, troughs: ${s.rssEndMB} MiB; peak ${s.peakRssMB} MiB)`,
        limit: `≤ ${request} MiB`,
        met: steady <= request,
      });
    }
  }
  if (results.startup?.pullthrough && results.startup?.floor) {
    // Start-ups alternate, so the i-th start of each server saw about the same machine: compare in pairs.
    const paired = (a, b, key) => median(a.runs.map((run, i) => run[key] / b.runs[i][key]));
    const startupTarget = (id, text, pt, floor) => {
      const wall = paired(pt, floor, 'wallMs');
      const cpu = paired(pt, floor, 'cpuMs');
      return {
        id,
        text,
        value: wall,
        measured:
          `${pt.medianWallMs} ms vs ${floor.medianWallMs} ms (×${wall.toFixed(2)} paired); ` +
          `CPU ${pt.medianCpuMs} vs ${floor.medianCpuMs} ms (×${cpu.toFixed(2)})`,
        limit: '≤ ×1.00',
        met: wall <= 1,
      };
    };
    const pt = results.startup.pullthrough;
    list.push(
      startupTarget(
        'startup',
        `start to ready with certificate files (median; Node ${pt.node}), against the floor started the same way`,
        pt,
        results.startup.floor,
      ),
    );
    for (const [key, value] of Object.entries(results.startup)) {
      if (value.kind !== 'pullthrough' || key === 'pullthrough') continue;
      const floor = results.startup[key.replace('pullthrough', 'floor')];
      if (floor !== undefined)
        list.push(startupTarget(`startup-${value.node}`, `same on Node ${value.node}`, value, floor));
    }
  }
  return list;
}

/** Every phase ran with the full settings: the only kind of run that may replace the committed results. */
const complete = PHASES.every((phase) => phases.has(phase)) && !quick;
const began = Date.now();
const results = {
  generatedAt: new Date().toISOString(),
  machine: host,
  settings: { ...settings, phases: [...phases], defaultSoakReviews: DEFAULT_SOAK_REVIEWS },
  loadavgStart: loadavg().map((v) => round(v, 2)),
};
if (peer !== undefined) {
  results.peer = peer.skipped
    ? { name: HCW.name, version: HCW.version, skipped: peer.skipped }
    : { name: HCW.name, version: HCW.version, source: peer.source, go: peer.go, rule: HCW.rule };
}
log(
  `pullthrough bench: ${results.machine.nproc} × ${results.machine.cpuModel}, Node ${process.version}, ` +
    `load average ${results.loadavgStart.join(' ')}, pinning ${JSON.stringify(results.machine.pinning)}, servers ${KINDS.join(', ')}`,
);
try {
  if (phases.has('startup')) results.startup = await measureStartup();
  if (phases.has('main') || phases.has('scaling') || phases.has('concurrency')) {
    const servers = Object.fromEntries(
      await Promise.all(KINDS.map(async (kind) => [kind, await start(kind)])),
    );
    const main = mainPayloads();
    const series = SERIES_COUNTS.map((count) => seriesPayload(count));
    await verify(servers, [...main, ...series]);
    if (phases.has('main')) {
      results.main = [];
      for (const payload of main) results.main.push(await compare(servers, payload, settings.connections));
    }
    if (phases.has('scaling')) {
      results.scaling = [];
      for (const payload of series) {
        // pod-1 and pod-50 are the 1- and 50-container members of the series: reuse their runs.
        const same = results.main?.find((cell) => cell.name === `pod-${payload.containers}`);
        results.scaling.push(
          same !== undefined && Buffer.byteLength(payload.body) === same.bodyBytes
            ? { ...same, name: payload.name, title: payload.title }
            : await compare(servers, payload, settings.connections),
        );
      }
    }
    if (phases.has('concurrency')) {
      results.concurrency = [];
      const typical = main.find((payload) => payload.name === 'pod-3');
      for (const connections of CONCURRENCY) {
        const same =
          connections === settings.connections
            ? results.main?.find((cell) => cell.name === 'pod-3')
            : undefined;
        results.concurrency.push(same ?? (await compare(servers, typical, connections)));
      }
    }
    for (const server of Object.values(servers)) await stop(server);
    await sleep(200);
    if (phases.has('main') && settings.extraNode !== undefined) {
      results.mainOnImageNode = await onImageNode(main);
    }
  }
  if (phases.has('soak')) results.soak = await soak();
} finally {
  await stopAll();
}
results.loadavgEnd = loadavg().map((v) => round(v, 2));
results.elapsedSeconds = Math.round((Date.now() - began) / 1000);
results.targets = targets(results);
process.stdout.write(`${markdown(results)}\n`);
if (complete) {
  writeCommitted(results);
  log(
    `done in ${results.elapsedSeconds} s; wrote bench/results/latest.json, bench/results/latency.svg and BENCHMARKS.md`,
  );
} else {
  const partial = new URL('partial/', RESULTS);
  mkdirSync(partial, { recursive: true });
  const file = new URL(`${results.generatedAt.replace(/[:.]/g, '-')}.json`, partial);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(
    `done in ${results.elapsedSeconds} s; a partial run (${quick ? '--quick' : `phases ${[...phases].join(',')}`}): ` +
      `wrote ${file.pathname.slice(ROOT.length)}, not the committed results (node bench/run.mjs --report FILE prints it)`,
  );
}
