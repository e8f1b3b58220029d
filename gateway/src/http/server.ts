import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../lib/logger.js';
import type { GatewayConfig } from '../config.js';
import {
  closeAfterUnreadBody,
  declaresOversizedBody,
  readGraphqlBody,
  refuseOversizedBody,
} from '../defence/http-body.js';
import { httpServerOptions } from '../defence/http-server.js';
import type { WebHandler } from '../web.js';
import type { Readiness } from './readiness.js';
import { GRAPHQL_PATH, type GraphqlOverHttp } from './yoga.js';

const requestIdOf = (req: IncomingMessage): string => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
};

export interface HttpServerOptions {
  config: GatewayConfig;
  logger: Logger;
  readiness: Readiness;
  web: WebHandler;
  yoga: GraphqlOverHttp;
  /** The client's address (limits/client-address.ts). */
  clientAddress: (req: IncomingMessage) => string;
}

/**
 * The gateway's HTTP server (not yet listening): `/healthz`, `/readyz`, the web client, and
 * GraphQL at /graphql (yoga). WebSockets are served on the same server (realtime/websockets.ts).
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const { config, logger, readiness, web, yoga } = options;
  const maxBytes = config.http.maxRequestBytes;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
    // A body over the limit is refused before any of it is read; only a GraphQL POST reads one.
    if (refuseOversizedBody(req, res, maxBytes)) return;
    const readsBody = req.method === 'POST' && path === GRAPHQL_PATH;
    if (!readsBody) closeAfterUnreadBody(req, res);
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      const services = await readiness.check();
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
    if (readsBody && !(await readGraphqlBody(req, res, maxBytes))) return;
    // Called as the request listener: `handleNodeRequestAndResponse` never answers here.
    await yoga(req, res, {
      requestId,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'] ?? '',
      clientAddress: options.clientAddress(req),
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
    if (!declaresOversizedBody(req, maxBytes)) res.writeContinue();
    onRequest(req, res);
  });
  return server;
}

/** Listens on `port` (0: a free one) and resolves with the port bound. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops taking connections and closes the idle ones at once; requests in flight get two
 * seconds to finish before their connections are closed too.
 */
export function closeHttpServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
