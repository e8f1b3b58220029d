import { chmod, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from '../lib/embedded-postgres.js';
import { ConfigError } from '../lib/env.js';
import { migrateDatabase } from '../lib/db.js';
import type { Logger } from '../lib/logger.js';
import { authEntities } from '../services/auth/src/entities.js';
import { authMigrations } from '../migrations/auth/index.js';
import { chatEntities } from '../services/chat/src/entities.js';
import { chatMigrations } from '../migrations/chat/index.js';
import { profilesEntities } from '../services/profiles/src/entities.js';
import { profilesMigrations } from '../migrations/profiles/index.js';
import { SERVICE_DATABASES, type LauncherEnv } from './config.js';

export interface Databases {
  /** Database URL per service. */
  urls: Record<(typeof SERVICE_DATABASES)[number]['service'], string>;
  embedded: boolean;
  stop(): Promise<void>;
}

/** Reads a secret kept in DATA_DIR, creating it (readable by its owner only) the first time. */
async function persistentSecret(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await readFile(path, 'utf8')).trim();
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The databases the services use: the URLs from the environment when they are set (all of them),
 * else an embedded PostgreSQL in DATA_DIR on EMBEDDED_PG_PORT, created on first use and kept.
 */
export async function prepareDatabases(config: LauncherEnv, logger: Logger): Promise<Databases> {
  const given = SERVICE_DATABASES.filter(({ urlVariable }) => config[urlVariable] !== undefined);
  if (given.length > 0 && given.length < SERVICE_DATABASES.length) {
    const missing = SERVICE_DATABASES.filter((db) => !given.includes(db)).map((db) => db.urlVariable);
    throw new ConfigError(
      `invalid configuration:\n  ${missing.join(', ')}: set every database URL or none (embedded mode)`,
    );
  }
  if (given.length === SERVICE_DATABASES.length) {
    const urls = Object.fromEntries(SERVICE_DATABASES.map((db) => [db.service, config[db.urlVariable] as string]));
    return { urls: urls as Databases['urls'], embedded: false, stop: async () => {} };
  }

  const dataDir = resolve(config.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user, which
  // must be able to pass through DATA_DIR (but not list it).
  await chmod(dataDir, 0o711);
  const pgDir = join(dataDir, 'postgres');
  const password = await persistentSecret(join(dataDir, 'pg-password'));
  const isRoot = process.getuid?.() === 0;
  const recentLog: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: config.EMBEDDED_PG_PORT,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => {
      recentLog.push(message.trim());
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: message.trim() }, 'postgres');
    },
    onError: (error) => logger.error({ err: error }, 'postgres error'),
  });
  if (!(await exists(join(pgDir, 'PG_VERSION')))) {
    logger.info({ dataDir: pgDir }, 'creating the embedded PostgreSQL cluster');
    await pg.initialise();
  }
  // embedded-postgres rejects with nothing when the server exits during start; say why.
  await pg.start().catch((error: unknown) => {
    throw new Error(`the embedded PostgreSQL did not start:\n${recentLog.join('\n')}`, { cause: error });
  });
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${config.EMBEDDED_PG_PORT}`;
  const urls = Object.fromEntries(SERVICE_DATABASES.map((db) => [db.service, `${base}/${db.database}`]));
  return { urls: urls as Databases['urls'], embedded: true, stop: () => pg.stop() };
}

/**
 * The JWT secret: JWT_SECRET when set; else, in embedded mode only, one generated once into
 * DATA_DIR. With database URLs set it is required, since every instance must share it.
 */
export async function jwtSecretFor(config: LauncherEnv, databases: Databases): Promise<string> {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (!databases.embedded) {
    throw new ConfigError(
      'invalid configuration:\n  JWT_SECRET: is required when database URLs are set (every instance must share it)',
    );
  }
  return persistentSecret(join(resolve(config.DATA_DIR), 'jwt-secret'));
}

/** Creates (when missing) and migrates every service database. */
export async function migrateAll(urls: Databases['urls'], logger: Logger): Promise<void> {
  const schemas = {
    auth: { entities: authEntities, migrations: authMigrations },
    chat: { entities: chatEntities, migrations: chatMigrations },
    profiles: { entities: profilesEntities, migrations: profilesMigrations },
  };
  for (const [service, schema] of Object.entries(schemas) as [keyof typeof schemas, (typeof schemas)['auth']][]) {
    const applied = await migrateDatabase({ url: urls[service], ...schema });
    logger.info({ database: service, applied }, 'migrations applied');
  }
}
