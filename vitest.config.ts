import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit`: everything that runs in-process with fakes and loopback servers (no Go, helm,
 * registry, build or spawned server), the inner loop (`npm run test:unit`). `integration`: what needs
 * the tools hack/ installs (helm, kubectl, docker-registry), the built executable, or sustained load.
 * `npm test` runs both; the end-to-end suite has its own config (vitest.e2e.config.ts).
 */
const integration = [
  'test/chart/**/*.test.ts',
  'test/packaging/**/*.test.ts',
  'test/reliability/**/*.test.ts',
  'test/health/registry.test.ts',
  'test/audit/fixtures.test.ts',
  'test/audit/scope.test.ts',
  'test/kube/serve-cert-bootstrap.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    coverage: {
      provider: 'v8',
      include: ['src/**'],
      thresholds: { 'src/core/**': { lines: 100, branches: 95, functions: 100 } },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // One module graph for the whole tier: the suite imports the same modules in every file, and
          // re-importing them per file cost more than the tests themselves.
          isolate: false,
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**', ...integration],
        },
      },
      {
        extends: true,
        test: { name: 'integration', include: integration },
      },
    ],
  },
});
