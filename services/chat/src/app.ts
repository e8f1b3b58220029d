import { status } from '@grpc/grpc-js';
import { Gauge } from 'prom-client';
import { openDatabase, poolState, type MikroORM } from '../../../lib/db.js';
import { isServiceError, unavailable } from '../../../lib/errors.js';
import { createServiceClient } from '../../../lib/grpc/client.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import { verifierKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { createSessionVerifier } from '../../../lib/session-verifier.js';
import { chatMigrations } from '../../../migrations/chat/index.js';
import { AuthServiceClient } from '../../../proto/gen/auth/v1/auth.js';
import { ChatServiceService } from '../../../proto/gen/chat/v1/chat.js';
import { memoryChatBus } from './bus.js';
import { redisChatBus } from './redis-bus.js';
import { createRedis, type Redis } from '../../../lib/redis.js';
import { createChats, type UserDirectory } from './chats.js';
import type { ChatConfig } from './config.js';
import { chatEntities } from './entities.js';
import { chatHandlers } from './handlers.js';
import { createMessages } from './messages.js';
import { createDeliveryHub, type DeliveryLimits } from './delivery/hub.js';
import type { DeliverLimits } from './delivery/deliver-call.js';
import { createTyping, memoryTypingStore, redisTypingStore } from './typing.js';
import { memoryFanoutGate, redisFanoutGate } from './fanout-gate.js';
import { createReadReceipts } from './read-receipts.js';

export interface ChatApp {
  port: number;
  metricsPort: number;
  orm: MikroORM;
  /** Registered subscribers (of Subscribe and Deliver calls). */
  subscribers(): number;
  stop(): Promise<void>;
}

/** Bounds on what subscribers may hold (see delivery/). */
export type ChatLimits = DeliveryLimits & DeliverLimits & { maxSubscribeBuffered: number };

const DEFAULT_LIMITS: ChatLimits = {
  maxBacklog: 2_000,
  // Set from MAX_CHATS_PER_USER: a cursor for every chat one may be in fits.
  maxCursors: 2_000,
  logConcurrency: 4,
  maxSubscribeBuffered: 2_000,
  maxSubscribers: 100_000,
  maxBuffered: 20_000,
};

/** Builds and starts chat-service. */
export async function createChatApp(
  config: ChatConfig,
  logger: Logger,
  options: { limits?: Partial<ChatLimits>; typingTtlMs?: number } = {},
): Promise<ChatApp> {
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
  const verifier = createSessionVerifier({
    keys: verifierKeys(config.tokenKeys, auth, logger),
    auth,
    logger,
    recheckMs: config.sessionRecheckMs,
  });
  const users: UserDirectory = async (caller, ids) => {
    try {
      const { results } = await auth.unary.getUsers(
        { ids },
        { metadata: callMetadata({ authorization: caller.authorization, requestId: caller.requestId }) },
      );
      return new Set(results.flatMap((result) => (result.user ? [result.user.id] : [])));
    } catch (error) {
      if (isServiceError(error) && error.code === status.UNAUTHENTICATED) throw error;
      throw unavailable('cannot look users up now; try again');
    }
  };
  const redisConnections: Redis[] = [];
  let bus = memoryChatBus();
  let typingStore = memoryTypingStore();
  let gate = memoryFanoutGate();
  if (config.redis) {
    const publisher = createRedis(config.redis.url, logger, 'chat');
    const subscriber = createRedis(config.redis.url, logger, 'chat-events');
    redisConnections.push(publisher, subscriber);
    bus = redisChatBus(publisher, subscriber, config.redis.prefix, logger);
    typingStore = redisTypingStore(publisher, config.redis.prefix);
    gate = redisFanoutGate(publisher, config.redis.prefix);
  }
  const limits = { ...DEFAULT_LIMITS, maxCursors: config.caps.chatsPerUser, ...options.limits };
  const hub = createDeliveryHub({ orm, bus, logger, limits });
  // Revoked sessions' subscribers end, also when the revocation missed the feed (recheck).
  const stopRevocations = verifier.onRevoked(
    (sessionId) => hub.revokeSession(sessionId),
    () => hub.sessions(),
  );
  const stopKeyRetirements = verifier.onKeysRetired((keyIds) => hub.retireKeys(keyIds));
  const typing = createTyping(bus, typingStore, gate, {
    ttlMs: options.typingTtlMs,
    intervalMs: config.caps.typingIntervalMs,
  });
  const receipts = createReadReceipts({ orm, bus, gate, intervalMs: config.caps.readReceiptIntervalMs, logger });
  const chats = createChats({ orm, bus, users, caps: config.caps });
  const messages = createMessages({ orm, bus, receipts });
  const metrics = createMetrics('chat');
  metrics.watchPool(() => poolState(orm));
  new Gauge({
    name: 'messenger_chat_subscribers',
    help: 'Subscribers (Subscribe calls, and subscriptions on Deliver calls) this chat-service instance serves.',
    registers: [metrics.registry],
    collect() {
      this.set(hub.size());
    },
  });
  for (const redis of redisConnections) metrics.watchRedis(redis);
  const server = createGrpcServer({ logger, metrics, protoFiles: ['chat/v1/chat.proto'], tls: config.grpcTls });
  server.add(
    'messenger.chat.v1.ChatService',
    ChatServiceService,
    chatHandlers({ verifier, chats, messages, typing, hub, limits }),
  );
  const port = await server.listen(config.listen);
  const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
  logger.info({ listen: config.listen, port, metricsPort, redis: Boolean(config.redis) }, 'chat-service ready');

  return {
    port,
    metricsPort,
    orm,
    subscribers: () => hub.size(),
    async stop() {
      // Streams end first, as UNAVAILABLE, so that gateways resume elsewhere at once.
      hub.close();
      stopRevocations();
      stopKeyRetirements();
      typing.stop();
      receipts.stop();
      await server.stop();
      await metrics.close();
      verifier.stop();
      auth.close();
      await bus.close();
      await Promise.all(redisConnections.map((redis) => redis.quit().catch(() => redis.disconnect())));
      await orm.close();
    },
  };
}
