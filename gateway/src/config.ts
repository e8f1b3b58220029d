import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, env, grpcTlsEnv, grpcTlsFrom, loadEnv } from '../../lib/env.js';
import { originList } from './defence/browsers.js';
import type { TrustedDocumentsConfig } from './defence/trusted-documents.js';
import { trustProxyEnv } from './limits/client-address.js';
import { rateEnv } from './limits/rate.js';
import type { RateLimitsConfig } from './limits/rate-limits.js';

export const gatewayEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  GATEWAY_PORT: env.port(8080),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  AUTH_GRPC_ADDR: env.addressList('127.0.0.1:7051'),
  CHAT_GRPC_ADDR: env.addressList('127.0.0.1:7052'),
  PROFILES_GRPC_ADDR: env.addressList('127.0.0.1:7053'),
  GRPC_DEADLINE: env.duration('5s'),
  SESSION_RECHECK_INTERVAL: env.duration('1s'),
  /** Prometheus /metrics, on a fixed port a scrape config can name (docs/observability.md); 0: a free one. */
  METRICS_PORT: env.port(9400),
  METRICS_HOST: z.string().default('127.0.0.1'),
  ...grpcTlsEnv,
  /** The built web client; unset: the repository's `web/dist` (relative values: from the cwd). */
  WEB_ROOT: z.string().optional(),
  // Documents, bodies, timeouts and browsers (gateway/src/defence/).
  MAX_REQUEST_BYTES: env.count(1_048_576),
  WS_MAX_PAYLOAD_BYTES: env.count(1_048_576),
  GRAPHQL_MAX_TOKENS: env.count(20_000),
  GRAPHQL_MAX_DEPTH: env.count(10),
  GRAPHQL_MAX_ALIASES: env.count(15),
  GRAPHQL_MAX_DIRECTIVES: env.count(20),
  GRAPHQL_MAX_COST: env.count(100_000),
  GRAPHQL_MAX_FIELDS: env.count(500),
  /** Unset: on unless NODE_ENV=production. */
  GRAPHQL_INTROSPECTION: env.onOff(),
  /** Federation's `_service` and `_entities` (docs/federation.md). Unset: as GRAPHQL_INTROSPECTION. */
  GRAPHQL_FEDERATION: env.onOff(),
  /** Unset: on unless NODE_ENV=production. */
  GRAPHIQL: env.onOff(),
  /** Unset: off ("Did you mean …?" in an error names fields the client did not ask for). */
  GRAPHQL_FIELD_SUGGESTIONS: env.onOff(),
  HTTP_HEADERS_TIMEOUT: env.duration('10s'),
  HTTP_REQUEST_TIMEOUT: env.duration('30s'),
  HTTP_KEEP_ALIVE_TIMEOUT: env.duration('5s'),
  CORS_ORIGINS: originList(),
  /** Trusted documents (defence/trusted-documents.ts): off, allow (documentId or text), only. */
  TRUSTED_DOCUMENTS: z.enum(['off', 'allow', 'only'], { error: 'expected off, allow or only' }).default('allow'),
  /** The manifest of trusted documents; unset: the web client's (npm run codegen writes it). */
  TRUSTED_DOCUMENTS_FILE: z.string().optional(),
  /** Rate-limit counters shared by every gateway instance; unset: each instance counts alone. */
  REDIS_URL: env.redisUrl(),
  REDIS_PREFIX: z.string().default('messenger:'),
  /** Public keys of access tokens (JWKS or PEM); unset: asked of auth-service (docs/security.md). */
  JWT_PUBLIC_KEY_FILE: z.string().optional(),
  JWT_KEYS_REFRESH: env.duration('30s'),
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

/** The web client's trusted documents, written by `npm run codegen` (copied into dist/ by the build). */
export const DEFAULT_TRUSTED_DOCUMENTS_FILE = fileURLToPath(
  new URL('../../web/src/graphql/persisted-documents.json', import.meta.url),
);

export type GatewayConfig = ReturnType<typeof gatewayConfigFrom>;

function gatewayConfigFrom(e: z.output<typeof gatewayEnvSchema>) {
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.GATEWAY_PORT,
    host: e.GATEWAY_HOST,
    upstreams: { auth: e.AUTH_GRPC_ADDR, chat: e.CHAT_GRPC_ADDR, profiles: e.PROFILES_GRPC_ADDR },
    grpcDeadlineMs: e.GRPC_DEADLINE,
    /** How often the sessions of live subscriptions (sockets, HTTP streams) are checked again. */
    sessionRecheckMs: e.SESSION_RECHECK_INTERVAL,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    grpcTls: grpcTlsFrom(e, { serves: false }),
    webRoot: resolve(e.WEB_ROOT ?? DEFAULT_WEB_ROOT),
    http: httpConfigFrom(e),
    /** Largest WebSocket message; a longer one closes its socket with 1009 before it is read. */
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    documents: {
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
      maxFields: e.GRAPHQL_MAX_FIELDS,
      introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
      // `_service` shows the schema as introspection does; a router in front of a production
      // gateway needs `_entities` (and, to compose, `_service`) without introspection.
      federation: e.GRAPHQL_FEDERATION ?? e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
      fieldSuggestions: e.GRAPHQL_FIELD_SUGGESTIONS ?? false,
    },
    graphiql: e.GRAPHIQL ?? e.NODE_ENV !== 'production',
    trustedDocuments: {
      mode: e.TRUSTED_DOCUMENTS,
      file: resolve(e.TRUSTED_DOCUMENTS_FILE ?? DEFAULT_TRUSTED_DOCUMENTS_FILE),
    } satisfies TrustedDocumentsConfig,
    /** Origins (`scheme://host[:port]`) whose pages may call the gateway; none by default. */
    corsOrigins: e.CORS_ORIGINS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : undefined,
    tokenKeys: { publicKeyFile: e.JWT_PUBLIC_KEY_FILE, refreshMs: e.JWT_KEYS_REFRESH },
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

/** Node refuses a headers timeout longer than the request timeout: say so in config terms. */
function httpConfigFrom(e: z.output<typeof gatewayEnvSchema>) {
  if (e.HTTP_HEADERS_TIMEOUT > e.HTTP_REQUEST_TIMEOUT) {
    throw new ConfigError(
      'invalid configuration:\n  HTTP_HEADERS_TIMEOUT: must not be longer than HTTP_REQUEST_TIMEOUT',
    );
  }
  return {
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
    keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT,
  };
}

export function loadGatewayConfig(source?: NodeJS.ProcessEnv): GatewayConfig {
  return gatewayConfigFrom(loadEnv(gatewayEnvSchema, source));
}
