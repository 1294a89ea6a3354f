/**
 * Manifests as `kubectl apply -f` takes them: multi-document YAML (or JSON) of Pods and of every
 * built-in kind with a Pod template, `List`s of them, and anything else (ignored). A broken
 * document is reported with its position and skipped; the others are still audited. Pure.
 */
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { AuditError, AuditSubject } from './report.js';
import type { NamespaceLabels } from '../core/scope.js';
import { extractWorkload, workloadKindOf } from './workloads.js';

export interface ManifestSet {
  readonly subjects: AuditSubject[];
  readonly errors: AuditError[];
  /** Objects of kinds without a Pod template (Services, ConfigMaps, CRDs...). */
  ignored: number;
  /** Labels of the `Namespace` objects among the manifests, by name. */
  readonly namespaces: Map<string, NamespaceLabels>;
}

export function emptyManifestSet(): ManifestSet {
  return { subjects: [], errors: [], ignored: 0, namespaces: new Map() };
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

interface Context {
  readonly file: string;
  readonly lines: LineCounter;
  readonly defaultNamespace: string;
  readonly out: ManifestSet;
}

function position(context: Context, offset: number | undefined): { line: number; column: number } {
  const { line, col } = context.lines.linePos(offset ?? 0);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** The first line of a YAML error, without the position the report gives separately. */
function cleanMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function labelsOf(object: Json): NamespaceLabels {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
}

function namespaceName(object: Json): string | undefined {
  const name = isObject(object.metadata) ? object.metadata.name : undefined;
  const core = object.apiVersion === undefined || object.apiVersion === 'v1';
  return object.kind === 'Namespace' && core && typeof name === 'string' ? name : undefined;
}

/** A `List` (or `PodList`, `DeploymentList`... as the API returns them): its items, positioned. */
function visitList(context: Context, object: Json, node: unknown): void {
  const kind = object.kind as string;
  const items = object.items as unknown[];
  const itemNodes = isMap(node) ? node.get('items', true) : undefined;
  // Items of a typed list (`PodList`) carry no kind of their own.
  const implied =
    kind === 'List' ? undefined : { kind: kind.slice(0, -'List'.length), apiVersion: object.apiVersion };
  items.forEach((item, index) => {
    const itemNode = isSeq(itemNodes) ? itemNodes.items[index] : node;
    const value =
      implied !== undefined && isObject(item) && item.kind === undefined ? { ...implied, ...item } : item;
    visitObject(context, value, itemNode);
  });
}

function visitObject(context: Context, value: unknown, node: unknown): void {
  if (!isObject(value)) {
    context.out.ignored += 1;
    return;
  }
  const kind = value.kind;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(value.items)) {
    visitList(context, value, node);
    return;
  }
  const namespace = namespaceName(value);
  if (namespace !== undefined) context.out.namespaces.set(namespace, labelsOf(value));
  const workloadKind = workloadKindOf(value);
  if (workloadKind === undefined) {
    context.out.ignored += 1;
    return;
  }
  const where = position(context, rangeStart(node));
  const source = `${context.file}:${where.line}:${where.column}`;
  const extraction = extractWorkload(value, workloadKind, context.defaultNamespace, source);
  if (extraction.subject !== undefined) {
    context.out.subjects.push(extraction.subject);
  } else {
    context.out.errors.push({ source: context.file, ...where, message: extraction.problem });
  }
}

function visitDocument(context: Context, document: Document.Parsed): void {
  if (document.errors.length > 0) {
    const start = position(context, rangeStart(document.contents) ?? document.range[0]).line;
    for (const error of document.errors) {
      const linePos = error.linePos?.[0];
      const where = linePos ? { line: linePos.line, column: linePos.col } : position(context, error.pos[0]);
      const within = where.line === start ? '' : ` (in the document starting at line ${start})`;
      context.out.errors.push({
        source: context.file,
        ...where,
        message: cleanMessage(error.message) + within,
      });
    }
    return;
  }
  if (document.contents === null) return; // an empty document (`---` twice, a Helm template that rendered nothing)
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.out.errors.push({
      source: context.file,
      ...position(context, rangeStart(document.contents)),
      message,
    });
    return;
  }
  if (value === null || value === undefined) return; // only comments
  visitObject(context, value, document.contents);
}

/**
 * Reads one input into `out` (so several `-f` accumulate). `file` names it in positions
 * (`<stdin>` for standard input); `defaultNamespace` applies to objects that name none.
 */
export function readManifests(text: string, file: string, defaultNamespace: string, out: ManifestSet): void {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines });
  const context: Context = { file, lines, defaultNamespace, out };
  for (const document of documents) visitDocument(context, document);
}
