/** The layer rule that `npm run lint` applies to src/: a back edge or a sibling edge fails. */
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import layers from '../../eslint.layers.js';

const root = '/repo';

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: root });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        plugins: { layers },
        rules: { 'layers/only-down': 'error' },
        languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
      },
    ],
    { filename: `${root}/${file}` },
  );
  return messages.map((message) => message.message);
}

describe('layers only point down', () => {
  it('accepts imports of lower layers and of the own folder', () => {
    expect(lint('src/http/app.ts', "import { a } from '../admission/handle-review.js';")).toEqual([]);
    expect(lint('src/core/rewrite.ts', "import { b } from './image-ref.js';")).toEqual([]);
    expect(lint('src/cli/main.ts', "import { c } from '../platform/logger.js';")).toEqual([]);
    expect(lint('src/bin.ts', "import { main } from './cli/main.js';")).toEqual([]);
    expect(lint('src/core/x.ts', "import { readFile } from 'node:fs';")).toEqual([]);
  });

  it('rejects an upward import, static, re-exported, type-only or dynamic', () => {
    const upward = "'core' (tier 0) may not import 'config' (tier 2): layers only point down";
    expect(lint('src/core/mutate-pod.ts', "import { x } from '../config/config.js';")).toEqual([upward]);
    expect(lint('src/core/mutate-pod.ts', "export { x } from '../config/config.js';")).toEqual([upward]);
    expect(lint('src/core/mutate-pod.ts', "export * from '../config/config.js';")).toEqual([upward]);
    expect(lint('src/core/mutate-pod.ts', "const m = import('../config/config.js');")).toEqual([upward]);
    expect(lint('src/tls/tls-source.ts', "const m = import('../kube/client.js');")).toEqual([
      "'tls' (tier 3) may not import 'kube' (tier 4): layers only point down",
    ]);
    expect(lint('src/config/load.ts', "import { log } from '../log.js';")).toEqual([]);
    expect(lint('src/platform/logger.ts', "import { x } from '../server/start-server.js';")).toHaveLength(1);
  });

  it('rejects an import between siblings of one tier', () => {
    expect(lint('src/sync/plan.ts', "import { s } from '../audit/scope.js';")).toEqual([
      "'sync' may not import its sibling 'audit' (both tier 5): move the shared idea down",
    ]);
  });

  it('asks for a new folder to be placed in the order', () => {
    expect(lint('src/extra/thing.ts', '')).toEqual([
      "'extra' is not a layer: add it to LAYERS in eslint.layers.js and docs/architecture.md",
    ]);
    expect(lint('src/core/x.ts', "import { y } from '../extra/y.js';")).toEqual([
      "'extra' is not a layer: add it to LAYERS in eslint.layers.js and docs/architecture.md",
    ]);
  });
});
