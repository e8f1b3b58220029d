import { z } from 'zod';
import { env, loadEnv } from '../lib/env.js';

/** The variables the launcher (`npm start`, `npm run migrate`) itself reads. */
export const launcherEnvSchema = z.object({
  LOG_LEVEL: env.logLevel(),
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: env
    .port(15432)
    .refine((port) => port !== 5432, 'must not be 5432, which a system PostgreSQL may hold'),
  AUTH_DATABASE_URL: env.postgresUrl(),
  CHAT_DATABASE_URL: env.postgresUrl(),
  PROFILES_DATABASE_URL: env.postgresUrl(),
  /** auth-service's keys; unset in embedded mode: a key pair generated once into DATA_DIR. */
  JWT_PRIVATE_KEY_FILE: z.string().optional(),
  /** Given to the other processes, so they verify while auth-service is down; unset: they ask it. */
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  GATEWAY_PORT: env.port(8080),
  AUTH_GRPC_LISTEN: env.listen('127.0.0.1:7051'),
  AUTH_GRPC_ADDR: z.string().optional(),
  CHAT_GRPC_LISTEN: env.listen('127.0.0.1:7052'),
  CHAT_GRPC_ADDR: z.string().optional(),
  CHAT_INSTANCES: z.coerce.number().int().min(1).max(20).default(1),
  PROFILES_GRPC_LISTEN: env.listen('127.0.0.1:7053'),
  PROFILES_GRPC_ADDR: z.string().optional(),
  REDIS_URL: env.redisUrl(),
  /** Base of the metrics ports: gateway N, auth N+1, profiles N+2, chat-service i N+10+i; 0: free ports. */
  METRICS_PORT: env.port(9400),
  /** After the first start, a process that dies is restarted: first after this, doubling. */
  RESTART_BACKOFF: env.duration('500ms'),
  RESTART_BACKOFF_MAX: env.duration('10s'),
  /** Restarts of one process within a minute past which `npm start` gives up and stops. */
  RESTART_MAX_PER_MINUTE: env.count(6),
  /** Where the web client is built and served from; unset: the repository's `web/dist`. */
  WEB_ROOT: z.string().optional(),
});

export type LauncherEnv = z.output<typeof launcherEnvSchema>;

/** The service databases; all URLs are set or none (embedded mode). */
export const SERVICE_DATABASES = [
  { service: 'auth', urlVariable: 'AUTH_DATABASE_URL', database: 'auth' },
  { service: 'chat', urlVariable: 'CHAT_DATABASE_URL', database: 'chat' },
  { service: 'profiles', urlVariable: 'PROFILES_DATABASE_URL', database: 'profiles' },
] as const;

export function loadLauncherEnv(source?: NodeJS.ProcessEnv): LauncherEnv {
  const parsed = loadEnv(launcherEnvSchema, source);
  return parsed;
}

/** What `npm run keys` (scripts/keys.ts, compose's one-shot `keys` service) reads. */
export const keysEnvSchema = launcherEnvSchema.pick({
  LOG_LEVEL: true,
  DATA_DIR: true,
  JWT_PRIVATE_KEY_FILE: true,
  JWT_PUBLIC_KEY_FILE: true,
});
