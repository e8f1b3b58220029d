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
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { embeddedKeyFiles, ensureKeyPair, type KeyFiles } from './token-keys.js';

export interface Databases {
  /** Database URL per service. */
  urls: Record<(typeof SERVICE_DATABASES)[number]['service'], string>;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The databases the services use: the URLs from the environment when they are set (all of them),
 * else an embedded PostgreSQL in DATA_DIR on EMBEDDED_PG_PORT, created on first use and kept.
 */
export async function prepareDatabases(config: LauncherEnv, logger: Logger): Promise<Databases> {
  const external = externalDatabases(config);
  if (external) return external;
  const postgres = await startEmbeddedPostgres(config, logger);
  return { urls: embeddedUrls(postgres.baseUrl), embedded: true, stop: () => postgres.stop() };
}

/** The databases the environment names (every URL), or none (embedded mode); some is an error. */
export function externalDatabases(config: LauncherEnv): Databases | undefined {
  const given = SERVICE_DATABASES.filter(({ urlVariable }) => config[urlVariable] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < SERVICE_DATABASES.length) {
    const missing = SERVICE_DATABASES.filter((db) => !given.includes(db)).map((db) => db.urlVariable);
    throw new ConfigError(
      `invalid configuration:\n  ${missing.join(', ')}: set every database URL or none (embedded mode)`,
    );
  }
  const urls = Object.fromEntries(SERVICE_DATABASES.map((db) => [db.service, config[db.urlVariable] as string]));
  return { urls: urls as Databases['urls'], embedded: false, stop: async () => {} };
}

/** Each service's database on the embedded server. */
export function embeddedUrls(baseUrl: string): Databases['urls'] {
  const urls = Object.fromEntries(SERVICE_DATABASES.map((db) => [db.service, `${baseUrl}/${db.database}`]));
  return urls as Databases['urls'];
}

/**
 * The token key files (docs/security.md): JWT_PRIVATE_KEY_FILE (and JWT_PUBLIC_KEY_FILE) when set;
 * else, in embedded mode only, a key pair generated once into DATA_DIR. With database URLs set the
 * private key file is required, since every auth-service instance must sign with the same keys.
 */
export async function tokenKeyFilesFor(config: LauncherEnv, databases: Databases): Promise<KeyFiles> {
  if (config.JWT_PRIVATE_KEY_FILE) {
    return { privateKeyFile: config.JWT_PRIVATE_KEY_FILE, publicKeyFile: config.JWT_PUBLIC_KEY_FILE };
  }
  if (!databases.embedded) {
    throw new ConfigError(
      'invalid configuration:\n  JWT_PRIVATE_KEY_FILE: is required when database URLs are set (every instance must sign with the same keys)',
    );
  }
  const files = embeddedKeyFiles(config.DATA_DIR);
  await ensureKeyPair(files);
  return files;
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
