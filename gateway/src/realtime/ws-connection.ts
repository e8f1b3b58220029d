import { randomUUID } from 'node:crypto';
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
import { CloseCode, MessageType, parseMessage, type Message, type SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { isServiceError } from '../../../lib/errors.js';
import { callMetadata, isMetadataText } from '../../../lib/grpc/metadata.js';
import type { Logger } from '../../../lib/logger.js';
import type { Services } from '../caller-services.js';
import { createContext, type OpenChatEvents } from '../context.js';
import { limitExceeded } from '../errors.js';
import type { TrustedDocuments } from '../defence/trusted-documents.js';
import { closeCodes } from '../ws-codes.js';
import type { RealtimeCaps, Release } from './caps.js';
import type { EventHub } from './hub.js';
import { planFor, type EventPlan } from './plan.js';
import type { Viewer } from './subscription.js';
import { wsSubscription } from './ws-subscription.js';
import { subscriptionStarted, type RecordOperation } from '../metrics/operations.js';

/** What yoga's envelop hands back per operation (its own typing of these is `any`). */
export interface Enveloped {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  execute: typeof execute;
}

export interface WsConnectionOptions {
  services: Services;
  hub: EventHub;
  logger: Logger;
  /** yoga's per-operation envelop: its parser and validation caches, its plugins for execute. */
  getEnveloped: (context: Record<string, unknown>) => Enveloped;
  /** Which documents run, by documentId or text (defence/trusted-documents.ts): as over HTTP. */
  trustedDocuments: TrustedDocuments;
  maskError: (error: unknown, message: string) => Error;
  /** Called for every accepted socket with its session, so that revocation can close it. */
  onSession: (sessionId: string, socket: WebSocket, authorization: string) => void;
  /** Unsent bytes a socket may hold before its client is closed with 1013. */
  maxBufferedBytes: number;
  /** Sockets per user, subscriptions per socket and per user, resume cursors (shared by every socket). */
  caps: RealtimeCaps;
  /** How long a socket may stay without `connection_init`. @default 3000 */
  initTimeoutMs?: number;
  /**
   * Records a subscription's start (queries and mutations are recorded by the envelop's
   * plugin, metrics/operations.ts, as they run through it).
   */
  recordOperation?: RecordOperation;
}

/** An operation of the socket that runs: `stop` ends it (the client completed it, or left). */
interface Running {
  stop(): void;
}

/**
 * An error as a graphql-ws client sees it: yoga's cached parse and validation errors carry
 * `extensions.http` (the status it answers over HTTP), which means nothing on a socket.
 */
function withoutHttp(error: GraphQLError) {
  const json = error.toJSON();
  if (!json.extensions || !('http' in json.extensions)) return json;
  const { http: _http, ...extensions } = json.extensions;
  return Object.keys(extensions).length > 0 ? { ...json, extensions } : { ...json, extensions: undefined };
}

/**
 * A subscribe by documentId may leave out `query`, which graphql-ws's `parseMessage` requires:
 * it is checked as an empty text, which `queryOf` replaces with the document (or refuses).
 */
function withDocumentId(message: unknown): unknown {
  const payload = (message as { type?: unknown; payload?: Record<string, unknown> } | null)?.payload;
  if ((message as { type?: unknown }).type !== MessageType.Subscribe || !payload || typeof payload !== 'object')
    return message;
  return payload.query === undefined && typeof payload.documentId === 'string'
    ? { ...(message as object), payload: { ...payload, query: '' } }
    : message;
}

const stopping = (source: AsyncIterator<unknown>): Running => ({ stop: () => void source.return?.() });

/**
 * One WebSocket speaking the graphql-ws protocol (`graphql-transport-ws`, see graphql-ws's
 * PROTOCOL.md): its messages and close codes are graphql-ws's own (its `parseMessage`,
 * `MessageType`, `CloseCode`). It is written here rather than taken from graphql-ws's
 * `makeServer` because a `chatEvents` subscription has no per-subscription work to do between
 * its start and its end — its events are rendered once for everyone and written straight to the
 * socket (ws-subscription.ts) — so it keeps nothing of its start: not the subscribe message, its
 * query text or its GraphQL context (makeServer holds all three for the subscription's life,
 * several kB each), and a socket needs no timer once initialised.
 *
 * The socket is authenticated once, at `connection_init` (a refused token closes it with 4403;
 * a user with as many sockets open as allowed has the new one closed with 1008); an invalid
 * document, or a subscription past its socket's or its user's cap, is an `error` message for its
 * id only.
 */
export class WsConnection {
  private phase: 'new' | 'initialising' | 'ready' = 'new';
  private viewer: Viewer | undefined;
  private readonly running = new Map<string, Running>();
  private initTimer: NodeJS.Timeout | undefined;
  /** This socket's place under its user's socket cap, once initialised. */
  private socketSlot: Release | undefined;
  /** The subscriptions running (or starting) on this socket, each with its place under the caps. */
  private readonly slots = new Map<string, Release>();

  constructor(
    private readonly socket: WebSocket,
    private readonly userAgent: string,
    private readonly options: WsConnectionOptions,
    /** The client's address, for the rate limits of the operations it runs over this socket. */
    private readonly clientAddress: string,
  ) {
    this.initTimer = setTimeout(() => {
      if (this.phase === 'new')
        this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, options.initTimeoutMs ?? 3_000);
    socket.on('message', (data: Buffer) => this.receive(String(data)));
    socket.once('close', () => this.closed());
  }

  private receive(text: string) {
    let message: Message;
    try {
      message = parseMessage(withDocumentId(JSON.parse(text)));
    } catch {
      this.close(CloseCode.BadRequest, 'Invalid message received');
      return;
    }
    switch (message.type) {
      case MessageType.ConnectionInit:
        this.init(message.payload).catch((error: unknown) => this.internalError(error));
        return;
      case MessageType.Ping:
        this.send(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong });
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        this.subscribe(message.id, message.payload);
        return;
      case MessageType.Complete: {
        const running = this.running.get(message.id);
        this.forget(message.id);
        running?.stop();
        return;
      }
      default:
        this.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  /**
   * A missing, bad or expired token is refused: closed with 4403, as graphql-ws does. So is one
   * that is no string or not printable ASCII (no bearer token is): it never reaches gRPC metadata,
   * whose error would quote it into the log.
   */
  private async init(payload: Record<string, unknown> | null | undefined) {
    if (this.phase !== 'new') {
      this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
      return;
    }
    this.phase = 'initialising';
    clearTimeout(this.initTimer);
    this.initTimer = undefined;
    const authorization = payload?.authorization;
    if (typeof authorization !== 'string' || !isMetadataText(authorization)) {
      this.close(CloseCode.Forbidden, 'Forbidden');
      return;
    }
    const metadata = callMetadata({ authorization, requestId: randomUUID() });
    let session;
    try {
      session = await this.options.services.auth.validateSession({ allowExpired: false }, { metadata });
    } catch (error) {
      // Only a refused token is the client's fault; an outage must not look like one.
      if (isServiceError(error) && error.code === status.UNAUTHENTICATED) {
        this.close(CloseCode.Forbidden, 'Forbidden');
        return;
      }
      throw error;
    }
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socketSlot = this.options.caps.socket(session.userId);
    if (!this.socketSlot) {
      const max = this.options.caps.config.socketsPerUser;
      this.close(closeCodes.policyViolation, `too many connections: a user may have at most ${max} open`);
      return;
    }
    this.viewer = { userId: session.userId, authorization };
    this.options.onSession(session.sessionId, this.socket, authorization);
    this.phase = 'ready';
    this.send({ type: MessageType.ConnectionAck });
  }

  private subscribe(id: string, payload: SubscribePayload) {
    if (this.phase !== 'ready') {
      this.close(CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    if (this.running.has(id)) {
      // A fixed reason: the id is the client's text, of any length (a close reason over 123 bytes throws).
      this.close(CloseCode.SubscriberAlreadyExists, 'Subscriber already exists');
      return;
    }
    // Until it has started, completing it only keeps it from starting.
    const starting: Running = { stop: () => {} };
    this.running.set(id, starting);
    this.start(id, payload, starting).catch((error: unknown) => this.internalError(error));
  }

  private async start(id: string, payload: SubscribePayload, starting: Running) {
    const { options } = this;
    const began = performance.now();
    const requestId = randomUUID();
    const query = options.trustedDocuments.queryOf(payload);
    if (query instanceof GraphQLError) return this.fail(id, starting, [query]);
    const enveloped = options.getEnveloped({ requestId, params: { ...payload, query } });
    let document;
    try {
      document = enveloped.parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return this.fail(id, starting, [error]);
      throw error;
    }
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return this.fail(id, starting, errors);
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation) return this.fail(id, starting, [new GraphQLError('Unable to identify the operation to run')]);
    const subscription = operation.operation === OperationTypeNode.SUBSCRIPTION;
    const viewer = this.viewer!;
    if (subscription) {
      const refused = this.admit(id, viewer.userId);
      if (refused) return this.fail(id, starting, [refused]);
    }
    const plan = subscription
      ? planFor(enveloped.schema, execute, query, document, operation, payload.variables)
      : undefined;
    const args: ExecutionArgs = {
      schema: enveloped.schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue: createContext({
        services: options.services,
        logger: options.logger,
        requestId,
        authorization: viewer.authorization,
        userAgent: this.userAgent,
        clientAddress: this.clientAddress,
        subscription,
        ...(plan ? { openChatEvents: this.chatEventsOpener(id, viewer, plan) } : {}),
      }),
    };
    if (!subscription) {
      // Queries and mutations run through yoga's envelop, its plugins (masking) included.
      const result = await enveloped.execute(args);
      if (this.running.get(id) !== starting) return;
      this.send({ id, type: MessageType.Next, payload: result });
      this.finish(id, starting);
      return;
    }
    const started = await createSourceEventStream(args);
    if (options.recordOperation) {
      subscriptionStarted(options.recordOperation, {
        requestId,
        document,
        operationName: payload.operationName,
        userId: viewer.userId,
        seconds: (performance.now() - began) / 1000,
        errors: Symbol.asyncIterator in started ? undefined : started.errors,
      });
    }
    if (!(Symbol.asyncIterator in started)) {
      // Refused before it started (bad arguments, no session): masked as every other error.
      if (this.running.get(id) !== starting) return;
      this.send({ id, type: MessageType.Next, payload: { errors: (started.errors ?? []).map((e) => this.mask(e)) } });
      this.finish(id, starting);
      return;
    }
    const source = started as AsyncIterableIterator<ExecutionResult>;
    if (this.running.get(id) !== starting) {
      void source.return?.();
      return;
    }
    const live = stopping(source);
    this.running.set(id, live);
    // Not awaited: this function's frame (the subscribe message, its context) is done with.
    this.watch(id, live, source).catch((error: unknown) => this.internalError(error));
  }

  /**
   * How `chatEvents` starts on this socket. Made here, not in `start`, and so are `stopping` and
   * `errorResult`: a closure keeps every variable of the scope it was made in alive, and these
   * live as long as the subscription, while `start`'s scope holds its subscribe message.
   */
  private chatEventsOpener(id: string, viewer: Viewer, plan: EventPlan): OpenChatEvents {
    return (_ctx, resume) => {
      this.options.caps.checkResume(resume);
      return Promise.resolve(
        wsSubscription({
          hub: this.options.hub,
          viewer,
          resume,
          plan,
          frames: { id, socket: this.socket, maxBuffered: this.options.maxBufferedBytes },
          errorResult: this.errorResult,
        }),
      );
    };
  }

  /**
   * A subscription takes a place under its socket's cap and its user's (synchronously, before
   * anything else can start on this socket); the refusal past either is LIMIT_EXCEEDED.
   */
  private admit(id: string, userId: string): GraphQLError | undefined {
    const { caps } = this.options;
    const max = caps.config.subscriptionsPerSocket;
    if (this.slots.size >= max) {
      return limitExceeded(`too many subscriptions on this connection: at most ${max} at once; complete one first`);
    }
    try {
      this.slots.set(id, caps.subscription(userId));
    } catch (error) {
      if (error instanceof GraphQLError) return error;
      throw error;
    }
    return undefined;
  }

  /** The operation `id` is over: it no longer counts under the caps. */
  private forget(id: string) {
    this.running.delete(id);
    this.slots.get(id)?.();
    this.slots.delete(id);
  }

  private readonly errorResult = (error: unknown): ExecutionResult => ({ errors: [this.mask(error)] });

  /** What a live subscription's source yields is only its end: an error result, if it failed. */
  private async watch(id: string, live: Running, source: AsyncIterableIterator<ExecutionResult>) {
    for await (const result of source) {
      if (this.running.get(id) === live) this.send({ id, type: MessageType.Next, payload: result });
    }
    this.finish(id, live);
  }

  /** The operation is over: the client hears `complete` unless it completed it itself. */
  private finish(id: string, running: Running) {
    if (this.running.get(id) !== running) return;
    this.forget(id);
    this.send({ id, type: MessageType.Complete });
  }

  /** The operation could not run (a refused or invalid document, or a cap): `error` for its id only. */
  private fail(id: string, running: Running, errors: readonly GraphQLError[]) {
    if (this.running.get(id) !== running) return;
    this.forget(id);
    this.send({ id, type: MessageType.Error, payload: errors.map(withoutHttp) });
  }

  private mask(error: unknown): GraphQLError {
    return this.options.maskError(error, 'Unexpected error.') as GraphQLError;
  }

  private send(message: Record<string, unknown>) {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private close(code: number, reason: string) {
    this.socket.close(code, reason);
  }

  private internalError(error: unknown) {
    this.options.logger.error({ err: error }, 'a WebSocket operation failed');
    this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  private closed() {
    clearTimeout(this.initTimer);
    for (const running of this.running.values()) running.stop();
    this.running.clear();
    for (const release of this.slots.values()) release();
    this.slots.clear();
    this.socketSlot?.();
  }
}
