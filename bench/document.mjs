/**
 * BENCHMARKS.md, rendered whole from one results object (bench/results/latest.json): every figure in
 * it comes from that run, so the headline and the tables cannot disagree. The prose here carries no
 * measured numbers.
 */
import { fixed, markdown, thousands } from './report.mjs';

function headline(results) {
  const lines = [];
  const typical = results.main?.find((cell) => cell.name === 'pod-3');
  const t = Object.fromEntries((results.targets ?? []).map((target) => [target.id, target]));
  const verdict = (target) => (target === undefined ? '' : target.met ? ' (met)' : ' (**missed**)');
  if (typical) {
    lines.push(
      `On the typical 3-container Pod pullthrough answered **${thousands(typical.pullthrough.rps)} reviews/s against the floor's ` +
        `${thousands(typical.floor.rps)}: ${fixed(typical.ratio.throughput, 2)} of the floor**${verdict(t['typical-ratio'])}, ` +
        `spending ${fixed(typical.pullthrough.cpuUsPerReq)} µs of CPU per review against ${fixed(typical.floor.cpuUsPerReq)} µs ` +
        `(${fixed(1 / typical.ratio.cpu, 2)} by CPU).`,
    );
    if (typical.hcw !== undefined) {
      lines.push(
        `harbor-container-webhook, the Go peer, answered ${thousands(typical.hcw.rps)} reviews/s ` +
          `(${fixed(typical.hcw.cpuUsPerReq)} µs per review): pullthrough is **${fixed(typical.peerRatio.throughput, 1)}× the peer**.`,
      );
    }
  }
  const rest = (results.targets ?? [])
    .filter((target) => target.id !== 'typical-ratio' && target.id !== 'typical-cpu-ratio')
    .map((target) => `${target.text}: ${target.measured}${verdict(target)}`);
  const others = (results.main ?? []).map((cell) => cell.pullthrough.otherCpu).filter(Number.isFinite);
  if (others.length > 0) {
    const other = [...others].sort((a, b) => a - b)[Math.floor(others.length / 2)];
    if (other > 0.5) {
      // A shared machine: the scheduler, not the server, set req/s; CPU per review still compares.
      lines.push(
        `Other processes used ${other.toFixed(1)} of the machine's ${results.machine?.nproc ?? '?'} CPUs during ` +
          'these runs (median), so the servers were starved and the req/s ratios say more about the ' +
          'scheduler than about the servers: read the CPU-time ratios.',
      );
    }
  }
  if (rest.length > 0) {
    const text = rest.join('; ');
    lines.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
  }
  return lines.join(' ');
}

function machine(results) {
  const m = results.machine ?? {};
  const s = results.settings ?? {};
  const peer = results.peer;
  const rows = [
    ['CPU', `${m.nproc} × ${m.cpuModel}, ${m.memTotalMB?.toLocaleString('en-US')} MB RAM, Linux ${m.kernel}`],
    ['Node', `${m.node}; fastify ${m.fastify}, autocannon ${m.autocannon}`],
    [
      'placement',
      typeof m.pinning === 'object'
        ? `servers on ${m.pinning.servers}, load generator on ${m.pinning.loadGenerator}`
        : 'not pinned',
    ],
    [
      'other load',
      `load average ${results.loadavgStart?.join(' ')} at the start, ${results.loadavgEnd?.join(' ')} at the end ` +
        '(1, 5, 15 min); the machine is shared, so only same-run ratios are meaningful',
    ],
    ['commit', `\`${m.revision}\``],
    [
      'settings',
      `${s.duration} s per run, ${s.rounds} rounds, ${s.warmup} s warm-up, ${s.connections} connections, ` +
        `soak ${s.soakReviews?.toLocaleString('en-US')} reviews` +
        (s.soakReviews !== s.defaultSoakReviews
          ? ` (default ${s.defaultSoakReviews?.toLocaleString('en-US')})`
          : '') +
        `, ${s.startupRuns} cold starts each` +
        (s.nodeFlags?.length
          ? `, Node flags \`${s.nodeFlags.join(' ')}\` for both Node servers (the image's, from the Dockerfile)`
          : ''),
    ],
  ];
  if (peer !== undefined) {
    rows.push([
      'peer',
      peer.skipped
        ? `skipped: ${peer.skipped}`
        : `${peer.name} ${peer.version} (${peer.source}), ${peer.go}; rule \`${peer.rule.matches.join(', ')}\` → \`${peer.rule.replace}\``,
    ]);
  }
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** Where the memory goes, from this run's own readings. */
function memory(results) {
  const lines = [];
  const startup = results.startup ?? {};
  const ready = ['pullthrough', 'floor', 'hcw']
    .filter((key) => startup[key] !== undefined)
    .map((key) => `${key === 'hcw' ? 'HCW' : key} ${fixed(startup[key].medianRssMB, 1)} MB`);
  if (ready.length > 0) lines.push(`- **At ready** (RSS right after start-up): ${ready.join(', ')}.`);
  const loaded = [...(results.main ?? []), ...(results.scaling ?? []), ...(results.concurrency ?? [])];
  if (loaded.length > 0) {
    const peak = (kind) =>
      Math.max(...loaded.filter((cell) => cell[kind]).map((cell) => cell[kind].peakRssMB));
    const hcw = loaded.some((cell) => cell.hcw) ? `, HCW ${fixed(peak('hcw'), 1)} MB` : '';
    lines.push(
      `- **Under load** (peak RSS over every payload, container count and concurrency): pullthrough ` +
        `${fixed(peak('pullthrough'), 1)} MB, floor ${fixed(peak('floor'), 1)} MB${hcw}. Most of the difference ` +
        "is V8's young generation: its semi-spaces grow with the allocation rate, and pullthrough allocates " +
        'more per review than the floor (the decisions, the patch, the response, the log line).',
    );
  }
  const soak = results.soak;
  if (soak !== undefined) {
    lines.push(
      `- **Steady state**: ${fixed(soak.rssEndMB, 1)} MB (troughs) in the last quarter of the soak, ${fixed(soak.rssIdleAfterMB, 1)} MB ` +
        "after 10 s idle. The heap at the end of the soak, by V8 space (from the server's own /metrics): " +
        'new space is the young generation above; old space holds the libraries (fastify, pino, prom-client), ' +
        'the configuration and the bounded decision cache; code space is compiled code.',
    );
  }
  return lines.join('\n');
}

export function document(results) {
  return `<!-- Generated by \`node bench/run.mjs\` (a complete run) from bench/results/latest.json; do not edit by hand: edit bench/document.mjs and run \`node bench/run.mjs --write-docs\`. -->

# Benchmarks

Every Pod creation in a cluster waits on pullthrough, so its cost per review is added to every rollout
and decides how a burst (a node drain, a big scale-up) is absorbed. \`npm run bench\` measures that cost
against a **floor**, the least any fastify HTTPS webhook pays to parse the same AdmissionReview and
answer "allowed", and, with \`--peers\`, against **harbor-container-webhook** (HCW), the closest
existing webhook, written in Go.

**Headline** (run of ${results.generatedAt}, commit \`${results.machine?.revision}\`): ${headline(results)}

![p50 latency, throughput ratio and cost per review against container count](bench/results/latency.svg)

## Running it

\`\`\`sh
npm run bench -- --peers      # build, then the complete run with the Go peer; writes the committed results
node bench/run.mjs --quick    # 1 s runs, 2 rounds, 100,000-review soak; a partial run
node bench/run.mjs --only main,scaling        # phases: startup, main, scaling, concurrency, soak
node bench/run.mjs --report [FILE]            # print the tables of a saved run; writes nothing
node bench/run.mjs --write-docs               # re-render this file and the SVG from latest.json
node bench/profile.mjs [--payload pod-50] [--floor] [--startup]   # CPU profile, by src/ file:line
node bench/ab.mjs --b ../scratch/dist/bin.js [--payload pod-3]     # A/B of two builds of the server
\`\`\`

**One source of truth.** Only a complete run (every phase, not \`--quick\`) writes
\`bench/results/latest.json\`, \`bench/results/latency.svg\` and this file, all three from the same
numbers; any other run writes \`bench/results/partial/<time>.json\` (not committed) and prints its
tables. Nothing here is edited by hand.

| variable | default (\`--quick\`) | meaning |
| --- | --- | --- |
| \`BENCH_DURATION\` | 3 (1) | seconds of load per measured run |
| \`BENCH_ROUNDS\` | 3 (2) | rounds per payload, each server once per round, order rotating |
| \`BENCH_WARMUP\` | 1 (0.5) | seconds per server and payload before the rounds (JIT warm-up, rate calibration) |
| \`BENCH_CONNECTIONS\` | 10 | keep-alive connections for the payload and scaling tables |
| \`BENCH_SOAK_REVIEWS\` | 1,000,000 (100,000) | reviews in the memory soak |
| \`BENCH_SOAK_MAX_SECONDS\` | 1800 | the soak stops here even if the count is not reached (the target is then reported missed) |
| \`BENCH_STARTUP_RUNS\` | 5 (3) | cold starts measured per server |
| \`BENCH_NODE_FLAGS\` | none | extra Node flags, given to both Node servers alike, after the image's own (the Dockerfile's ENTRYPOINT) |
| \`BENCH_EXTRA_NODE\` | the image's Node 24 if \`hack/node24.sh\` installed it | another Node binary: start-up is measured with it too |
| \`BENCH_PIN\` | 1 | \`0\`: no CPU pinning |
| \`BENCH_CACHE_DIR\` | \`~/.cache/pullthrough-bench\` | where the peer's binary is built once and kept |

## Method

- **Servers.** pullthrough is the bundle the image runs, \`node <the ENTRYPOINT's flags>
  dist/bundle/bin.mjs serve --log-level info\` on 127.0.0.1 with the embedded default configuration; its per-admission log line is written as in
  production, to \`/dev/null\`; its body parser checks the whole review but builds only the fields it
  reads (\`src/core/json-projection.ts\`). The floor (\`bench/floor-server.mjs\`) is fastify over HTTPS
  with the same body limit and fastify's default JSON parser, which builds the whole review (so on a
  large Pod pullthrough can spend less than the floor), answering \`{apiVersion, kind, response: {uid,
  allowed: true}}\`; no schema, logging or metrics. The peer (\`--peers\`, \`bench/peers.mjs\`) is HCW
  built from its own source at the pinned release with one rule equivalent to pullthrough's default;
  HCW has no listen-address setting, so the build adds \`Host: "127.0.0.1"\` to its webhook server's
  options and changes nothing else; it logs each rewrite to stderr, which goes to a file. Every server
  loads the same certificate files (ECDSA P-256, TLS 1.3) and is pinned with \`taskset\` to the same
  CPU; the load generator (autocannon, in the bench process) is pinned to the other. Node servers run
  on the bench's Node; the main payloads are run again with floor and pullthrough on the image's Node
  (\`BENCH_EXTRA_NODE\`, by default the Node 24 \`hack/node24.sh\` installs), the runtime users run.
- **Load.** autocannon over keep-alive HTTPS, pipelining 1. Per payload: a warm-up per server, then
  rounds in which each server runs once, in rotating order. A run sends a fixed number of reviews
  (about one run's duration worth, from the warm-up's rate), so every review is answered and CPU per
  review is exact. Every run must finish with no error, timeout or non-2xx answer, and every
  payload's answer is checked once (allowed, right uid, a patch exactly when one is due); the peer's
  answers are compared with pullthrough's by applying each patch to the Pod.
- **Numbers.** req/s from the first to the last answer; p50/p99 latency from each answer's time as the
  client saw it; **CPU µs/review** from utime+stime in \`/proc/<pid>/stat\` (every thread) over the
  run, divided by the reviews; **peak RSS** from \`VmHWM\`, reset before each run through
  \`/proc/<pid>/clear_refs\`. Tables show medians over the rounds; a ratio is the median of the
  per-round ratios, so drift in the machine's load cancels out. **Ratio by CPU** is floor µs ÷
  pullthrough µs: the throughput ratio the two would reach if each were CPU-bound.
- **Payloads** (\`bench/payloads.mjs\`) are built around the golden fixture
  \`test/fixtures/reviews/kustomize-nginx-create.json\`: a ReplicaSet-created Pod as kube-apiserver
  sends it, with \`managedFields\`, the service-account token volume, default tolerations and the
  defaulted container fields. \`pod-1\` and \`pod-50\` are the ends of the container-count series
  (distinct images: mostly Docker Hub, every fourth quay.io, every fourth pinned by tag and digest).
  The typical Pod is an app from Docker Hub, a quay.io sidecar and a Docker Hub log shipper pinned by
  tag and digest.
- **Soak.** A fresh server takes the soak's reviews of the typical Pod, each with its own uid and one
  image tag never seen before (so every cache is pushed past its bound), one in eight on \`/audit\`.
  RSS is read every second; growth is the last quarter's troughs (10th percentile) against the second
  quarter's: RSS saws by 10–15 MB as the old generation fills and is collected, and a median over a
  short window (the last tenth, as this bench first did) moved by that much between runs of the same
  build, while the troughs are what the process keeps after collecting. "No growth" allows 5 % (at
  least 4 MB) for GC heap sizing. The steady state is the
  RSS after 10 s idle once the soak ends, against the chart's default memory request.
- **Start-up** is from exec to the first answer on the HTTPS port (\`/readyz\` 200 for pullthrough and
  the floor, any answer for HCW, whose probes listen elsewhere), polled every 5 ms, every server
  with the same certificate files, alternating.

## The machine

${machine(results)}

## Results

${markdown(results)}

## Where the memory goes

${memory(results)}
`;
}
