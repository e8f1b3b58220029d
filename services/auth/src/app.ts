import type { App } from '../../../lib/app.js';
import { poolState } from '../../../lib/db.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { AuthServiceService } from '../../../proto/gen/auth/v1/auth.js';
import { createAccounts } from './accounts.js';
import type { AuthConfig } from './config.js';
import { authHandlers } from './handlers.js';
import type { AuthResources } from './resources.js';
import { memoryRevocationBus, redisRevocationBus } from './revocations.js';
import { memorySessionCache, redisSessionCache } from './session-cache.js';
import { createSessions } from './sessions.js';

export type AuthApp = App<{ port: number; metricsPort: number }>;

export interface AuthAppDeps extends Omit<AuthResources, 'close'> {
  config: AuthConfig;
  logger: Logger;
}

/** Builds auth-service over its resources (resources.ts): sessions, accounts, gRPC server, metrics. */
export function createAuthApp({ config, logger, keys, orm, redis }: AuthAppDeps): AuthApp {
  // With Redis, what several instances share: the session cache and the revocation feed.
  const prefix = config.redis?.prefix ?? '';
  const cache = redis ? redisSessionCache(redis.publisher, prefix, logger) : memorySessionCache();
  const bus = redis ? redisRevocationBus(redis.publisher, redis.subscriber, prefix, logger) : memoryRevocationBus();
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
  for (const connection of redis?.connections ?? []) metrics.watchRedis(connection);
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

  return {
    async start() {
      const port = await server.listen(config.listen);
      const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
      logger.info({ listen: config.listen, port, metricsPort, redis: Boolean(redis) }, 'auth-service ready');
      return { port, metricsPort };
    },
    async stop() {
      // Ends the WatchRevocations streams, which would hold the server's shutdown.
      shutdown.abort();
      await server.stop();
      await metrics.close();
      await bus.close();
    },
  };
}
