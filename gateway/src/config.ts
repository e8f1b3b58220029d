import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { env, loadEnv } from '../../lib/env.js';
import { trustProxyEnv } from './limits/client-address.js';
import { rateEnv } from './limits/rate.js';
import type { RateLimitsConfig } from './limits/rate-limits.js';

export const gatewayEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  GATEWAY_PORT: env.port(8080),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  AUTH_GRPC_ADDR: env.addressList('127.0.0.1:50051'),
  CHAT_GRPC_ADDR: env.addressList('127.0.0.1:50052'),
  PROFILES_GRPC_ADDR: env.addressList('127.0.0.1:50053'),
  GRPC_DEADLINE: env.duration('5s'),
  METRICS_PORT: env.port(0),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** The built web client; unset: the repository's `web/dist` (relative values: from the cwd). */
  WEB_ROOT: z.string().optional(),
  /** Rate-limit counters shared by every gateway instance; unset: each instance counts alone. */
  REDIS_URL: env.redisUrl(),
  REDIS_PREFIX: z.string().default('messenger:'),
  /** Lets the gateway know a caller's user from their token with no call (per-user rate limits). */
  JWT_SECRET: env.jwtSecret().optional(),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  TRUST_PROXY: trustProxyEnv(),
  RATE_LIMIT_LOGIN: rateEnv('5/15m'),
  RATE_LIMIT_LOGIN_ADDRESS: rateEnv('20/1m'),
  RATE_LIMIT_LOGIN_ACCOUNT: rateEnv('100/1d'),
  RATE_LIMIT_REGISTER: rateEnv('10/1h'),
  RATE_LIMIT_REFRESH: rateEnv('60/1h'),
  RATE_LIMIT_SEND: rateEnv('20/1s'),
  RATE_LIMIT_SEND_BURST: rateEnv('30/10s'),
  RATE_LIMIT_WRITES: rateEnv('30/1m'),
  RATE_LIMIT_SEARCH: rateEnv('30/1m'),
  RATE_LIMIT_SIGNALS: rateEnv('100/10s'),
  RATE_LIMIT_WEBSOCKETS: rateEnv('30/1m'),
  MAX_SUBSCRIPTIONS_PER_SOCKET: env.count(20),
  MAX_SUBSCRIPTIONS_PER_USER: env.count(100),
  MAX_SOCKETS_PER_USER: env.count(50),
  /** chat-service's cap, read here too: a subscription may carry a resume cursor per chat. */
  MAX_CHATS_PER_USER: env.count(2_000),
});

/** Where `npm run build:web` and `npm start` put the web client (scripts/build-web.ts). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export type GatewayConfig = ReturnType<typeof gatewayConfigFrom>;

function gatewayConfigFrom(e: z.output<typeof gatewayEnvSchema>) {
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    upstreams: { auth: e.AUTH_GRPC_ADDR, chat: e.CHAT_GRPC_ADDR, profiles: e.PROFILES_GRPC_ADDR },
    grpcDeadlineMs: e.GRPC_DEADLINE,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    webRoot: resolve(e.WEB_ROOT ?? DEFAULT_WEB_ROOT),
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    jwtSecret: e.JWT_SECRET,
    /** Where the client's address comes from (the socket, or X-Forwarded-For behind proxies). */
    trustProxy: e.TRUST_PROXY,
    rateLimits: {
      enabled: e.RATE_LIMITS === 'on',
      login: {
        perAccountAddress: e.RATE_LIMIT_LOGIN,
        perAddress: e.RATE_LIMIT_LOGIN_ADDRESS,
        perAccount: e.RATE_LIMIT_LOGIN_ACCOUNT,
      },
      register: e.RATE_LIMIT_REGISTER,
      refresh: e.RATE_LIMIT_REFRESH,
      send: e.RATE_LIMIT_SEND,
      sendBurst: e.RATE_LIMIT_SEND_BURST,
      writes: e.RATE_LIMIT_WRITES,
      search: e.RATE_LIMIT_SEARCH,
      signals: e.RATE_LIMIT_SIGNALS,
      webSockets: e.RATE_LIMIT_WEBSOCKETS,
    } satisfies RateLimitsConfig,
    /** Caps on what one user holds open on this gateway instance (realtime/caps.ts). */
    realtimeCaps: {
      subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      subscriptionsPerUser: e.MAX_SUBSCRIPTIONS_PER_USER,
      socketsPerUser: e.MAX_SOCKETS_PER_USER,
      resumeCursors: e.MAX_CHATS_PER_USER,
    },
  });
}

export function loadGatewayConfig(source?: NodeJS.ProcessEnv): GatewayConfig {
  return gatewayConfigFrom(loadEnv(gatewayEnvSchema, source));
}
