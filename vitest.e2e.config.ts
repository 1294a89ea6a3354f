import { defineConfig } from 'vitest/config';

// The end-to-end suite shares one control plane, so its files run one after another.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/e2e/global-setup.ts'],
  },
});
