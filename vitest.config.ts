import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**'],
    globalSetup: ['lib/testing/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Log lines of the services under test are noise in test output; failures carry their own.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
