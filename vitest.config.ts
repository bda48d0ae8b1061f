import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One temporary directory per run, removed at its end (scripts/vitest-tmpdir.ts).
    globalSetup: ['scripts/vitest-tmpdir.ts'],
    // In CI a JSON report beside the usual output lets .ci/run say how many oracle comparisons ran.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/vitest-results.json' }]] : ['default'],
  },
});
