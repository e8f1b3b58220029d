import type { Server } from 'node:http';
import { WebSocketServer, type VerifyClientCallbackAsync } from 'ws';
import { closeCodes } from '../ws-codes.js';
import { serveGraphqlWs, type GraphqlWsOptions } from './graphql-ws.js';

export interface WebSocketsOptions extends Omit<GraphqlWsOptions, 'wsServer'> {
  /** The HTTP server whose upgrades at `path` become sockets. */
  server: Server;
  path: string;
  /** A longer message closes its socket with 1009 as soon as its frame header says so. */
  maxPayload: number;
  /** Admits (or refuses) an upgrade before any socket exists (limits/websockets.ts). */
  verifyClient: VerifyClientCallbackAsync | undefined;
}

/** GraphQL over WebSocket on the gateway's HTTP server: graphql-ws at `path` (graphql-ws.ts). */
export function serveWebSockets(options: WebSocketsOptions) {
  const { server, path, maxPayload, verifyClient, ...graphqlWs } = options;
  const wsServer = new WebSocketServer({ server, path, maxPayload, ...(verifyClient ? { verifyClient } : {}) });
  const served = serveGraphqlWs({ ...graphqlWs, wsServer });
  return {
    /** Sockets open now (for the gateway's metrics). */
    count: () => wsServer.clients.size,
    async stop() {
      // Tell WebSocket clients to reconnect (to another gateway, or this one once back).
      for (const client of wsServer.clients) client.close(closeCodes.serviceRestart, 'gateway restarting');
      await served.dispose();
    },
  };
}
