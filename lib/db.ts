import pg from 'pg';
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { MigrationObject } from '@mikro-orm/core';
import type { Logger } from './logger.js';
import type { PoolState } from './metrics.js';

export type { MikroORM };

export interface DatabaseOptions {
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- schemas of different entities
  entities: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  logger?: Logger;
  poolMax?: number;
}

/**
 * A service's MikroORM instance. Entities are `defineEntity` schemas (no decorator metadata) and
 * migrations an explicit list, so the same code runs under tsx and compiled.
 */
export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const config: Options = {
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    migrations: {
      migrationsList: options.migrations,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Every unit of work runs in a forked EntityManager; the global one is never used.
    allowGlobalContext: false,
    debug: false,
    ...(options.logger ? { logger: (message: string) => options.logger?.debug({ orm: true }, message) } : {}),
    // knex prints its own warnings (a connection lost under a query) with console.log; they go
    // to the service's log instead, as JSON lines like every other.
    driverOptions: {
      log: {
        warn: (message: unknown) => options.logger?.warn({ knex: true }, String(message)),
        error: (message: unknown) => options.logger?.error({ knex: true }, String(message)),
        deprecate: (message: unknown) => options.logger?.debug({ knex: true }, String(message)),
        debug: () => {},
      },
    },
  };
  return MikroORM.init(config);
}

/** The tarn pool under knex, as far as `poolState` reads it. */
interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/**
 * The connection pool of `orm` (knex's tarn pool) for the `messenger_db_pool_connections` metric:
 * read at scrape time, all zero before the pool exists or after it is closed.
 */
export function poolState(orm: MikroORM): PoolState {
  const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
  if (!pool) return { used: 0, free: 0, pending: 0, max: 0 };
  return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires(), max: pool.max };
}

/** The name of the database in a postgres:// URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('the database URL names no database');
  return name;
}

/** The same server's maintenance database, for CREATE/DROP DATABASE. */
function maintenanceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  return parsed.toString();
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates the URL's database when it does not exist yet; safe when several callers race. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`).catch((error: { code?: string }) => {
      // 42P04 duplicate_database, 23505: pg_database's unique index when two creators race.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseName(url))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations under a PostgreSQL advisory lock, so that several processes
 * starting at once (instances, launchers) migrate one after the other instead of racing.
 */
export async function migrateDatabase(options: DatabaseOptions): Promise<string[]> {
  await ensureDatabase(options.url);
  const lock = new pg.Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext('messenger:migrations'))");
    const orm = await openDatabase({ ...options, poolMax: 2 });
    try {
      const applied = await orm.getMigrator().up();
      return applied.map((migration) => migration.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.end(); // the session's end releases the lock
  }
}
