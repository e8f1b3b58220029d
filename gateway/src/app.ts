import type { IncomingMessage } from 'node:http';
import type { App } from '../../lib/app.js';
import type { Logger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { keyIdOf, verifierKeys } from '../../lib/jwt.js';
import { createGatewayMetrics } from './metrics/gateway-metrics.js';
import { operationRecorder } from './metrics/operations.js';
import type { GatewayConfig } from './config.js';
import type { Services } from './caller-services.js';
import { createContext } from './context.js';
import { createMaskError } from './errors.js';
import { createFanout } from './realtime/fanout.js';
import { createEventLookups } from './realtime/lookups.js';
import { createEventHub, type EventHub } from './realtime/hub.js';
import { suggestionRemoved } from './defence/documents.js';
import { createTrustedDocuments } from './defence/trusted-documents.js';
import { clientAddressOf } from './limits/client-address.js';
import { createRateLimits } from './limits/rate-limits.js';
import { webSocketAdmission } from './limits/websockets.js';
import { createRealtimeCaps } from './realtime/caps.js';
import { chatEventsOverHttp } from './realtime/http-chat-events.js';
import { serveWebSockets } from './realtime/websockets.js';
import { createReadiness } from './http/readiness.js';
import { closeHttpServer, createHttpServer, listen } from './http/server.js';
import { createGraphqlOverHttp, GRAPHQL_PATH } from './http/yoga.js';
import { buildSchema } from './schema.js';
import type { GatewayResources } from './resources.js';
import { createWebHandler } from './web.js';
import { createLiveSessions } from './ws-sessions.js';

/** What the gateway is built from: its resources (resources.ts), opened and closed by the caller. */
export interface GatewayDependencies extends Omit<GatewayResources, 'close'> {
  config: GatewayConfig;
  logger: Logger;
}

export interface GatewayOptions {
  /** Interval of WebSocket pings, which keep idle proxies from dropping the socket. @default 12000 */
  wsKeepAliveMs?: number;
  /** Unsent bytes a WebSocket may hold before its client is closed with 1013. @default 4 MiB */
  wsMaxBufferedBytes?: number;
}

/** The gateway, built: `start` listens (GraphQL over HTTP and WebSocket, metrics), `stop` ends what it made. */
export interface GatewayApp extends App<{ port: number; metricsPort: number }> {
  /** The real-time path: subscriptions and their Deliver calls. */
  events: EventHub;
}

/**
 * Builds the gateway over its dependencies: GraphQL over HTTP and WebSocket, GraphiQL, the web
 * client, health and metrics. Building it already starts the Deliver calls to every chat-service
 * instance (realtime/hub.ts), the token keys' load (from auth-service, or JWT_PUBLIC_KEY_FILE)
 * and the watch on revoked sessions (with its recheck timer); nothing listens until `start`.
 */
export function createGatewayApp(
  { config, logger, upstreams, redis }: GatewayDependencies,
  { wsKeepAliveMs = 12_000, wsMaxBufferedBytes = 4 * 1024 * 1024 }: GatewayOptions = {},
): GatewayApp {
  /**
   * Requests by documentId, and in `only` mode nothing else (HTTP through yoga, graphql-ws in
   * ws-connection.ts). First: an unreadable manifest fails the build before the gateway starts
   * anything of its own.
   */
  const trustedDocuments = createTrustedDocuments(config.trustedDocuments);
  const metrics = createMetrics('gateway');
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  /** One metric and one log line per GraphQL operation (metrics/operations.ts). */
  const recordOperation = operationRecorder(gatewayMetrics, logger);
  const readiness = createReadiness(config.upstreams, config.grpcTls);
  const web = createWebHandler(config.webRoot, logger);
  const services: Services = {
    auth: upstreams.auth.unary,
    chat: upstreams.chat.unary,
    profiles: upstreams.profiles.unary,
  };
  const maskError = createMaskError(logger);
  const events = createEventHub({
    clients: upstreams.chatEvents.all,
    logger,
    prepare: createFanout({ services, logger, maskError, lookups: createEventLookups(services) }),
    onDelivered: gatewayMetrics.delivered,
  });
  /** The sessions of live sockets and HTTP streams: each ends when its session is revoked. */
  const liveSessions = createLiveSessions(upstreams, logger, config.sessionRecheckMs);
  // Who a token belongs to without a call (rate limits, metrics), and which live things end when a
  // token key is retired.
  const tokenKeys = verifierKeys(config.tokenKeys, upstreams.auth, logger);
  tokenKeys.onRetired((keyIds) => liveSessions.retireKeys(keyIds));
  /** Per-user caps on sockets and subscriptions (both transports count), per instance. */
  const caps = createRealtimeCaps(config.realtimeCaps);
  const rateLimits = createRateLimits({
    config: config.rateLimits,
    redis: redis && config.redis ? { connection: redis, prefix: config.redis.prefix } : undefined,
    keys: tokenKeys,
    logger,
    onRefused: gatewayMetrics.refused,
  });
  if (redis && rateLimits.enabled) metrics.watchRedis(redis);
  const clientAddress = (req: IncomingMessage) => clientAddressOf(req, config.trustProxy);
  const openOverHttp = chatEventsOverHttp({ hub: events, caps, liveSessions });
  const yoga = createGraphqlOverHttp({
    config,
    logger,
    schema: rateLimits.limitSchema(buildSchema()),
    trustedDocuments,
    maskError,
    recordOperation,
    tokenKeys,
    context: ({ requestId, authorization, userAgent, clientAddress }) =>
      createContext({
        services,
        logger,
        requestId,
        authorization,
        userAgent,
        clientAddress,
        openChatEvents: openOverHttp,
      }),
  });
  const server = createHttpServer({ config, logger, readiness, web, yoga, clientAddress });
  const webSockets = serveWebSockets({
    server,
    path: GRAPHQL_PATH,
    maxPayload: config.wsMaxPayloadBytes,
    verifyClient: webSocketAdmission(rateLimits, clientAddress, logger),
    services,
    hub: events,
    logger,
    getEnveloped: (context) => yoga.getEnveloped(context),
    trustedDocuments,
    // A subscription's variable errors come from graphql-js directly, past yoga's plugins.
    maskError: config.documents.fieldSuggestions
      ? maskError
      : (error: unknown, message: string) => suggestionRemoved(maskError(error, message)),
    onSession: (sessionId, socket, authorization) => liveSessions.addSocket(sessionId, keyIdOf(authorization), socket),
    keepAliveMs: wsKeepAliveMs,
    maxBufferedBytes: wsMaxBufferedBytes,
    clientAddress,
    caps,
    recordOperation,
  });
  gatewayMetrics.watch({
    webSockets: webSockets.count,
    subscriptions: () => events.size(),
    upstreamStreams: () => events.calls(),
  });

  return {
    events,
    async start() {
      const port = await listen(server, config.port, config.host);
      const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
      logger.info(
        { port, metricsPort, web: `http://localhost:${port}/`, graphiql: `http://localhost:${port}${GRAPHQL_PATH}` },
        'gateway ready',
      );
      return { port, metricsPort };
    },
    async stop() {
      await webSockets.stop();
      events.close();
      liveSessions.stop();
      tokenKeys.stop();
      await closeHttpServer(server);
      await metrics.close();
      readiness.close();
    },
  };
}
