/**
 * CPU profile of the admission hot path: starts the production build under `node --cpu-prof`,
 * loads it over keep-alive HTTPS with one payload, stops it, and summarizes the samples taken while
 * the load ran (start-up excluded) by function, by package and by src/ file:line (via the
 * source maps in dist/).
 *
 *   node bench/profile.mjs [--payload pod-3] [--seconds 10] [--connections 10] [--top 30]
 *                          [--startup] [--keep DIR] [--bin PATH]
 *
 * `--startup` profiles start-up to ready instead; `--floor` profiles the floor server. `--bin` profiles another build of the server
 * (a scratch copy with a candidate change), so gains can be measured before touching src/.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  cpuPlan,
  imageNodeFlags,
  load,
  makeCertificates,
  pinSelf,
  ROOT,
  sleep,
  startServer,
} from './lib.mjs';
import { mainPayloads, seriesPayload } from './payloads.mjs';

const { values } = parseArgs({
  options: {
    payload: { type: 'string', default: 'pod-3' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '30' },
    interval: { type: 'string', default: '250' },
    startup: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    keep: { type: 'string' },
    bin: { type: 'string' },
  },
});

const payloads = [...mainPayloads(), ...[2, 5, 10, 20].map((n) => seriesPayload(n))];
const payload = payloads.find((p) => p.name === values.payload);
if (payload === undefined) {
  throw new Error(`unknown payload ${values.payload}; one of ${payloads.map((p) => p.name).join(', ')}`);
}
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const top = Number(values.top);

const plan = cpuPlan(true);
pinSelf(plan);
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'pullthrough-profile-'));
// The same certificate files for either server, as in the bench.
const tls = await makeCertificates(join(dir, 'tls'));
const server = await startServer(values.floor ? 'floor' : 'pullthrough', {
  plan,
  tls,
  bodyLimit: 3 * 1024 * 1024,
  nodeFlags: [
    ...imageNodeFlags(),
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    '--cpu-prof-interval',
    values.interval,
  ],
  // tsc's output, not the bundle: its source maps attribute samples to src/ and to packages.
  bin: values.bin ?? join(ROOT, 'dist/bin.js'),
});

let window;
let run;
try {
  if (!values.startup) {
    // Warm the JIT first; only the measured window is summarized.
    await load(server, payload, { connections, duration: 2, maxSeconds: 15, recordLatency: false });
    const from = process.hrtime.bigint() / 1000n;
    run = await load(server, payload, {
      connections,
      duration: seconds,
      maxSeconds: seconds + 15,
      recordLatency: false,
    });
    window = [from, process.hrtime.bigint() / 1000n];
  }
} finally {
  await server.stop();
}
await sleep(100);

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------

const maps = new Map();
function sourceMapFor(path) {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))));
    } catch {
      maps.set(path, null);
    }
  }
  return maps.get(path);
}

/** `src/core/rewrite.ts:123` for our code, `fastify lib/route.js:45` for a package, or the builtin. */
function locate(frame) {
  const url = frame.url;
  const line = frame.lineNumber;
  if (url === '') return { where: frame.functionName || '(anonymous)', pkg: '(vm)' };
  if (url.startsWith('node:')) return { where: `${url}:${line + 1}`, pkg: 'node internals' };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    const inside = rest.slice(name.split('/').length).join('/');
    return { where: `${name} ${inside}:${line + 1}`, pkg: name };
  }
  const map = sourceMapFor(path);
  const entry = map?.findEntry(line, frame.columnNumber);
  if (entry && entry.originalSource) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : join(dirname(path), entry.originalSource);
    return { where: `${relative(ROOT, source)}:${entry.originalLine + 1}`, pkg: 'pullthrough' };
  }
  return {
    where: `${relative(ROOT, path)}:${line + 1}`,
    pkg: relative(ROOT, path).startsWith('dist') ? 'pullthrough' : 'other',
  };
}

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const keyOf = new Map();
for (const node of profile.nodes) {
  const { where, pkg } = locate(node.callFrame);
  const fn = node.callFrame.functionName || '(anonymous)';
  keyOf.set(node.id, { key: `${fn} ${where}`, fn, where, pkg });
}

// Sample timestamps: startTime plus the running sum of timeDeltas (µs, monotonic like hrtime).
const self = new Map();
const inclusive = new Map();
const byPackage = new Map();
let total = 0;
let t = BigInt(profile.startTime);
for (let i = 0; i < profile.samples.length; i += 1) {
  t += BigInt(profile.timeDeltas[i]);
  const next = profile.timeDeltas[i + 1] ?? 0;
  if (window !== undefined && (t < window[0] || t > window[1])) continue;
  const weight = Math.max(0, next); // µs this sample stands for
  const id = profile.samples[i];
  const info = keyOf.get(id);
  if (info.fn === '(idle)') continue;
  total += weight;
  self.set(info.key, (self.get(info.key) ?? 0) + weight);
  byPackage.set(info.pkg, (byPackage.get(info.pkg) ?? 0) + weight);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = keyOf.get(at).key;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + weight);
  }
}
void nodes;

const perReview = (us) =>
  run === undefined || run.requests === 0 ? '' : ` ${(us / run.requests).toFixed(1).padStart(6)} µs/review`;
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%${perReview(us)}`;
const list = (map, filter = () => true, limit = top) =>
  [...map.entries()]
    .filter(([key]) => filter(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, us]) => `${pct(us)}  ${key}`)
    .join('\n');

const requests = run?.requests ?? 0;
const out = [];
out.push(
  values.startup
    ? `start-up profile: ${(total / 1000).toFixed(0)} ms of CPU on the main thread before exit`
    : `${values.floor ? 'floor' : 'pullthrough'} ${payload.name} at ${connections} connections for ${seconds} s: ${requests} reviews, ` +
        `${(total / 1000).toFixed(0)} ms sampled on the main thread, ${(total / Math.max(requests, 1)).toFixed(1)} µs/review`,
);
out.push('\n== by package (self time) ==');
out.push(list(byPackage));
out.push(`\n== top ${top} functions by self time ==`);
out.push(list(self));
out.push(`\n== pullthrough functions by inclusive time ==`);
out.push(list(inclusive, (key) => / (\S*\/)?src\/\S+\.ts:\d+$/.test(key)));
out.push(`\n== top ${top} functions by inclusive time ==`);
out.push(list(inclusive));
process.stdout.write(`${out.join('\n')}\n`);
