/**
 * The audit report: every image field of every Pod (or Pod template) through the same core the
 * webhook uses (`mutatePod` as on CREATE), and a summary. Pure: sources (manifests, a live
 * cluster) hand in {@link AuditSubject}s; formatting lives in `table.ts`.
 */
import type { Mode } from '../config/config.js';
import { DOCKER_HUB, parseImageReference, repositoryOf } from '../core/image-ref.js';
import {
  POD_SKIP_REASONS,
  mutatePod,
  type ImageDecision,
  type ImageField,
  type MutationSettings,
  type PodSkipReason,
} from '../core/mutate-pod.js';
import { REWRITE_REASONS, type RewriteReason } from '../core/rewrite.js';
import { NAMESPACE_SKIP_REASONS, type NamespaceDecision, type NamespaceSkipReason } from '../core/scope.js';
import { asJsonObject } from '../core/json.js';

/**
 * Why an image field got its result: the engine's reasons for Pods the webhook acts on, or why the
 * whole Pod is left alone (by the Pod itself, or by the namespace it is in).
 */
export type AuditReason = RewriteReason | PodSkipReason | NamespaceSkipReason;
export const AUDIT_REASONS: readonly AuditReason[] = [
  ...REWRITE_REASONS,
  ...POD_SKIP_REASONS,
  ...NAMESPACE_SKIP_REASONS,
];

export interface WorkloadRef {
  readonly kind: string;
  readonly name: string;
}

/** One Pod, or one Pod template, to audit. */
export interface AuditSubject {
  readonly namespace: string;
  /** The controller that owns the Pod (or the manifest holding the template); `Pod` for bare Pods. */
  readonly workload: WorkloadRef;
  /** A live Pod's name; the name of a Pod manifest; undefined for a template. */
  readonly pod?: string | undefined;
  /** Where a manifest came from: `file:line:column`. */
  readonly source?: string | undefined;
  /** `{metadata, spec}` as the API server would send it to the webhook. */
  readonly object: unknown;
}

/** One image field and what pullthrough makes of it. */
export interface AuditItem {
  readonly namespace: string;
  readonly workload: WorkloadRef;
  readonly pod: string | null;
  readonly source: string | null;
  readonly field: ImageField;
  /** Container or volume name (`#<index>` when it has none). */
  readonly container: string;
  /** The reference as written. */
  readonly image: string;
  /** What the Pod gets (or would get): the proxied reference, or `image` as written. */
  readonly result: string;
  readonly reason: AuditReason;
  /** The proxy target the image goes (or would go) to; null when it is not rewritten. */
  readonly proxy: string | null;
  /** True when admission would change this image (in `enforce` it patches, in `audit` it reports). */
  readonly wouldRewrite: boolean;
  /** How the webhook sees the Pod; null when no webhook does (namespace or Pod skipped). */
  readonly mode: Mode | null;
  /** Full canonical reference as written; null when invalid. */
  readonly normalized: string | null;
  /** The parser's message when invalid. */
  readonly error: string | null;
}

/** An input that could not be audited: a broken document, an unreadable file, an API error. */
export interface AuditError {
  /** File name (`-` for standard input), or `cluster`. */
  readonly source: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
}

/** One pull secret in one namespace the /mutate webhook covers (live audit). */
export interface PullSecretCheck {
  readonly namespace: string;
  readonly name: string;
  readonly exists: boolean;
  /** The Secret's type (`kubernetes.io/dockerconfigjson` is what the kubelet reads); null when absent. */
  readonly type: string | null;
}

/** The type the kubelet needs for an `imagePullSecrets` entry that works with the cache. */
export const PULL_SECRET_TYPE = 'kubernetes.io/dockerconfigjson';

export interface AuditSummary {
  readonly source: 'cluster' | 'manifests';
  /** Pods (live), or Pod manifests plus Pod templates (manifests). */
  readonly pods: number;
  /** Distinct namespace + workload kind + name. */
  readonly workloads: number;
  /** Image fields. */
  readonly images: number;
  /** Every reason, zero included. */
  readonly byReason: Readonly<Record<AuditReason, number>>;
  /** Image fields admission would change (enforce and audit namespaces). */
  readonly wouldRewrite: number;
  /** Of those, the ones only reported (namespace labelled `audit`, or config `mode: audit`). */
  readonly wouldRewriteAuditOnly: number;
  /** Pods (or templates) that enforcement would change; live: Pods not yet proxied, to restart. */
  readonly podsToRewrite: number;
  /** Distinct upstream repositories (no tag or digest) of the images that would move to a cache. */
  readonly distinctUpstreamRepositories: number;
  /** Of those, the ones on Docker Hub. */
  readonly dockerHubRepositories: number;
  readonly upstreamRepositories: readonly string[];
  /** Manifests: objects of kinds without a Pod template (Services, ConfigMaps, Namespaces...). */
  readonly ignoredObjects: number;
  /** Live: each pull secret admission injects, in each namespace it rewrites; empty for manifests. */
  readonly pullSecrets: readonly PullSecretCheck[];
}

export interface AuditReport {
  readonly summary: AuditSummary;
  readonly items: readonly AuditItem[];
  readonly errors: readonly AuditError[];
}

function itemOf(
  subject: AuditSubject,
  image: ImageDecision,
  outcome: { reason: AuditReason; mode: Mode | null },
): AuditItem {
  const applies = outcome.mode !== null;
  const { decision } = image;
  return {
    namespace: subject.namespace,
    workload: subject.workload,
    pod: subject.pod ?? null,
    source: subject.source ?? null,
    field: image.field,
    container: image.name,
    image: decision.input,
    result: applies ? decision.output : decision.input,
    reason: outcome.reason,
    proxy: applies && decision.rewritten ? (decision.proxy ?? null) : null,
    wouldRewrite: applies && decision.rewritten,
    mode: outcome.mode,
    normalized: decision.normalized ?? null,
    error: decision.error ?? null,
  };
}

/**
 * Audits one Pod: the namespace decision first (the API server's namespaceSelector), then the
 * core exactly as admission runs it on CREATE (mirror Pods, the opt-out label, excluded owners,
 * then every image field).
 */
export function auditSubject(
  subject: AuditSubject,
  settings: MutationSettings,
  namespace: NamespaceDecision,
): AuditItem[] {
  if (namespace.skipped === undefined) {
    const mutation = mutatePod(subject.object, settings, { kind: 'create' });
    if (mutation.skipped === undefined) {
      return mutation.images.map((image) =>
        itemOf(subject, image, { reason: image.decision.reason, mode: namespace.mode }),
      );
    }
    return imagesOf(subject, settings).map((image) =>
      itemOf(subject, image, { reason: mutation.skipped as PodSkipReason, mode: null }),
    );
  }
  return imagesOf(subject, settings).map((image) =>
    itemOf(subject, image, { reason: namespace.skipped, mode: null }),
  );
}

/** The image fields of a Pod the webhook skips whole, enumerated by the core itself. */
function imagesOf(subject: AuditSubject, settings: MutationSettings): readonly ImageDecision[] {
  const spec = asJsonObject(subject.object).spec;
  return mutatePod({ metadata: {}, spec }, settings, { kind: 'create' }).images;
}

/** Collects items and errors, then computes the summary. */
export class ReportBuilder {
  private readonly items: AuditItem[] = [];
  private readonly errors: AuditError[] = [];
  private readonly workloads = new Set<string>();
  private pods = 0;
  private podsToRewrite = 0;
  private ignored = 0;
  private pullSecrets: readonly PullSecretCheck[] = [];

  constructor(
    private readonly source: AuditSummary['source'],
    private readonly settings: MutationSettings,
  ) {}

  add(subject: AuditSubject, namespace: NamespaceDecision): void {
    const items = auditSubject(subject, this.settings, namespace);
    this.pods += 1;
    this.workloads.add(JSON.stringify([subject.namespace, subject.workload.kind, subject.workload.name]));
    if (items.some((item) => item.wouldRewrite && item.mode === 'enforce')) this.podsToRewrite += 1;
    for (const item of items) this.items.push(item);
  }

  addError(error: AuditError): void {
    this.errors.push(error);
  }

  setPullSecrets(checks: readonly PullSecretCheck[]): void {
    this.pullSecrets = checks;
  }

  addIgnored(count = 1): void {
    this.ignored += count;
  }

  get errorCount(): number {
    return this.errors.length;
  }

  build(): AuditReport {
    const byReason = Object.fromEntries(AUDIT_REASONS.map((reason) => [reason, 0])) as Record<
      AuditReason,
      number
    >;
    const repositories = new Set<string>();
    let wouldRewrite = 0;
    let auditOnly = 0;
    for (const item of this.items) {
      byReason[item.reason] += 1;
      if (!item.wouldRewrite) continue;
      wouldRewrite += 1;
      if (item.mode === 'audit') auditOnly += 1;
      repositories.add(repositoryOf(parseImageReference(item.image)));
    }
    const upstreamRepositories = [...repositories].sort();
    return {
      summary: {
        source: this.source,
        pods: this.pods,
        workloads: this.workloads.size,
        images: this.items.length,
        byReason,
        wouldRewrite,
        wouldRewriteAuditOnly: auditOnly,
        podsToRewrite: this.podsToRewrite,
        distinctUpstreamRepositories: upstreamRepositories.length,
        dockerHubRepositories: upstreamRepositories.filter((repo) => repo.startsWith(`${DOCKER_HUB}/`))
          .length,
        upstreamRepositories,
        ignoredObjects: this.ignored,
        pullSecrets: this.pullSecrets,
      },
      items: this.items,
      errors: this.errors,
    };
  }
}
