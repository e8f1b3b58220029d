import { Gauge } from 'prom-client';
import type { App } from '../../../lib/app.js';
import { poolState } from '../../../lib/db.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import { verifierKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { createSessionVerifier } from '../../../lib/session-verifier.js';
import { authUserDirectory } from '../../../lib/user-directory.js';
import { ChatServiceService } from '../../../proto/gen/chat/v1/chat.js';
import { memoryChatBus } from './bus.js';
import { redisChatBus } from './redis-bus.js';
import { createChats } from './chats.js';
import type { ChatConfig } from './config.js';
import { chatHandlers } from './handlers.js';
import { createMessages } from './messages.js';
import { createDeliveryHub, type DeliveryLimits } from './delivery/hub.js';
import type { DeliverLimits } from './delivery/deliver-call.js';
import type { ChatResources } from './resources.js';
import { createTyping, memoryTypingStore, redisTypingStore } from './typing.js';
import { memoryFanoutGate, redisFanoutGate } from './fanout-gate.js';
import { createReadReceipts } from './read-receipts.js';

export interface ChatApp extends App<{ port: number; metricsPort: number }> {
  /** Registered subscribers (of Subscribe and Deliver calls). */
  subscribers(): number;
}

export interface ChatAppDeps extends Omit<ChatResources, 'close'> {
  config: ChatConfig;
  logger: Logger;
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

/** Builds chat-service over its resources (resources.ts); `start` listens. */
export function createChatApp(
  { config, logger, orm, auth, redis }: ChatAppDeps,
  options: { limits?: Partial<ChatLimits>; typingTtlMs?: number } = {},
): ChatApp {
  const verifier = createSessionVerifier({
    keys: verifierKeys(config.tokenKeys, auth, logger),
    auth,
    logger,
    recheckMs: config.sessionRecheckMs,
  });
  // With Redis, what several instances share: the event bus, typing state, the fan-out gate.
  const prefix = config.redis?.prefix ?? '';
  const bus = redis ? redisChatBus(redis.publisher, redis.subscriber, prefix, logger) : memoryChatBus();
  const typingStore = redis ? redisTypingStore(redis.publisher, prefix) : memoryTypingStore();
  const gate = redis ? redisFanoutGate(redis.publisher, prefix) : memoryFanoutGate();
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
  const chats = createChats({ orm, bus, users: authUserDirectory(auth), caps: config.caps });
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
  for (const connection of redis?.connections ?? []) metrics.watchRedis(connection);
  const server = createGrpcServer({ logger, metrics, protoFiles: ['chat/v1/chat.proto'], tls: config.grpcTls });
  server.add(
    'messenger.chat.v1.ChatService',
    ChatServiceService,
    chatHandlers({ verifier, chats, messages, typing, hub, limits }),
  );

  return {
    async start() {
      const port = await server.listen(config.listen);
      const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
      logger.info({ listen: config.listen, port, metricsPort, redis: Boolean(redis) }, 'chat-service ready');
      return { port, metricsPort };
    },
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
      await bus.close();
    },
  };
}
