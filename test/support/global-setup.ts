import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (any database); each test file creates its own database on it. */
    postgresUrl: string;
  }
}

/**
 * Tests run against TEST_DATABASE_URL when it is set (CI: the machine's PostgreSQL); otherwise
 * against an embedded PostgreSQL started here for the run, so `npm test` needs nothing installed.
 */
export default async function setup(project: TestProject) {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return;
  }
  const pg = await startEmbeddedPostgres();
  process.stdout.write(`TEST_DATABASE_URL is not set: using an embedded PostgreSQL (${new URL(pg.url).port})\n`);
  project.provide('postgresUrl', pg.url);
  return () => pg.stop();
}
