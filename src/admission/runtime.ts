/** Everything compiled from one configuration, built once per load and swapped whole on reload. */
import { rewritePolicyOf, type Config } from '../config/config.js';
import type { MutationSettings } from '../core/mutate-pod.js';
import { createRewriter, type Rewriter } from '../core/rewrite.js';

export interface AdmissionRuntime {
  readonly config: Config;
  readonly rewriter: Rewriter;
  /** What the core needs from the configuration (the rewrite options come per review). */
  readonly settings: MutationSettings;
  /** Upstream registries that have a rule: the bounded label set of the image metrics. */
  readonly registries: ReadonlySet<string>;
}

/** The core's settings from a configuration: the one place a Config becomes MutationSettings. */
export function mutationSettingsOf(
  config: Config,
  rewriter: Rewriter = createRewriter(rewritePolicyOf(config)),
): MutationSettings {
  return { rewriter, pullSecrets: config.pullSecrets, excludedOwners: config.exclude.owners };
}

export function createRuntime(config: Config): AdmissionRuntime {
  const settings = mutationSettingsOf(config);
  return {
    config,
    rewriter: settings.rewriter,
    settings,
    registries: new Set(config.rules.map((rule) => rule.registry)),
  };
}
