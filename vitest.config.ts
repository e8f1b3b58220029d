import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node, and so the gateway in
    // production and every library it loads, uses the CJS one; Vite would hand our own files the
    // ESM one, and two copies of graphql break `instanceof GraphQLError` and schema building.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
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
