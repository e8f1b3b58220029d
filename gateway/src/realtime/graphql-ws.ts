import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { status } from '@grpc/grpc-js';
import {
  GraphQLError,
  createSourceEventStream,
  execute,
  getOperationAST,
  OperationTypeNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type parse,
  type validate,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { isServiceError } from '../../../lib/errors.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import type { Logger } from '../../../lib/logger.js';
import { createContext, type Services } from '../context.js';
import type { EventHub } from './hub.js';
import { planFor } from './plan.js';
import type { Viewer } from './subscription.js';
import { wsSubscription } from './ws-subscription.js';

/** What yoga's envelop hands back per operation (its own typing of these is `any`). */
interface Enveloped {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  execute: typeof execute;
}

/** Per socket: set once `connection_init` is accepted. */
interface SocketExtra {
  socket: WebSocket;
  userAgent: string;
  viewer?: Viewer;
}

export interface GraphqlWsOptions {
  wsServer: WebSocketServer;
  services: Services;
  hub: EventHub;
  logger: Logger;
  /** yoga's per-operation envelop (its parser and validation caches, its plugins for execute). */
  getEnveloped: (context: Record<string, unknown>) => Enveloped;
  maskError: (error: unknown, message: string) => Error;
  /** Called for every accepted socket with its session, so that revocation can close it. */
  onSession: (sessionId: string, socket: WebSocket, authorization: string) => void;
  /** Interval of WebSocket pings, which keep idle proxies from dropping the socket. */
  keepAliveMs: number;
  /** Unsent bytes a WebSocket may hold before its client is closed with 1013. */
  maxBufferedBytes: number;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the gateway's
 * port: graphql-ws's own protocol core (`makeServer`) over `ws`, as its `useServer` does, with
 * three differences that make it cheap per socket and per event:
 *
 * - one timer pings every socket (and drops the ones that did not answer the last ping),
 *   instead of a timer per socket;
 * - a socket keeps only its user agent of the upgrade request, not the request;
 * - `chatEvents` subscriptions are served by the event hub, which writes each event's frame
 *   straight to the socket, rendered once per plan (see ws-subscription.ts and fanout.ts).
 *
 * A socket is authenticated once, at `connection_init` (graphql-ws closes it with 4403 when
 * refused); an invalid document is an `error` message for its id only.
 */
export function serveGraphqlWs(options: GraphqlWsOptions): { dispose(): Promise<void> } {
  const { wsServer, services, hub, logger, getEnveloped, maskError } = options;

  const errorResult = (error: unknown): ExecutionResult => ({
    errors: [maskError(error, 'Unexpected error.') as GraphQLError],
  });

  const server = makeServer<{ authorization?: unknown }, SocketExtra>({
    /** A missing, bad or expired token is refused here; graphql-ws then closes with 4403. */
    onConnect: async (ctx) => {
      const authorization = ctx.connectionParams?.authorization;
      if (typeof authorization !== 'string') return false;
      const metadata = callMetadata({ authorization, requestId: randomUUID() });
      try {
        const { userId, sessionId } = await services.auth.validateSession({ allowExpired: false }, { metadata });
        ctx.extra.viewer = { userId, authorization };
        options.onSession(sessionId, ctx.extra.socket, authorization);
        return true;
      } catch (error) {
        // Only a refused token is the client's fault; an outage must not look like one.
        if (isServiceError(error) && error.code === status.UNAUTHENTICATED) return false;
        throw error;
      }
    },
    onSubscribe: (ctx, id, params) => {
      const authorization = ctx.connectionParams?.authorization;
      const requestId = randomUUID();
      const enveloped = getEnveloped({ requestId, params });
      let document;
      try {
        document = enveloped.parse(params.query);
      } catch (error) {
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) return errors;
      const operation = getOperationAST(document, params.operationName ?? undefined);
      if (!operation) return [new GraphQLError('Unable to identify the operation to run')];
      const subscription = operation.operation === OperationTypeNode.SUBSCRIPTION;
      const viewer = ctx.extra.viewer!;
      const contextValue = createContext({
        services,
        logger,
        requestId,
        authorization: typeof authorization === 'string' ? authorization : undefined,
        userAgent: ctx.extra.userAgent,
        subscription,
        openChatEvents: (_ctx, resume) =>
          Promise.resolve(
            wsSubscription({
              hub,
              viewer,
              resume,
              plan: planFor(enveloped.schema, execute, params.query, document, operation, params.variables),
              frames: { id, socket: ctx.extra.socket, maxBuffered: options.maxBufferedBytes },
              errorResult,
            }),
          ),
      });
      const args: ExecutionArgs = {
        schema: enveloped.schema,
        document,
        operationName: params.operationName ?? null,
        variableValues: params.variables ?? null,
        contextValue,
        // Queries and mutations run through yoga's envelop (its plugins); subscriptions do not need it.
        ...(subscription ? {} : { rootValue: { execute: enveloped.execute } }),
      };
      return args;
    },
    execute: (args) => (args.rootValue as Pick<Enveloped, 'execute'>).execute({ ...args, rootValue: undefined }),
    // The source stream as is: its events are written by the hub, and what graphql-ws iterates
    // is only the subscription's end. Errors (bad arguments, refusals) are masked as elsewhere.
    subscribe: async (args) => {
      const result = await createSourceEventStream({ ...args, rootValue: undefined });
      if (Symbol.asyncIterator in result) return result as AsyncIterableIterator<ExecutionResult>;
      return { errors: result.errors?.map((error) => maskError(error, 'Unexpected error.') as GraphQLError) };
    },
  });

  wsServer.options.handleProtocols = handleProtocols;
  const alive = new WeakSet<WebSocket>();
  wsServer.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.once('error', (error) => {
      logger.warn({ err: error }, 'WebSocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data: Buffer) => {
            handle(String(data)).catch((error: unknown) => {
              logger.error({ err: error }, 'a WebSocket message could not be handled');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, userAgent: request.headers['user-agent'] ?? '' },
    );
    socket.once('close', (code, reason) => void closed(code, String(reason)));
  });

  // One timer for every socket: a socket that did not answer the previous ping is gone.
  const keepAlive = setInterval(() => {
    for (const socket of wsServer.clients) {
      if (!alive.delete(socket)) {
        socket.terminate();
        continue;
      }
      socket.ping();
    }
  }, options.keepAliveMs);
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
