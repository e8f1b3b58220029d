import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/** The chaos test (issue #12): run alone, after every other file (see `projects`). */
const CHAOS = 'test/chaos/chaos.test.ts';

const project = (test: NonNullable<TestProjectInlineConfiguration['test']>): TestProjectInlineConfiguration => ({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node, and so the gateway in
    // production and every library it loads, uses the CJS one; Vite would hand our own files the
    // ESM one, and two copies of graphql break `instanceof GraphQLError` and schema building.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Log lines of the services under test are noise in test output; failures carry their own.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    // One disposal list for what each test file starts (test/support/leftovers.ts).
    setupFiles: ['test/support/setup.ts'],
    ...test,
  },
});

export default defineConfig({
  test: {
    projects: [
      project({
        name: 'suite',
        include: ['**/*.test.ts'],
        exclude: ['node_modules/**', '.data/**', CHAOS],
        globalSetup: ['test/support/global-setup.ts'],
      }),
      // It kills processes and loads the machine on purpose, on a PostgreSQL and a Redis of its
      // own: a group of its own, started once the suite's files are done, never beside them.
      project({ name: 'chaos', include: [CHAOS], sequence: { groupOrder: 1 } }),
    ],
  },
});
