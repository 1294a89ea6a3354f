/**
 * Turns bench results (bench/results/latest.json) into Markdown tables and a hand-written SVG plot
 * of latency, throughput ratio and cost against container count. No dependencies.
 */

export const fixed = (value, digits = 0) =>
  value === undefined || value === null || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
export const thousands = (value) =>
  value === undefined || Number.isNaN(value) ? 'n/a' : Math.round(value).toLocaleString('en-US');
const ms = (value) => fixed(value, value < 10 ? 2 : 1);
const kib = (bytes) => fixed(bytes / 1024, 1);

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function table(header, rows) {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

export function mainTable(main) {
  return table(
    [
      'payload',
      'body KiB',
      'floor req/s',
      'pullthrough req/s',
      '**ratio**',
      'ratio by CPU',
      'p50 ms floor / pt',
      'p99 ms floor / pt',
      'CPU µs/review floor / pt',
      'peak RSS MB floor / pt',
    ],
    main.map((cell) => [
      `${cell.title} \`${cell.path}\``,
      kib(cell.bodyBytes),
      thousands(cell.floor.rps),
      thousands(cell.pullthrough.rps),
      `**${fixed(cell.ratio.throughput, 2)}**`,
      fixed(1 / cell.ratio.cpu, 2),
      `${ms(cell.floor.p50)} / ${ms(cell.pullthrough.p50)}`,
      `${ms(cell.floor.p99)} / ${ms(cell.pullthrough.p99)}`,
      `${fixed(cell.floor.cpuUsPerReq)} / ${fixed(cell.pullthrough.cpuUsPerReq)}`,
      `${fixed(cell.floor.peakRssMB)} / ${fixed(cell.pullthrough.peakRssMB)}`,
    ]),
  );
}

export function scalingTable(scaling) {
  const base = scaling.find((cell) => cell.containers === 1) ?? scaling[0];
  return table(
    [
      'containers',
      'body KiB',
      'floor req/s',
      'pullthrough req/s',
      'ratio',
      'ratio by CPU',
      'p50 ms',
      'p99 ms',
      'CPU µs/review',
      'pt work µs/review (pt − floor)',
      'cost × 1-container (CPU)',
      'cost × 1-container (1 / req/s)',
    ],
    scaling.map((cell) => [
      String(cell.containers),
      kib(cell.bodyBytes),
      thousands(cell.floor.rps),
      thousands(cell.pullthrough.rps),
      fixed(cell.ratio.throughput, 2),
      fixed(1 / cell.ratio.cpu, 2),
      ms(cell.pullthrough.p50),
      ms(cell.pullthrough.p99),
      fixed(cell.pullthrough.cpuUsPerReq),
      fixed(cell.pullthrough.cpuUsPerReq - cell.floor.cpuUsPerReq),
      `${fixed(cell.pullthrough.cpuUsPerReq / base.pullthrough.cpuUsPerReq, 2)}×`,
      `${fixed(base.pullthrough.rps / cell.pullthrough.rps, 2)}×`,
    ]),
  );
}

export function concurrencyTable(concurrency) {
  return table(
    [
      'connections',
      'floor req/s',
      'pullthrough req/s',
      'ratio',
      'ratio by CPU',
      'p50 ms floor / pt',
      'p99 ms floor / pt',
      'CPU µs/review floor / pt',
      'peak RSS MB pt',
    ],
    concurrency.map((cell) => [
      String(cell.connections),
      thousands(cell.floor.rps),
      thousands(cell.pullthrough.rps),
      fixed(cell.ratio.throughput, 2),
      fixed(1 / cell.ratio.cpu, 2),
      `${ms(cell.floor.p50)} / ${ms(cell.pullthrough.p50)}`,
      `${ms(cell.floor.p99)} / ${ms(cell.pullthrough.p99)}`,
      `${fixed(cell.floor.cpuUsPerReq)} / ${fixed(cell.pullthrough.cpuUsPerReq)}`,
      fixed(cell.pullthrough.peakRssMB),
    ]),
  );
}

export function targetsTable(targets) {
  return table(
    ['target', 'measured', 'limit', 'met'],
    targets.map((target) => [target.text, target.measured, target.limit, target.met ? 'yes' : '**no**']),
  );
}

/** pullthrough, the peer and the floor side by side, on the payloads the peer takes. */
export function peerTable(main) {
  const cells = main.filter((cell) => cell.hcw !== undefined);
  return table(
    [
      'payload',
      'pullthrough req/s',
      'HCW req/s',
      'floor req/s',
      'pt/HCW',
      'pt/floor',
      'CPU µs/review pt · HCW · floor',
      'p50 ms pt · HCW · floor',
      'peak RSS MB pt · HCW · floor',
    ],
    cells.map((cell) => [
      cell.title,
      thousands(cell.pullthrough.rps),
      thousands(cell.hcw.rps),
      thousands(cell.floor.rps),
      `${fixed(cell.peerRatio.throughput, 1)}×`,
      fixed(cell.ratio.throughput, 2),
      `${fixed(cell.pullthrough.cpuUsPerReq)} · ${fixed(cell.hcw.cpuUsPerReq)} · ${fixed(cell.floor.cpuUsPerReq)}`,
      `${ms(cell.pullthrough.p50)} · ${ms(cell.hcw.p50)} · ${ms(cell.floor.p50)}`,
      `${fixed(cell.pullthrough.peakRssMB)} · ${fixed(cell.hcw.peakRssMB)} · ${fixed(cell.floor.peakRssMB)}`,
    ]),
  );
}

/** What the peer's answers do differently on the same payloads, one list per payload. */
export function peerDifferences(main) {
  return main
    .filter((cell) => cell.hcw !== undefined)
    .map((cell) => {
      const list = cell.peerDifferences ?? [];
      if (list.length === 0) return `- ${cell.title}: same Pod as pullthrough's.`;
      return `- ${cell.title}:\n${list.map((item) => `  - ${item}`).join('\n')}`;
    })
    .join('\n');
}

const SERVER_NAMES = { pullthrough: 'pullthrough', floor: 'floor (fastify)', hcw: 'HCW (Go)' };

export function startupTable(startup) {
  return table(
    ['server', 'Node', 'median ms to ready', 'median ms CPU', 'RSS MB at ready', 'runs (ms)'],
    Object.values(startup).map((entry) => [
      SERVER_NAMES[entry.kind] ?? entry.kind,
      entry.kind === 'hcw' ? '—' : entry.node,
      fixed(entry.medianWallMs),
      fixed(entry.medianCpuMs),
      fixed(entry.medianRssMB, 1),
      entry.runs.map((r) => fixed(r.wallMs)).join(', '),
    ]),
  );
}

function soakText(s) {
  return (
    `${thousands(s.reviews)} reviews in ${fixed(s.seconds)} s (${thousands(s.rps)} req/s, ${s.errors} errors); ` +
    `RSS ${fixed(s.rssIdleStartMB, 1)} MB idle before, ${fixed(s.rssStartMB, 1)} MB after warm-up, troughs ${fixed(s.rssQ2MB, 1)} MB in the second quarter and ` +
    `${fixed(s.rssEndMB, 1)} MB in the last (growth ${fixed(s.rssGrowthMB, 1)} MB), ${fixed(s.rssIdleAfterMB, 1)} MB after 10 s idle; ` +
    `peak ${fixed(s.peakRssMB, 1)} MB; heap used ${fixed(s.heapQ2MB, 1)} → ${fixed(s.heapEndMB, 1)} MB.` +
    (s.heapSpaces ? `\n\n${heapTable(s.heapSpaces)}` : '')
  );
}

/** V8's heap by space at the end of the soak (from the server's own /metrics). */
export function heapTable(spaces) {
  return table(
    ['V8 heap space', 'used MB', 'size MB'],
    spaces.map((space) => [space.space, fixed(space.usedMB, 1), fixed(space.sizeMB, 1)]),
  );
}

export function markdown(results) {
  const parts = [];
  if (results.main?.length) parts.push('### Payloads\n', mainTable(results.main));
  if (results.mainOnImageNode?.cells.length) {
    parts.push(
      `\n### Payloads on the image's Node ${results.mainOnImageNode.node} (floor and pullthrough)\n`,
      mainTable(results.mainOnImageNode.cells),
    );
  }
  if (results.main?.some((cell) => cell.hcw !== undefined)) {
    parts.push('\n### Side by side with the peer\n', peerTable(results.main));
    parts.push(
      "\nCorrectness on the same payloads (the Pod each answer's patch produces):\n",
      peerDifferences(results.main),
    );
  } else if (results.peer?.skipped) {
    parts.push(`\n### Peer\n\nSkipped: ${results.peer.skipped}.`);
  }
  if (results.scaling?.length) parts.push('\n### Container count\n', scalingTable(results.scaling));
  if (results.concurrency?.length)
    parts.push('\n### Concurrency (typical 3-container Pod)\n', concurrencyTable(results.concurrency));
  if (results.soak) parts.push('\n### Soak\n', soakText(results.soak));
  if (results.startup) {
    parts.push(
      '\n### Start-up (exec → first answer on the HTTPS port, same certificate files)\n',
      startupTable(results.startup),
    );
  }
  if (results.targets?.length) parts.push('\n### Targets\n', targetsTable(results.targets));
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG

const COLORS = { pullthrough: '#1f6feb', floor: '#8c959f', target: '#cf222e', cost: '#8250df' };
const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A tick step of 1, 2 or 5 × 10^k that splits [0, value] into at most five intervals. */
function niceStep(value) {
  if (!(value > 0)) return 0.25;
  const raw = value / 5;
  const exponent = 10 ** Math.floor(Math.log10(raw));
  for (const step of [1, 2, 5, 10]) if (step * exponent >= raw) return step * exponent;
  return 10 * exponent;
}

/**
 * One panel: x is the container count on a log scale, y linear from 0. `series` are
 * `{ label, color, dashed, points: [[x, y]] }`; `lines` horizontal reference lines `{ y, label }`.
 */
function panel({ x0, y0, width, height, title, yLabel, xs, series, lines = [], yMax }) {
  const left = x0 + 48;
  const right = x0 + width - 12;
  const top = y0 + 34;
  const bottom = y0 + height - 42;
  const values = series.flatMap((s) => s.points.map((p) => p[1])).concat(lines.map((l) => l.y));
  const highest = yMax ?? Math.max(...values.filter((v) => Number.isFinite(v))) * 1.05;
  const step = niceStep(highest);
  const max = step * Math.ceil(highest / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const lx = (x) => Math.log(x);
  const minX = lx(Math.min(...xs));
  const maxX = lx(Math.max(...xs));
  const sx = (x) => left + ((lx(x) - minX) / (maxX - minX || 1)) * (right - left);
  const sy = (y) => bottom - (Math.min(y, max) / max) * (bottom - top);
  const out = [];
  out.push(
    `<text x="${x0 + width / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="600">${esc(title)}</text>`,
  );
  for (let y = 0; y <= max + step / 2; y += step) {
    const py = sy(y).toFixed(1);
    out.push(`<line x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="#d0d7de" stroke-width="0.6"/>`);
    out.push(
      `<text x="${left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${y.toFixed(decimals)}</text>`,
    );
  }
  for (const x of xs) {
    const px = sx(x).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 4}" stroke="#57606a"/>`);
    out.push(`<text x="${px}" y="${bottom + 17}" text-anchor="middle">${x}</text>`);
  }
  out.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#57606a"/>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#57606a"/>`);
  out.push(
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">containers per Pod (log scale)</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 12} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  for (const line of lines) {
    const py = sy(line.y).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="${line.color ?? COLORS.target}" stroke-dasharray="5 4" stroke-width="1.2"/>`,
    );
    out.push(
      `<text x="${right - 4}" y="${(sy(line.y) - 5).toFixed(1)}" text-anchor="end" fill="${line.color ?? COLORS.target}">${esc(line.label)}</text>`,
    );
  }
  let legendY = top + 4;
  for (const s of series) {
    const points = s.points.filter((p) => Number.isFinite(p[1]));
    const path = points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of points) {
      out.push(
        `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(
          `${s.label}: ${p[0]} containers → ${p[1].toFixed(3)}`,
        )}</title></circle>`,
      );
    }
    out.push(
      `<line x1="${left + 10}" x2="${left + 30}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${left + 35}" y="${legendY + 4}">${esc(s.label)}</text>`);
    legendY += 15;
  }
  return out.join('\n');
}

export function svg(results) {
  const scaling = results.scaling ?? [];
  const xs = scaling.map((cell) => cell.containers);
  if (xs.length < 2) return undefined;
  const pts = (select) => scaling.map((cell) => [cell.containers, select(cell)]);
  const base = scaling.find((cell) => cell.containers === 1) ?? scaling[0];
  const width = 330;
  const height = 300;
  const c = results.settings?.connections ?? 10;
  const panels = [
    panel({
      x0: 0,
      y0: 30,
      width,
      height,
      title: `p50 latency at ${c} connections (ms)`,
      yLabel: 'ms',
      xs,
      series: [
        { label: 'pullthrough', color: COLORS.pullthrough, points: pts((cell) => cell.pullthrough.p50) },
        { label: 'floor', color: COLORS.floor, dashed: true, points: pts((cell) => cell.floor.p50) },
      ],
    }),
    panel({
      x0: width,
      y0: 30,
      width,
      height,
      title: 'Throughput ratio to the floor',
      yLabel: 'pullthrough req/s ÷ floor req/s',
      xs,
      lines: [
        { y: 0.85, label: '0.85 (target, 3-container Pod)' },
        { y: 1, label: '= floor', color: COLORS.floor },
      ],
      series: [
        { label: 'by req/s', color: COLORS.pullthrough, points: pts((cell) => cell.ratio.throughput) },
        {
          label: 'by CPU time (floor µs ÷ pt µs)',
          color: COLORS.pullthrough,
          dashed: true,
          points: pts((cell) => 1 / cell.ratio.cpu),
        },
      ],
    }),
    panel({
      x0: 2 * width,
      y0: 30,
      width,
      height,
      title: 'Cost per review × the 1-container Pod',
      yLabel: 'multiple of the 1-container cost',
      xs,
      lines: [{ y: 8, label: '8× (target at 50)' }],
      series: [
        {
          label: 'CPU µs/review',
          color: COLORS.cost,
          points: pts((cell) => cell.pullthrough.cpuUsPerReq / base.pullthrough.cpuUsPerReq),
        },
        {
          label: '1 / req/s',
          color: COLORS.cost,
          dashed: true,
          points: pts((cell) => base.pullthrough.rps / cell.pullthrough.rps),
        },
      ],
    }),
  ];
  const totalWidth = 3 * width;
  const totalHeight = height + 40;
  const m = results.machine ?? {};
  const caption = `pullthrough vs floor (fastify, parse only) · ${m.nproc ?? '?'} × ${m.cpuModel ?? '?'} · Node ${m.node ?? '?'} · ${results.generatedAt ?? ''}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${totalHeight}" viewBox="0 0 ${totalWidth} ${totalHeight}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11" fill="#24292f">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${totalWidth / 2}" y="18" text-anchor="middle" font-size="12">${esc(caption)}</text>
${panels.join('\n')}
</svg>
`;
}
