/**
 * The report as one JSON document, written piece by piece: the summary indented, then one item
 * per line (so a report of a large cluster is never one giant string, and `grep` still works on
 * it), then the errors. Pure: the caller supplies `write`.
 */
import type { AuditReport } from './report.js';

function writeArray(name: string, values: readonly unknown[], write: (chunk: string) => void): void {
  if (values.length === 0) {
    write(`  "${name}": []`);
    return;
  }
  write(`  "${name}": [\n`);
  values.forEach((value, index) => {
    write(`    ${JSON.stringify(value)}${index === values.length - 1 ? '\n' : ',\n'}`);
  });
  write('  ]');
}

export function writeJson(report: AuditReport, write: (chunk: string) => void): void {
  const summary = JSON.stringify(report.summary, null, 2).replace(/\n/g, '\n  ');
  write(`{\n  "summary": ${summary},\n`);
  writeArray('items', report.items, write);
  write(',\n');
  writeArray('errors', report.errors, write);
  write('\n}\n');
}
