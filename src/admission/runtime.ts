/** Everything compiled from one configuration, built once per load and swapped whole on reload. */
import { rewritePolicyOf, type Config } from '../config/config.js';
import { createRewriter, type Rewriter } from '../core/rewrite.js';

export interface AdmissionRuntime {
  readonly config: Config;
  readonly rewriter: Rewriter;
  /** Upstream registries that have a rule: the bounded label set of the image metrics. */
  readonly registries: ReadonlySet<string>;
}

export function createRuntime(config: Config): AdmissionRuntime {
  return {
    config,
    rewriter: createRewriter(rewritePolicyOf(config)),
    registries: new Set(config.rules.map((rule) => rule.registry)),
  };
}
