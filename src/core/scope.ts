/**
 * Which namespaces the webhooks see, and in which mode: the chart's namespaceSelectors (see
 * `pullthrough.mutateNamespaceSelector` and `pullthrough.auditNamespaceSelector` in
 * charts/pullthrough/templates/_helpers.tpl; the table is in the chart README, "How the selectors
 * work") evaluated here, so the audit predicts what the API server sends to `/mutate` and `/audit`
 * and the secret sync knows where the pull secret is injected. test/audit/scope.test.ts renders the
 * chart and checks that both agree. Excluded namespaces (kube-system always) are never sent to
 * either. Pure.
 */
import { REWRITE_LABEL } from './mutate-pod.js';

/** `enforce` patches Pods; `audit` only reports what it would change. */
export const MODES = ['enforce', 'audit'] as const;
export type Mode = (typeof MODES)[number];

export const SCOPES = ['cluster', 'opt-in'] as const;
export type ScopeName = (typeof SCOPES)[number];

/** Namespaces the chart excludes whatever its values say (besides its own release namespace). */
export const ALWAYS_EXCLUDED_NAMESPACES: readonly string[] = ['kube-system'];

/** Why no webhook sees a namespace's Pods. */
export const NAMESPACE_SKIP_REASONS = [
  'namespace-excluded',
  'namespace-disabled',
  'namespace-not-enabled',
] as const;
export type NamespaceSkipReason = (typeof NAMESPACE_SKIP_REASONS)[number];

export type NamespaceDecision =
  | { readonly mode: Mode; readonly skipped?: undefined }
  | { readonly mode?: undefined; readonly skipped: NamespaceSkipReason };

export interface ScopeSettings {
  readonly scope: ScopeName;
  /** The configuration's mode: `audit` renders no /mutate webhook at all. */
  readonly mode: Mode;
  /** Excluded by name, in addition to {@link ALWAYS_EXCLUDED_NAMESPACES}. */
  readonly excludedNamespaces: readonly string[];
}

export type NamespaceLabels = Readonly<Record<string, string>>;

/** Decides one namespace from its labels (undefined or `{}` when it has none). */
export function namespaceDecision(
  namespace: string,
  labels: NamespaceLabels | undefined,
  settings: ScopeSettings,
): NamespaceDecision {
  if (ALWAYS_EXCLUDED_NAMESPACES.includes(namespace) || settings.excludedNamespaces.includes(namespace)) {
    return { skipped: 'namespace-excluded' };
  }
  const label = labels?.[REWRITE_LABEL];
  if (label === 'disabled') return { skipped: 'namespace-disabled' };
  if (label === 'audit') return { mode: 'audit' };
  if (settings.scope === 'opt-in' && label !== 'enabled') return { skipped: 'namespace-not-enabled' };
  return { mode: settings.mode };
}
