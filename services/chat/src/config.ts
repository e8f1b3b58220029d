import { z } from 'zod';
import { env, grpcTlsEnv, grpcTlsFrom, loadEnv } from '../../../lib/env.js';

export const chatEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  CHAT_GRPC_LISTEN: env.listen('127.0.0.1:7052'),
  CHAT_DATABASE_URL: env.postgresUrl().pipe(z.string({ error: 'is required' })),
  AUTH_GRPC_ADDR: env.addressList('127.0.0.1:7051'),
  GRPC_DEADLINE: env.duration('5s'),
  SESSION_RECHECK_INTERVAL: env.duration('1s'),
  REDIS_URL: env.redisUrl(),
  REDIS_PREFIX: z.string().default('messenger:'),
  /** Public keys of access tokens (JWKS or PEM); unset: asked of auth-service (docs/security.md). */
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  JWT_KEYS_REFRESH: env.duration('30s'),
  /** Prometheus /metrics, on a fixed port a scrape config can name (docs/observability.md); 0: a free one. */
  METRICS_PORT: env.port(9410),
  METRICS_HOST: z.string().default('127.0.0.1'),
  ...grpcTlsEnv,
  MAX_CHATS_PER_USER: env.count(2_000),
  MAX_GROUP_MEMBERS: env.count(10_000),
  TYPING_MIN_INTERVAL: env.duration('2s'),
  READ_RECEIPT_MIN_INTERVAL: env.duration('1s'),
});

export type ChatConfig = ReturnType<typeof chatConfigFrom>;

function chatConfigFrom(e: z.output<typeof chatEnvSchema>) {
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    listen: e.CHAT_GRPC_LISTEN,
    databaseUrl: e.CHAT_DATABASE_URL,
    authAddresses: e.AUTH_GRPC_ADDR,
    grpcDeadlineMs: e.GRPC_DEADLINE,
    /** How often the sessions of live subscribers are checked again with auth-service. */
    sessionRecheckMs: e.SESSION_RECHECK_INTERVAL,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    tokenKeys: { publicKeyFile: e.JWT_PUBLIC_KEY_FILE, refreshMs: e.JWT_KEYS_REFRESH },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    grpcTls: grpcTlsFrom(e, { serves: true }),
    caps: {
      /** Chats (direct ones included) a user may be in; also the resume cursors a subscription may carry. */
      chatsPerUser: e.MAX_CHATS_PER_USER,
      /** Members a group may have. */
      groupMembers: e.MAX_GROUP_MEMBERS,
      /** One `typing: true` announced per chat and user per this many ms, on average (typing.ts: bursts). */
      typingIntervalMs: e.TYPING_MIN_INTERVAL,
      /** At most one read receipt announced per chat and user per this many ms (the newest one, later). */
      readReceiptIntervalMs: e.READ_RECEIPT_MIN_INTERVAL,
    },
  });
}

export function loadChatConfig(source?: NodeJS.ProcessEnv): ChatConfig {
  return chatConfigFrom(loadEnv(chatEnvSchema, source));
}
