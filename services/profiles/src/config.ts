import { z } from 'zod';
import { env, grpcTlsEnv, grpcTlsFrom, loadEnv } from '../../../lib/env.js';

export const profilesEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  PROFILES_GRPC_LISTEN: env.listen('127.0.0.1:7053'),
  PROFILES_DATABASE_URL: env.postgresUrl().pipe(z.string({ error: 'is required' })),
  AUTH_GRPC_ADDR: env.addressList('127.0.0.1:7051'),
  CHAT_GRPC_ADDR: env.addressList('127.0.0.1:7052'),
  GRPC_DEADLINE: env.duration('5s'),
  /** Public keys of access tokens (JWKS or PEM); unset: asked of auth-service (docs/security.md). */
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  JWT_KEYS_REFRESH: env.duration('30s'),
  /** Prometheus /metrics, on a fixed port a scrape config can name (docs/observability.md); 0: a free one. */
  METRICS_PORT: env.port(9402),
  METRICS_HOST: z.string().default('127.0.0.1'),
  ...grpcTlsEnv,
});

export type ProfilesConfig = ReturnType<typeof profilesConfigFrom>;

function profilesConfigFrom(e: z.output<typeof profilesEnvSchema>) {
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    listen: e.PROFILES_GRPC_LISTEN,
    databaseUrl: e.PROFILES_DATABASE_URL,
    authAddresses: e.AUTH_GRPC_ADDR,
    chatAddresses: e.CHAT_GRPC_ADDR,
    grpcDeadlineMs: e.GRPC_DEADLINE,
    tokenKeys: { publicKeyFile: e.JWT_PUBLIC_KEY_FILE, refreshMs: e.JWT_KEYS_REFRESH },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    grpcTls: grpcTlsFrom(e, { serves: true }),
  });
}

export function loadProfilesConfig(source?: NodeJS.ProcessEnv): ProfilesConfig {
  return profilesConfigFrom(loadEnv(profilesEnvSchema, source));
}
