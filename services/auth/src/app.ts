import { ConfigError } from '../../../lib/env.js';
import { signerKeys } from '../../../lib/jwt.js';
import { openDatabase, poolState, type MikroORM } from '../../../lib/db.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { createRedis, type Redis } from '../../../lib/redis.js';
import { AuthServiceService } from '../../../proto/gen/auth/v1/auth.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import { createAccounts } from './accounts.js';
import type { AuthConfig } from './config.js';
import { authEntities } from './entities.js';
import { authHandlers } from './handlers.js';
import { memoryRevocationBus, redisRevocationBus } from './revocations.js';
import { memorySessionCache, redisSessionCache } from './session-cache.js';
import { createSessions } from './sessions.js';

export interface AuthApp {
  /** The bound gRPC port (useful when listening on port 0). */
  port: number;
  metricsPort: number;
  orm: MikroORM;
  stop(): Promise<void>;
}

/** Builds and starts auth-service: database, cache, revocation bus, gRPC server and metrics. */
export async function createAuthApp(config: AuthConfig, logger: Logger): Promise<AuthApp> {
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
  });
  const redisConnections: Redis[] = [];
  let cache = memorySessionCache();
  let bus = memoryRevocationBus();
  if (config.redis) {
    const publisher = createRedis(config.redis.url, logger, 'auth');
    const subscriber = createRedis(config.redis.url, logger, 'auth-revocations');
    redisConnections.push(publisher, subscriber);
    cache = redisSessionCache(publisher, config.redis.prefix, logger);
    bus = redisRevocationBus(publisher, subscriber, config.redis.prefix, logger);
  }
  const sessions = createSessions({
    orm,
    cache,
    bus,
    keys,
    accessTokenTtlMs: config.accessTokenTtlMs,
    refreshTokenTtlMs: config.refreshTokenTtlMs,
    maxSessionsPerUser: config.maxSessionsPerUser,
    logger,
  });
  const accounts = createAccounts({ orm, sessions });
  const shutdown = new AbortController();
  const metrics = createMetrics('auth');
  metrics.watchPool(() => poolState(orm));
  for (const redis of redisConnections) metrics.watchRedis(redis);
  const server = createGrpcServer({
    logger,
    metrics,
    protoFiles: ['auth/v1/auth.proto'],
    tls: config.grpcTls,
  });
  server.add(
    'messenger.auth.v1.AuthService',
    AuthServiceService,
    authHandlers({ accounts, sessions, bus, keys, shutdown: shutdown.signal }),
  );
  const port = await server.listen(config.listen);
  const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
  logger.info({ listen: config.listen, port, metricsPort, redis: Boolean(config.redis) }, 'auth-service ready');

  return {
    port,
    metricsPort,
    orm,
    async stop() {
      shutdown.abort();
      keys.stop();
      await server.stop();
      await metrics.close();
      await bus.close();
      await Promise.all(redisConnections.map((redis) => redis.quit().catch(() => redis.disconnect())));
      await orm.close();
    },
  };
}
