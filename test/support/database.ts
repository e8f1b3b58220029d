import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { leftover } from './leftovers.js';
import { dropDatabase, migrateDatabase, type DatabaseOptions } from '../../lib/db.js';

/** A new, migrated database for one test file, on the test PostgreSQL server. */
export async function freshDatabase(
  label: string,
  schema: Pick<DatabaseOptions, 'entities' | 'migrations'>,
): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/t_${label}_${randomBytes(5).toString('hex')}`;
  const databaseUrl = url.toString();
  await migrateDatabase({ url: databaseUrl, ...schema });
  return { url: databaseUrl, drop: leftover(() => dropDatabase(databaseUrl)) };
}
