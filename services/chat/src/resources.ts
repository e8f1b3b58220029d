import { openDatabase, type MikroORM } from '../../../lib/db.js';
import { createServiceClient, type ServiceClient } from '../../../lib/grpc/client.js';
import type { Logger } from '../../../lib/logger.js';
import { createRedisPair, type RedisPair } from '../../../lib/redis.js';
import { chatMigrations } from '../../../migrations/chat/index.js';
import { AuthServiceClient } from '../../../proto/gen/auth/v1/auth.js';
import type { ChatConfig } from './config.js';
import { chatEntities } from './entities.js';

/** What chat-service is built over, opened by its entry point (index.ts) or a test. */
export interface ChatResources {
  /** Its database, migrated. */
  orm: MikroORM;
  /** auth-service: sessions, token keys and users. */
  auth: ServiceClient<AuthServiceClient>;
  /** With REDIS_URL: the event bus, typing state and fan-out gate shared by every instance. */
  redis: RedisPair | undefined;
  close(): Promise<void>;
}

export async function openChatResources(config: ChatConfig, logger: Logger): Promise<ChatResources> {
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: chatEntities,
    migrations: chatMigrations,
    logger,
  });
  const auth = createServiceClient(AuthServiceClient, config.authAddresses, {
    deadlineMs: config.grpcDeadlineMs,
    tls: config.grpcTls,
  });
  const redis = config.redis
    ? createRedisPair(config.redis.url, logger, { publisher: 'chat', subscriber: 'chat-events' })
    : undefined;
  return {
    orm,
    auth,
    redis,
    async close() {
      auth.close();
      await redis?.close();
      await orm.close();
    },
  };
}
