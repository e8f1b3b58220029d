import { z } from 'zod';
import { env, grpcTlsEnv, grpcTlsFrom, loadEnv } from '../../../lib/env.js';

export const authEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  AUTH_GRPC_LISTEN: env.listen('127.0.0.1:7051'),
  AUTH_DATABASE_URL: env.postgresUrl().pipe(z.string({ error: 'is required' })),
  REDIS_URL: env.redisUrl(),
  REDIS_PREFIX: z.string().default('messenger:'),
  /** PEM file of Ed25519 private keys: the first signs, the others still verify (docs/security.md). */
  JWT_PRIVATE_KEY_FILE: z.string({ error: 'is required (a PEM file of Ed25519 private keys)' }),
  JWT_KEYS_REFRESH: env.duration('30s'),
  ACCESS_TOKEN_TTL: env.duration('15m'),
  REFRESH_TOKEN_TTL: env.duration('30d'),
  MAX_SESSIONS_PER_USER: env.count(100),
  /** Prometheus /metrics, on a fixed port a scrape config can name (docs/observability.md); 0: a free one. */
  METRICS_PORT: env.port(9401),
  METRICS_HOST: z.string().default('127.0.0.1'),
  ...grpcTlsEnv,
});

export type AuthConfig = ReturnType<typeof authConfigFrom>;

function authConfigFrom(e: z.output<typeof authEnvSchema>) {
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    listen: e.AUTH_GRPC_LISTEN,
    databaseUrl: e.AUTH_DATABASE_URL,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    tokenKeys: { privateKeyFile: e.JWT_PRIVATE_KEY_FILE, refreshMs: e.JWT_KEYS_REFRESH },
    accessTokenTtlMs: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlMs: e.REFRESH_TOKEN_TTL,
    /** Active sessions a user may have; a login past it revokes the least recently used one. */
    maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    grpcTls: grpcTlsFrom(e, { serves: true }),
  });
}

export function loadAuthConfig(source?: NodeJS.ProcessEnv): AuthConfig {
  return authConfigFrom(loadEnv(authEnvSchema, source));
}
