/**
 * The report for terminals: first the pull secrets admission needs (live), then one row per image
 * field grouped by namespace and workload (replicas of a live workload folded into one row with a
 * Pod count; in manifest mode one row per item, with its FILE:LINE), then a summary.
 *
 * It fits the terminal: when the rows are wider than `width`, the widest references, file names
 * and workloads lose their middle (`harbor.ingress.local/pro…/nginx:1.26`), digests are shortened
 * unless `wide`, and colour is added only when asked for (a TTY without NO_COLOR). Pure: returns
 * the text.
 */
import {
  PULL_SECRET_TYPE,
  type AuditItem,
  type AuditReason,
  type AuditReport,
  type PullSecretCheck,
} from './report.js';

export interface TableOptions {
  /** Columns available; Infinity (a pipe, a file) never elides. */
  readonly width: number;
  /** `-o wide`: full cells and digests, whatever the width. */
  readonly wide: boolean;
  /** ANSI colour (the caller decides: a TTY and no NO_COLOR). */
  readonly color: boolean;
  /** `--all`: also the rows of namespaces the webhook never sees (kube-system...). */
  readonly all: boolean;
}

export const DEFAULT_TABLE_OPTIONS: TableOptions = { width: Infinity, wide: false, color: false, all: false };

interface Row {
  readonly item: AuditItem;
  pods: number;
}

interface Group {
  readonly namespace: string;
  readonly workload: string;
  readonly rows: Map<string, Row>;
  readonly podsToRewrite: Set<string>;
}

/** A source `file:line:column` shown as `file:line`. */
function fileLine(source: string | null): string {
  return source === null ? '' : source.replace(/:\d+$/, '');
}

function groupItems(items: readonly AuditItem[], live: boolean): Group[] {
  const groups = new Map<string, Group>();
  for (const item of items) {
    const workload = `${item.workload.kind}/${item.workload.name}`;
    const groupKey = JSON.stringify([item.namespace, workload]);
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { namespace: item.namespace, workload, rows: new Map(), podsToRewrite: new Set() };
      groups.set(groupKey, group);
    }
    // Live replicas of one workload fold into one row; manifests keep one row per item (per file).
    const rowKey = JSON.stringify([
      item.field,
      item.container,
      item.image,
      item.result,
      item.reason,
      item.mode,
      live ? null : item.source,
    ]);
    const row = group.rows.get(rowKey);
    if (row === undefined) group.rows.set(rowKey, { item, pods: 1 });
    else row.pods += 1;
    if (item.wouldRewrite && item.mode === 'enforce') group.podsToRewrite.add(item.pod ?? item.source ?? '');
  }
  const byName = (a: Group, b: Group): number =>
    a.namespace.localeCompare(b.namespace) || a.workload.localeCompare(b.workload);
  return [...groups.values()].sort(byName);
}

/** The reason, or for an image that would move: `rewritten` (manifests), `not yet proxied` (live), `audit only`. */
function reasonText(item: AuditItem, live: boolean): string {
  if (!item.wouldRewrite) return item.reason;
  if (item.mode === 'audit') return 'audit only';
  return live ? 'not yet proxied' : item.reason;
}

const FIELD_PREFIX: Readonly<Record<AuditItem['field'], string>> = {
  containers: '',
  initContainers: 'init:',
  ephemeralContainers: 'debug:',
  volumes: 'volume:',
};

/** `nginx`, `init:chown-data`, `debug:debugger-x`, `volume:models`: short, and the field still shows. */
function containerText(item: AuditItem): string {
  return `${FIELD_PREFIX[item.field]}${item.container}`;
}

// ---------------------------------------------------------------------------------------------
// Cells: digests, elision, colour

const DIGEST = /@sha256:([0-9a-f]{12})[0-9a-f]{52}$/;

/**
 * Digests on demand: `name:tag@…` when a tag says which image it is, else `@sha256:` and 12 hex
 * digits (as `docker images` shows IDs). -o wide shows them whole.
 */
export function shortenDigests(reference: string): string {
  const match = DIGEST.exec(reference);
  if (match === null) return reference;
  const name = reference.slice(0, match.index);
  // A tag sits in the last path component (a registry port never does).
  const tagged = name.slice(name.lastIndexOf('/') + 1).includes(':');
  return `${name}${tagged ? '@…' : `@sha256:${match[1]}…`}`;
}

/**
 * Keeps a third of the width for the start and the rest for the end (a reference's repository
 * name and tag, a file's base name and line: what readers compare), drops the middle.
 */
export function elideMiddle(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  const head = Math.floor((width - 1) / 3);
  const tail = width - 1 - head;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

const length = (text: string): number => [...text].length;

type Style = 'bold' | 'green' | 'yellow' | 'red' | 'dim';
const SGR: Record<Style, string> = { bold: '1', green: '32', yellow: '33', red: '31', dim: '2' };

function styleOf(item: AuditItem): Style | undefined {
  if (item.reason === 'invalid') return 'red';
  if (item.wouldRewrite) return item.mode === 'audit' ? 'yellow' : 'green';
  if (item.mode === null) return 'dim';
  return undefined;
}

interface Cell {
  readonly text: string;
  /** Elided when the table is too wide (false: short, fixed vocabulary such as reasons). */
  readonly elastic: boolean;
  readonly style?: Style | undefined;
}

const cell = (text: string, elastic = true, style?: Style): Cell => ({ text, elastic, style });

/** The narrowest an elastic column gets (but never below its header) before the table overflows. */
const MIN_ELASTIC_WIDTH = 8;
const GAP = '  ';

/**
 * Column widths that fit `width`: the widest elastic column gives up one character at a time
 * (water filling), never below its header or {@link MIN_ELASTIC_WIDTH}.
 */
function fitWidths(rows: readonly (readonly Cell[])[], width: number): number[] {
  const header = rows[0] ?? [];
  const columns = header.map((title, index) => {
    const natural = rows.reduce((widest, row) => Math.max(widest, length(row[index]?.text ?? '')), 0);
    const floor = title.elastic
      ? Math.min(natural, Math.max(length(title.text), MIN_ELASTIC_WIDTH))
      : natural;
    return { w: natural, floor };
  });
  let excess = columns.reduce((sum, { w }) => sum + w, 0) + GAP.length * (columns.length - 1) - width;
  while (excess > 0) {
    let widest: { w: number; floor: number } | undefined;
    for (const column of columns) {
      if (column.w > column.floor && (widest === undefined || column.w > widest.w)) widest = column;
    }
    if (widest === undefined) break; // cannot fit: overflow rather than hide everything
    widest.w -= 1;
    excess -= 1;
  }
  return columns.map(({ w }) => w);
}

function paint(text: string, style: Style | undefined, color: boolean): string {
  return color && style !== undefined && text !== '' ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text;
}

/** Left-aligned columns separated by two spaces, fitted to `width`; the last column is not padded. */
export function formatColumns(
  rows: readonly (readonly (string | Cell)[])[],
  options: { width?: number; color?: boolean } = {},
): string {
  const cells = rows.map((row) => row.map((value) => (typeof value === 'string' ? cell(value) : value)));
  const widths = fitWidths(cells, options.width ?? Infinity);
  return cells
    .map((row, rowIndex) => {
      const line = row.map((value, index) => {
        const width = widths[index] ?? 0;
        const text = elideMiddle(value.text, width);
        const padded = index === row.length - 1 ? text : text + ' '.repeat(Math.max(0, width - length(text)));
        return paint(padded, rowIndex === 0 ? 'bold' : value.style, options.color ?? false);
      });
      return line.join(GAP).trimEnd() + '\n';
    })
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Sections

function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

function reasonCounts(byReason: Readonly<Record<AuditReason, number>>): string {
  const parts = Object.entries(byReason)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${count}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function pullSecretStatus(check: PullSecretCheck): { text: string; style: Style } {
  if (!check.exists) return { text: 'MISSING: Pods here will fail with ImagePullBackOff', style: 'red' };
  if (check.type !== PULL_SECRET_TYPE) {
    return { text: `type ${check.type ?? '?'}; want ${PULL_SECRET_TYPE}`, style: 'yellow' };
  }
  return { text: `present, ${check.type}`, style: 'green' };
}

/** Problems first (missing, then wrong type), then the namespaces where all is well. */
function pullSecretSection(checks: readonly PullSecretCheck[], options: TableOptions): string {
  if (checks.length === 0) return '';
  const rank = (check: PullSecretCheck): number =>
    !check.exists ? 0 : check.type !== PULL_SECRET_TYPE ? 1 : 2;
  const sorted = [...checks].sort((a, b) => rank(a) - rank(b));
  const missing = checks.filter((check) => rank(check) < 2).length;
  const rows: Cell[][] = [[cell('NAMESPACE'), cell('PULL SECRET'), cell('STATUS')]];
  for (const check of sorted) {
    const status = pullSecretStatus(check);
    rows.push([cell(check.namespace), cell(check.name), cell(status.text, true, status.style)]);
  }
  const title =
    missing === 0
      ? `Pull secrets: present in all ${plural(checks.length, 'place')} admission injects them.`
      : `Pull secrets: ${missing} of ${checks.length} missing or unusable where admission injects them.`;
  // Never elided: the names are what `kubectl create secret` needs, exactly.
  return `${title}\n${formatColumns(rows, { color: options.color })}\n`;
}

/**
 * Wraps prose lines longer than `width` at spaces; a continuation is indented two more than its
 * line, so the summary still reads as a list at 80 columns.
 */
export function wrapLines(text: string, width: number): string {
  if (!Number.isFinite(width)) return text;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const indent = ' '.repeat((/^ */.exec(line)?.[0].length ?? 0) + 2);
    let rest = line;
    while (length(rest) > width) {
      const cut = rest.lastIndexOf(' ', width);
      if (cut <= indent.length) break; // one long word: leave it whole
      out.push(rest.slice(0, cut));
      rest = indent + rest.slice(cut + 1);
    }
    out.push(rest);
  }
  return out.join('\n');
}

function summaryText(report: AuditReport, groups: readonly Group[], hidden: number): string {
  const { summary } = report;
  const live = summary.source === 'cluster';
  const lines = [
    `Summary: ${plural(summary.pods, live ? 'pod' : 'pod spec')} in ${plural(summary.workloads, 'workload')}, ${plural(summary.images, 'image')}.`,
    `  would move to the cache: ${plural(summary.wouldRewrite, 'image')}` +
      (summary.wouldRewriteAuditOnly > 0 ? ` (${summary.wouldRewriteAuditOnly} audit only)` : '') +
      `, ${plural(summary.distinctUpstreamRepositories, 'distinct upstream repository', 'distinct upstream repositories')}` +
      ` (${summary.dockerHubRepositories} on Docker Hub)`,
    `  by reason: ${reasonCounts(summary.byReason)}`,
  ];
  if (hidden > 0) {
    lines.push(`  hidden: ${plural(hidden, 'image')} in excluded namespaces (--all shows them)`);
  }
  if (!live) lines.push(`  pod specs admission would patch: ${summary.podsToRewrite}`);
  if (!live && summary.ignoredObjects > 0) {
    lines.push(`  ignored: ${plural(summary.ignoredObjects, 'object')} without a Pod template`);
  }
  if (report.errors.length > 0) {
    lines.push(`  problems: ${report.errors.length}, listed on standard error; the report is incomplete`);
  }
  if (live && summary.podsToRewrite > 0) {
    lines.push(
      '',
      `Not yet proxied: ${plural(summary.podsToRewrite, 'pod')} (created before pullthrough, or while it was down);`,
      'restart them to pull through the cache:',
    );
    for (const group of groups) {
      if (group.podsToRewrite.size === 0) continue;
      lines.push(`  ${group.namespace}  ${group.workload}  ${plural(group.podsToRewrite.size, 'pod')}`);
    }
  }
  return lines.join('\n') + '\n';
}

interface Layout {
  readonly live: boolean;
  readonly reference: (text: string) => string;
}

/** The cells of one item after the namespace, workload and (manifests) source. */
function itemCells(item: AuditItem, pods: number, layout: Layout): Cell[] {
  return [
    ...(layout.live ? [cell(String(pods), false)] : []),
    cell(containerText(item)),
    cell(layout.reference(item.image)),
    cell(item.result === item.image ? '(unchanged)' : layout.reference(item.result)),
    cell(reasonText(item, layout.live), false, styleOf(item)),
  ];
}

const ITEM_HEADER = [cell('CONTAINER'), cell('AS WRITTEN'), cell('RESULT'), cell('REASON', false)];

/** One line per item: NAMESPACE WORKLOAD SOURCE|PODS CONTAINER AS WRITTEN RESULT REASON. */
function flatRows(groups: readonly Group[], layout: Layout): Cell[][] {
  // Live rows carry PODS first among the item cells; manifest rows a SOURCE before them.
  const rows: Cell[][] = [
    [
      cell('NAMESPACE'),
      cell('WORKLOAD'),
      ...(layout.live ? [cell('PODS', false)] : [cell('SOURCE')]),
      ...ITEM_HEADER,
    ],
  ];
  let namespace: string | undefined;
  for (const group of groups) {
    let first = true;
    for (const { item, pods } of group.rows.values()) {
      rows.push([
        cell(group.namespace === namespace ? '' : group.namespace),
        cell(first ? group.workload : ''),
        ...(layout.live ? [] : [cell(fileLine(item.source))]),
        ...itemCells(item, pods, layout),
      ]);
      first = false;
      namespace = group.namespace;
    }
  }
  return rows;
}

/**
 * For a terminal too narrow for one line per item: each workload (and, for manifests, its
 * FILE:LINE) on a line of its own, its images indented below it in four aligned columns.
 */
function stackedTable(groups: readonly Group[], layout: Layout, options: TableOptions): string {
  const indent = '  ';
  const header: Cell[] = [...(layout.live ? [cell('PODS', false)] : []), ...ITEM_HEADER];
  const rows: Cell[][] = [header];
  const titles: string[] = [];
  for (const group of groups) {
    const sources = new Set([...group.rows.values()].map(({ item }) => fileLine(item.source)));
    for (const { item, pods } of group.rows.values()) {
      const source = layout.live ? '' : fileLine(item.source);
      const title = [
        group.namespace,
        group.workload,
        ...(sources.size > 0 && !layout.live ? [source] : []),
      ].join('  ');
      titles.push(title);
      rows.push(itemCells(item, pods, layout));
    }
  }
  const lines = formatColumns(rows, { width: options.width - indent.length, color: options.color })
    .split('\n')
    .slice(0, rows.length);
  const out = [
    paint(
      elideMiddle(`NAMESPACE  WORKLOAD${layout.live ? '' : '  SOURCE'}`, options.width),
      'bold',
      options.color,
    ),
  ];
  out.push(indent + lines[0]!);
  let previous: string | undefined;
  lines.slice(1).forEach((line, index) => {
    const title = titles[index]!;
    if (title !== previous) out.push(fitParts(title.split(GAP), options.width));
    previous = title;
    out.push(indent + line);
  });
  return out.join('\n') + '\n';
}

/** Parts on one line, two spaces apart; the longest loses its middle first, never below 8 characters. */
function fitParts(parts: readonly string[], width: number): string {
  const widths = parts.map(length);
  let excess = widths.reduce((sum, w) => sum + w, 0) + GAP.length * (parts.length - 1) - width;
  while (excess > 0) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= MIN_ELASTIC_WIDTH) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return parts.map((part, index) => elideMiddle(part, widths[index] ?? 0)).join(GAP);
}

/** Below this, an elided reference says too little: the table goes stacked instead. */
const READABLE_WIDTH = 24;

/** True when one line per item fits `width` with every elided column still readable. */
function fitsFlat(rows: readonly (readonly Cell[])[], width: number): boolean {
  const natural = fitWidths(rows, Infinity);
  const fitted = fitWidths(rows, width);
  const total = fitted.reduce((sum, w) => sum + w, 0) + GAP.length * (fitted.length - 1);
  return total <= width && fitted.every((w, index) => w >= Math.min(natural[index] ?? 0, READABLE_WIDTH));
}

/** The whole report as aligned text. */
export function formatTable(report: AuditReport, options: TableOptions = DEFAULT_TABLE_OPTIONS): string {
  const live = report.summary.source === 'cluster';
  const shown = options.all
    ? report.items
    : report.items.filter((item) => item.reason !== 'namespace-excluded');
  const hidden = report.items.length - shown.length;
  const groups = groupItems(shown, live);
  const layout: Layout = { live, reference: (text) => (options.wide ? text : shortenDigests(text)) };
  const rows = flatRows(groups, layout);
  const width = options.wide ? Infinity : options.width;
  let table: string;
  if (groups.length === 0) {
    table = `No ${live ? 'Pods' : 'Pods or Pod templates'} found${hidden > 0 ? ' outside excluded namespaces' : ''}.\n`;
  } else if (fitsFlat(rows, width)) {
    table = formatColumns(rows, { width, color: options.color });
  } else {
    table = stackedTable(groups, layout, { ...options, width });
  }
  const summary = wrapLines(summaryText(report, groups, hidden), options.wide ? Infinity : options.width);
  return `${pullSecretSection(report.summary.pullSecrets, options)}${table}\n${summary}`;
}
