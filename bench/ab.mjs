/**
 * A/B of two builds of the server (say dist/ and a scratch copy with a candidate change in src/):
 * both run side by side, pinned to the same CPU, and take turns on the same payload in many short
 * rounds, so that whatever else the machine is doing falls on both alike. Reports CPU per review
 * (the steadiest number on a busy machine), req/s, peak RSS and start-up CPU, with B/A ratios.
 *
 *   node bench/ab.mjs --b ../scratch/dist/bin.js [--a dist/bin.js] [--payload pod-3]
 *                     [--rounds 12] [--reviews 1500] [--connections 10] [--startup 3]
 *
 * Either side may be `floor` (bench/floor-server.mjs) instead of a build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import {
  cpuPlan,
  imageNodeFlags,
  load,
  makeCertificates,
  median,
  pinSelf,
  ROOT,
  startServer,
} from './lib.mjs';
import { mainPayloads, seriesPayload, SERIES_COUNTS } from './payloads.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: join(ROOT, 'dist/bin.js') },
    b: { type: 'string' },
    payload: { type: 'string', default: 'pod-3' },
    rounds: { type: 'string', default: '12' },
    reviews: { type: 'string', default: '1500' },
    connections: { type: 'string', default: '10' },
    startup: { type: 'string', default: '3' },
  },
});
if (values.b === undefined) throw new Error('--b PATH/TO/bin.js is required');

const payloads = [...mainPayloads(), ...SERIES_COUNTS.map((count) => seriesPayload(count))];
const payload = payloads.find((p) => p.name === values.payload);
if (payload === undefined) {
  throw new Error(`unknown payload ${values.payload}; one of ${payloads.map((p) => p.name).join(', ')}`);
}
const connections = Number(values.connections);
const reviews = Number(values.reviews);

const plan = cpuPlan(true);
pinSelf(plan);
const bins = { A: values.a, B: values.b };
// As the image runs them (Dockerfile ENTRYPOINT).
const nodeFlags = imageNodeFlags();
const tlsDir = mkdtempSync(join(tmpdir(), 'pullthrough-ab-'));
const tls = await makeCertificates(tlsDir);
// The floor gets pullthrough's body limit, as in run.mjs.
const { DEFAULT_BODY_LIMIT } = await import('../dist/http/app.js');
const startSide = (key) =>
  startServer(bins[key] === 'floor' ? 'floor' : 'pullthrough', {
    plan,
    tls,
    nodeFlags,
    bin: bins[key],
    bodyLimit: DEFAULT_BODY_LIMIT,
  });

const startup = { A: [], B: [] };
for (let i = 0; i < Number(values.startup); i += 1) {
  for (const key of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const server = await startSide(key);
    startup[key].push(server.startupCpuMs);
    await server.stop();
  }
}

const servers = {
  A: await startSide('A'),
  B: await startSide('B'),
};
const runs = { A: [], B: [] };
try {
  for (const key of ['A', 'B']) {
    await load(servers[key], payload, { connections, duration: 2, maxSeconds: 15, recordLatency: false });
  }
  for (let round = 0; round < Number(values.rounds); round += 1) {
    for (const key of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const run = await load(servers[key], payload, { connections, amount: reviews, maxSeconds: 120 });
      if (run.errors + run.timeouts + run.non2xx > 0) throw new Error(`${key}: failed requests`);
      runs[key].push(run);
    }
  }
} finally {
  await servers.A.stop();
  await servers.B.stop();
  rmSync(tlsDir, { recursive: true, force: true });
}

const stat = (key, field) => median(runs[key].map((run) => run[field]));
const ratios = runs.A.map((run, i) => runs.B[i].cpuUsPerReq / run.cpuUsPerReq);
const peak = (key) => Math.max(...runs[key].map((run) => run.peakRssMB));
const line = (key) =>
  `${key} ${bins[key]}: ${stat(key, 'cpuUsPerReq').toFixed(0)} µs CPU/review, ${stat(key, 'rps').toFixed(0)} req/s, ` +
  `p50 ${stat(key, 'p50').toFixed(2)} ms, peak RSS ${peak(key).toFixed(0)} MB` +
  (startup[key].length > 0 ? `, start-up ${median(startup[key]).toFixed(0)} ms CPU` : '');
process.stdout.write(
  [
    `${payload.name} at ${connections} connections, ${values.rounds} rounds of ${reviews} reviews each`,
    line('A'),
    line('B'),
    `B/A: CPU per review ×${median(ratios).toFixed(3)} (per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}), ` +
      `req/s ×${(stat('B', 'rps') / stat('A', 'rps')).toFixed(3)}` +
      (startup.A.length > 0 ? `, start-up CPU ×${(median(startup.B) / median(startup.A)).toFixed(3)}` : ''),
  ].join('\n') + '\n',
);
