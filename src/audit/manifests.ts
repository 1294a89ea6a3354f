/**
 * Manifests as `kubectl apply -f` takes them: multi-document YAML (or JSON) of Pods and of every
 * built-in kind with a Pod template, `List`s of them, and anything else (ignored). The input is
 * split at `---` lines first, as kubectl does; a document is read by the `yaml` library (exact
 * positions), else as leniently as kubectl (js-yaml), else reported once, with its position and
 * name, and skipped; the others are still audited. Pure.
 */
import { load as loadLenient } from 'js-yaml';
import { LineCounter, isMap, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { AuditError, AuditSubject } from './report.js';
import type { NamespaceLabels } from '../core/scope.js';
import { extractWorkload, workloadKindOf } from './workloads.js';
import { isJsonObject, type JsonObject } from '../core/json.js';

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

interface Context {
  readonly file: string;
  /** Positions within the current chunk, and that chunk's first line minus one. */
  readonly lines: LineCounter;
  readonly lineOffset: number;
  /** Set for a document read leniently: every object is placed at this line. */
  readonly fixedLine?: number;
  readonly defaultNamespace: string;
  readonly out: ManifestSet;
}

function position(context: Context, offset: number | undefined): { line: number; column: number } {
  if (context.fixedLine !== undefined) return { line: context.fixedLine, column: 1 };
  const { line, col } = context.lines.linePos(offset ?? 0);
  return { line: line + context.lineOffset, column: col };
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

function labelsOf(object: JsonObject): NamespaceLabels {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
}

function namespaceName(object: JsonObject): string | undefined {
  const name = isJsonObject(object.metadata) ? object.metadata.name : undefined;
  const core = object.apiVersion === undefined || object.apiVersion === 'v1';
  return object.kind === 'Namespace' && core && typeof name === 'string' ? name : undefined;
}

/** A `List` (or `PodList`, `DeploymentList`... as the API returns them): its items, positioned. */
function visitList(context: Context, object: JsonObject, node: unknown): void {
  const kind = object.kind as string;
  const items = object.items as unknown[];
  const itemNodes = isMap(node) ? node.get('items', true) : undefined;
  // Items of a typed list (`PodList`) carry no kind of their own.
  const implied =
    kind === 'List' ? undefined : { kind: kind.slice(0, -'List'.length), apiVersion: object.apiVersion };
  items.forEach((item, index) => {
    const itemNode = isSeq(itemNodes) ? itemNodes.items[index] : node;
    const value =
      implied !== undefined && isJsonObject(item) && item.kind === undefined ? { ...implied, ...item } : item;
    visitObject(context, value, itemNode);
  });
}

function visitObject(context: Context, value: unknown, node: unknown): void {
  if (!isJsonObject(value)) {
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

/** One `---`-separated piece of the input, as kubectl's YAML reader splits it before parsing. */
interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in the file. */
  readonly firstLine: number;
}

// k8s.io/apimachinery's YAMLReader: a line that starts with `---` followed by nothing but
// whitespace or a comment ends a document. Splitting first means a broken document can never
// swallow the ones after it.
const SEPARATOR = /^---(?:[ \t]*|[ \t]+#.*)$/;

export function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const lines = text.split('\n');
  let start = 0;
  const flush = (end: number): void => {
    chunks.push({ text: lines.slice(start, end).join('\n'), firstLine: start + 1 });
  };
  lines.forEach((line, index) => {
    if (SEPARATOR.test(line.replace(/\r$/, ''))) {
      flush(index);
      start = index + 1;
    }
  });
  flush(lines.length);
  return chunks;
}

/** `Deployment/web` when the text of an unreadable document still shows its kind and name. */
function guessName(text: string): string | undefined {
  const kind = /^kind:[ \t]*["']?([A-Za-z0-9]+)/m.exec(text)?.[1];
  // The first `name:` is metadata.name in every manifest that writes metadata before spec.
  const name = /(?:^|[\s{,])name:[ \t]*["']?([-a-z0-9.]+)/m.exec(text)?.[1];
  return kind === undefined ? undefined : `${kind}/${name ?? '(unnamed)'}`;
}

/**
 * A document the `yaml` library rejects but kubectl's go-yaml reads (a multi-line quoted scalar
 * whose closing line sits at the key's indentation, for one): read it with js-yaml, which is as
 * lenient there. Node positions are then unknown, so its objects point at the document's start.
 */
function lenientValue(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: loadLenient(text, { json: false }) };
  } catch {
    return { ok: false };
  }
}

function visitChunk(context: Context, chunk: Chunk): void {
  const lines = new LineCounter();
  // logLevel 'error': the library's Node warnings (collection keys stringified...) stay silent.
  const documents = parseAllDocuments(chunk.text, { lineCounter: lines, logLevel: 'error' });
  const local: Context = { ...context, lines, lineOffset: chunk.firstLine - 1 };
  const broken = documents.find((document) => document.errors.length > 0);
  if (broken === undefined) {
    for (const document of documents) visitDocument(local, document);
    return;
  }
  const lenient = lenientValue(chunk.text);
  if (lenient.ok) {
    if (lenient.value !== null && lenient.value !== undefined) {
      visitObject({ ...local, fixedLine: firstContentLine(chunk) }, lenient.value, undefined);
    }
    return;
  }
  // One error per broken document: its first problem, where it is, and what is not audited.
  const error = broken.errors[0]!;
  const linePos = error.linePos?.[0];
  const where = linePos
    ? { line: linePos.line + local.lineOffset, column: linePos.col }
    : position(local, error.pos[0]);
  const start = firstContentLine(chunk);
  const more = broken.errors.length - 1;
  const name = guessName(chunk.text);
  context.out.errors.push({
    source: context.file,
    ...where,
    message:
      cleanMessage(error.message) +
      (more > 0 ? ` (and ${more} more ${more === 1 ? 'problem' : 'problems'})` : '') +
      `; the document starting at line ${start}${name === undefined ? '' : ` (${name})`} is not audited`,
  });
}

/** The first line of a chunk that is neither blank nor a comment (where kubectl says it starts). */
function firstContentLine(chunk: Chunk): number {
  const index = chunk.text.split('\n').findIndex((line) => !/^\s*(#.*)?$/.test(line));
  return chunk.firstLine + Math.max(index, 0);
}

function visitDocument(context: Context, document: Document.Parsed): void {
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
  const context: Context = { file, lines: new LineCounter(), lineOffset: 0, defaultNamespace, out };
  for (const chunk of splitDocuments(text)) visitChunk(context, chunk);
}
