import { openDatabase, type MikroORM } from '../../../lib/db.js';
import { ConfigError } from '../../../lib/env.js';
import { signerKeys, type AccessTokenSigner } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { createRedisPair, type RedisPair } from '../../../lib/redis.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import type { AuthConfig } from './config.js';
import { authEntities } from './entities.js';

/** What auth-service is built over, opened by its entry point (index.ts) or a test. */
export interface AuthResources {
  /** The token keys, from JWT_PRIVATE_KEY_FILE: the first signs, all verify. */
  keys: AccessTokenSigner;
  /** Its database, migrated. */
  orm: MikroORM;
  /** With REDIS_URL: the session cache and the revocation feed shared by every instance. */
  redis: RedisPair | undefined;
  close(): Promise<void>;
}

export async function openAuthResources(config: AuthConfig, logger: Logger): Promise<AuthResources> {
  // First: an unreadable key file stops the start before anything is opened.
  const keys = await signerKeys(config.tokenKeys.privateKeyFile, config.tokenKeys.refreshMs, logger).catch(
    (error: unknown) => {
      throw new ConfigError(
        `invalid configuration:\n  JWT_PRIVATE_KEY_FILE: ${error instanceof Error ? error.message : String(error)}`,
      );
    },
  );
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: authEntities,
    migrations: authMigrations,
    logger,
  }).catch((error: unknown) => {
    keys.stop();
    throw error;
  });
  const redis = config.redis
    ? createRedisPair(config.redis.url, logger, { publisher: 'auth', subscriber: 'auth-revocations' })
    : undefined;
  return {
    keys,
    orm,
    redis,
    async close() {
      keys.stop();
      await redis?.close();
      await orm.close();
    },
  };
}
