/**
 * The report for terminals: one row per image field, grouped by namespace and workload (replicas
 * of a live workload folded into one row with a Pod count), columns aligned, then a summary.
 * Pure: returns the text.
 */
import type { AuditItem, AuditReason, AuditReport } from './report.js';

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

function groupItems(items: readonly AuditItem[]): Group[] {
  const groups = new Map<string, Group>();
  for (const item of items) {
    const workload = `${item.workload.kind}/${item.workload.name}`;
    const groupKey = JSON.stringify([item.namespace, workload]);
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { namespace: item.namespace, workload, rows: new Map(), podsToRewrite: new Set() };
      groups.set(groupKey, group);
    }
    const rowKey = JSON.stringify([
      item.field,
      item.container,
      item.image,
      item.result,
      item.reason,
      item.mode,
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

function reasonText(item: AuditItem, live: boolean): string {
  if (!item.wouldRewrite) return item.reason;
  if (item.mode === 'audit') return `${item.reason}, audit only`;
  return live ? `${item.reason}, not yet proxied` : item.reason;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map(
      (row) =>
        row
          .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}

function reasonCounts(byReason: Readonly<Record<AuditReason, number>>): string {
  const parts = Object.entries(byReason)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${count}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function summaryText(report: AuditReport, groups: readonly Group[]): string {
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

/** The whole report as aligned text. */
export function formatTable(report: AuditReport): string {
  const live = report.summary.source === 'cluster';
  const groups = groupItems(report.items);
  const header = [
    'NAMESPACE',
    'WORKLOAD',
    ...(live ? ['PODS'] : []),
    'IMAGE FIELD',
    'AS WRITTEN',
    'RESULT',
    'REASON',
  ];
  const rows: string[][] = [header];
  let namespace: string | undefined;
  for (const group of groups) {
    let first = true;
    for (const { item, pods } of group.rows.values()) {
      rows.push([
        group.namespace === namespace ? '' : group.namespace,
        first ? group.workload : '',
        ...(live ? [String(pods)] : []),
        `${item.field}/${item.container}`,
        item.image,
        item.result === item.image ? '(unchanged)' : item.result,
        reasonText(item, live),
      ]);
      first = false;
      namespace = group.namespace;
    }
  }
  const table =
    groups.length === 0 ? `No ${live ? 'Pods' : 'Pods or Pod templates'} found.\n` : formatColumns(rows);
  return `${table}\n${summaryText(report, groups)}`;
}
