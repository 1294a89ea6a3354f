// Types for eslint.layers.js, which eslint.config.js loads as plain JavaScript.
import type { ESLint, Rule } from 'eslint';

export declare const LAYERS: Readonly<Record<string, number>>;
export declare const onlyDown: Rule.RuleModule;
declare const plugin: ESLint.Plugin & { rules: { 'only-down': Rule.RuleModule } };
export default plugin;
