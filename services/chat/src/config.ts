import { z } from 'zod';
import { env, loadEnv } from '../../../lib/env.js';

export const chatEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  CHAT_GRPC_LISTEN: env.listen('127.0.0.1:50052'),
  CHAT_DATABASE_URL: env.postgresUrl().pipe(z.string({ error: 'is required' })),
  AUTH_GRPC_ADDR: env.addressList('127.0.0.1:50051'),
  GRPC_DEADLINE: env.duration('5s'),
  REDIS_URL: env.redisUrl(),
  REDIS_PREFIX: z.string().default('messenger:'),
  JWT_SECRET: env.jwtSecret(),
  METRICS_PORT: env.port(0),
  METRICS_HOST: z.string().default('127.0.0.1'),
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
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    jwtSecret: e.JWT_SECRET,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
  });
}

export function loadChatConfig(source?: NodeJS.ProcessEnv): ChatConfig {
  return chatConfigFrom(loadEnv(chatEnvSchema, source));
}
