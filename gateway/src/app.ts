import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { createHealthChecker } from '../../lib/grpc/health.js';
import type { Logger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { keyIdOf, verifierKeys } from '../../lib/jwt.js';
import { createGatewayMetrics } from './metrics/gateway-metrics.js';
import { operationRecorder, useOperationMetrics } from './metrics/operations.js';
import { createUpstreams, type Upstreams } from './clients.js';
import type { GatewayConfig } from './config.js';
import { createContext, type GatewayContext, type OpenChatEvents, type Services } from './context.js';
import { createMaskError } from './errors.js';
import { createFanout } from './realtime/fanout.js';
import { createEventLookups } from './realtime/lookups.js';
import { serveGraphqlWs } from './realtime/graphql-ws.js';
import { createEventHub, type EventHub } from './realtime/hub.js';
import { corsFor, graphiqlWithCsp, useCsrfPrevention } from './defence/browsers.js';
import { DEFAULT_DOCUMENT, renderGraphiQL } from './graphiql.js';
import { documentPlugins, suggestionRemoved } from './defence/documents.js';
import { createTrustedDocuments } from './defence/trusted-documents.js';
import {
  closeAfterUnreadBody,
  declaresOversizedBody,
  readGraphqlBody,
  refuseOversizedBody,
} from './defence/http-body.js';
import { httpServerOptions } from './defence/http-server.js';
import { clientAddressOf } from './limits/client-address.js';
import { createRateLimits } from './limits/rate-limits.js';
import { webSocketAdmission } from './limits/websockets.js';
import { closeUnsentSubscriptions, iteratorSubscription } from './realtime/iterator-subscription.js';
import { createRealtimeCaps, releasing } from './realtime/caps.js';
import { buildSchema } from './schema.js';
import { createWebHandler } from './web.js';
import { closeCodes } from './ws-codes.js';
import { createLiveSessions } from './ws-sessions.js';

/** What the HTTP layer hands yoga for each operation. */
interface ServerContext {
  requestId: string;
  authorization: string | undefined;
  userAgent: string;
  clientAddress: string;
}

export interface GatewayApp {
  port: number;
  metricsPort: number;
  upstreams: Upstreams;
  /** The real-time path: subscriptions and their Deliver calls. */
  events: EventHub;
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

const requestIdOf = (req: IncomingMessage): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
};

export interface GatewayOptions {
  /** Interval of WebSocket pings, which keep idle proxies from dropping the socket. @default 12000 */
  wsKeepAliveMs?: number;
  /** Unsent bytes a WebSocket may hold before its client is closed with 1013. @default 4 MiB */
  wsMaxBufferedBytes?: number;
}

/**
 * Builds and starts the gateway: GraphQL over HTTP and WebSocket, GraphiQL, the web client,
 * health and metrics.
 */
export async function createGatewayApp(
  config: GatewayConfig,
  logger: Logger,
  upstreams = createUpstreams(config),
  { wsKeepAliveMs = 12_000, wsMaxBufferedBytes = 4 * 1024 * 1024 }: GatewayOptions = {},
): Promise<GatewayApp> {
  /**
   * Requests by documentId, and in `only` mode nothing else (HTTP through yoga, graphql-ws in
   * ws-connection.ts). First: an unreadable manifest stops the start before anything is opened.
   */
  const trustedDocuments = createTrustedDocuments(config.trustedDocuments);
  const metrics = createMetrics('gateway');
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  /** One metric and one log line per GraphQL operation (metrics/operations.ts). */
  const recordOperation = operationRecorder(gatewayMetrics, logger);
  const health = createHealthChecker(config.grpcTls);
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
  /**
   * chatEvents over HTTP (server-sent events): only with a valid, unexpired token, and ended when
   * its session is revoked, as a WebSocket is.
   */
  const openOverHttp: OpenChatEvents = async (ctx, resume) => {
    const { userId, sessionId } = await ctx.viewer();
    caps.checkResume(resume);
    const slot = caps.subscription(userId);
    const authorization = ctx.call.metadata.get('authorization')[0];
    try {
      const stream = iteratorSubscription({
        hub: events,
        viewer: { userId, authorization: String(authorization) },
        resume,
        ctx,
        holdSession: (revoked) => liveSessions.hold(sessionId, keyIdOf(String(authorization)), revoked),
      });
      return releasing(stream, slot);
    } catch (error) {
      slot();
      throw error;
    }
  };
  const rateLimits = createRateLimits({
    config: config.rateLimits,
    redis: config.redis,
    keys: tokenKeys,
    logger,
    onRefused: gatewayMetrics.refused,
  });
  if (rateLimits.redis) metrics.watchRedis(rateLimits.redis);
  const addressOf = (req: IncomingMessage) => clientAddressOf(req, config.trustProxy);
  const graphiql = graphiqlWithCsp(renderGraphiQL);
  const yoga = createYoga<ServerContext, GatewayContext>({
    schema: rateLimits.limitSchema(buildSchema()),
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Served from the installed package, so GraphiQL works offline; with a CSP of its own, and a
    // fetcher that opens subscriptions' sockets with the headers pane's token (graphiql.ts).
    renderGraphiQL: graphiql.renderGraphiQL,
    graphiql: config.graphiql && { title: 'Messenger', endpoint: GRAPHQL_PATH, defaultQuery: DEFAULT_DOCUMENT },
    // Browsers and documents: gateway/src/defence/. Bodies are read (bounded) before yoga.
    cors: corsFor(config.corsOrigins),
    multipart: false,
    maxRequestBodySize: config.http.maxRequestBytes,
    extraParamNames: trustedDocuments.yoga.extraParamNames,
    plugins: [
      useCsrfPrevention(),
      graphiql.plugin,
      // Before the document limits: they check the text a documentId stands for.
      ...trustedDocuments.yoga.plugins,
      ...documentPlugins(config.documents),
      closeUnsentSubscriptions,
      // After the document limits, so that it records their refusals.
      useOperationMetrics(recordOperation, tokenKeys),
    ],
    maskedErrors: { maskError, isDev: false },
    logging: {
      debug: (...args: unknown[]) => logger.debug({ yoga: args.slice(1) }, String(args[0])),
      info: (...args: unknown[]) => logger.info({ yoga: args.slice(1) }, String(args[0])),
      warn: (...args: unknown[]) => logger.warn({ yoga: args.slice(1) }, String(args[0])),
      // Yoga reports every error in a result here, expected ones (a taken email) included;
      // unexpected ones are logged with their stack by maskError.
      error: (...args: unknown[]) => logger.debug({ yoga: args.slice(1) }, String(args[0])),
    },
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

  /** Ready when every upstream service has at least one instance answering SERVING. */
  async function readiness(): Promise<Record<string, boolean>> {
    const entries = await Promise.all(
      Object.entries(config.upstreams).map(async ([service, addresses]) => {
        const answers = await Promise.all(addresses.map((address) => health.check(address)));
        return [service, answers.some(Boolean)] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    // A body over the limit is refused before any of it is read; only a GraphQL POST reads one.
    if (refuseOversizedBody(req, res, config.http.maxRequestBytes)) return;
    const readsBody = req.method === 'POST' && path === GRAPHQL_PATH;
    if (!readsBody) closeAfterUnreadBody(req, res);
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const services = await readiness();
      const ready = Object.values(services).every(Boolean);
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ready ? 'ready' : 'unavailable', services }));
      return;
    }
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const started = performance.now();
    res.once('finish', () =>
      logger.info(
        { requestId, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) },
        'http',
      ),
    );
    // The web client: GET and HEAD of anything but /graphql (and the health paths above).
    if (await web(req, res)) return;
    if (readsBody && !(await readGraphqlBody(req, res, config.http.maxRequestBytes))) return;
    // Called as the request listener: `handleNodeRequestAndResponse` never answers here.
    await yoga(req, res, {
      requestId,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'] ?? '',
      clientAddress: addressOf(req),
    });
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = createServer(httpServerOptions(config.http), onRequest);
  // `Expect: 100-continue` (curl sends it before a body over 1 MB): a body over the limit is
  // refused before the client sends it; Node would otherwise tell it to go ahead.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresOversizedBody(req, config.http.maxRequestBytes)) res.writeContinue();
    onRequest(req, res);
  });

  const wsServer = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    // A longer message closes its socket with 1009 as soon as its frame header says so.
    maxPayload: config.wsMaxPayloadBytes,
    verifyClient: webSocketAdmission(rateLimits, addressOf, logger),
  });
  const graphqlWs = serveGraphqlWs({
    wsServer,
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
    clientAddress: addressOf,
    caps,
    recordOperation,
  });
  gatewayMetrics.watch({
    webSockets: () => wsServer.clients.size,
    subscriptions: () => events.size(),
    upstreamStreams: () => events.calls(),
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
  logger.info(
    { port, metricsPort, web: `http://localhost:${port}/`, graphiql: `http://localhost:${port}${GRAPHQL_PATH}` },
    'gateway ready',
  );

  return {
    port,
    metricsPort,
    upstreams,
    events,
    async stop() {
      // Tell WebSocket clients to reconnect (to another gateway, or this one once back).
      for (const client of wsServer.clients) client.close(closeCodes.serviceRestart, 'gateway restarting');
      await graphqlWs.dispose();
      events.close();
      liveSessions.stop();
      tokenKeys.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await metrics.close();
      await rateLimits.stop();
      health.close();
      upstreams.close();
    },
  };
}
