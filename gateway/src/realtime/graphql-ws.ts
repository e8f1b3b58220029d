import type { IncomingMessage } from 'node:http';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, handleProtocols } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { WsConnection, type WsConnectionOptions } from './ws-connection.js';

export interface GraphqlWsOptions extends WsConnectionOptions {
  wsServer: WebSocketServer;
  /** Interval of WebSocket pings, which keep idle proxies from dropping the socket. */
  keepAliveMs: number;
  /** The client's address for an upgrade request (see limits/client-address.ts). */
  clientAddress: (request: IncomingMessage) => string;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the gateway's port: one WsConnection per
 * socket, and one timer for all of them that pings every socket and drops the ones that did not
 * answer the previous ping (instead of two timers per socket).
 */
export function serveGraphqlWs(options: GraphqlWsOptions): { dispose(): Promise<void> } {
  const { wsServer, keepAliveMs } = options;
  wsServer.options.handleProtocols = handleProtocols;
  const alive = new WeakSet<WebSocket>();

  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.once('error', (error) => {
      options.logger.warn({ err: error }, 'WebSocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    new WsConnection(socket, request.headers['user-agent'] ?? '', options, options.clientAddress(request));
  });

  const keepAlive = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (!alive.delete(socket)) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }, keepAliveMs);
  keepAlive.unref();

  return {
    async dispose() {
      clearInterval(keepAlive);
      for (const socket of wsServer.clients) socket.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
