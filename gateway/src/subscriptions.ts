import { status, type ClientReadableStream } from '@grpc/grpc-js';
import type { WebSocket } from 'ws';
import { isServiceError } from '../../lib/errors.js';
import type { ChatEvent, SubscribeResponse } from '../../proto/gen/chat/v1/chat.js';
import type { GatewayContext } from './context.js';
import type { ChatEventPayload } from './mappers.js';
import { closeCodes } from './ws-codes.js';

/** Events buffered for a client before the upstream stream is paused. */
const HIGH_WATER = 256;
const LOW_WATER = 64;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/** Upstream endings after which the gateway resumes elsewhere instead of failing the subscription. */
const RESUMABLE = new Set<status>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.INTERNAL, status.UNKNOWN]);

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** The GraphQL shape of one chat-service event; undefined for what clients do not see. */
export function toPayload(event: ChatEvent): ChatEventPayload | undefined {
  const { chatId, seq, kind } = event;
  switch (kind?.$case) {
    case 'messageCreated':
      return (
        kind.messageCreated.message && {
          __typename: 'MessageCreated',
          chatId,
          seq,
          message: kind.messageCreated.message,
        }
      );
    case 'messageEdited':
      return (
        kind.messageEdited.message && { __typename: 'MessageEdited', chatId, seq, message: kind.messageEdited.message }
      );
    case 'messageDeleted':
      return (
        kind.messageDeleted.message && {
          __typename: 'MessageDeleted',
          chatId,
          seq,
          message: kind.messageDeleted.message,
        }
      );
    case 'chatUpdated':
      return { __typename: 'ChatUpdated', chatId, seq };
    case 'removedFromChat':
      return { __typename: 'RemovedFromChat', chatId, seq };
    case 'readReceipt':
      return {
        __typename: 'ReadReceipt',
        chatId,
        userId: kind.readReceipt.userId,
        lastReadSeq: kind.readReceipt.lastReadSeq,
      };
    case 'typing':
      return { __typename: 'TypingIndicator', chatId, userId: kind.typing.userId, typing: kind.typing.typing };
    case 'userUpdated':
      return { __typename: 'UserUpdated', userId: kind.userUpdated.userId };
    default:
      return undefined;
  }
}

/**
 * `chatEvents` as an async iterator over chat-service's Subscribe stream.
 *
 * - `return()` (the client unsubscribed or disconnected) cancels the gRPC call at once, also
 *   while no event is pending.
 * - A client that reads slowly pauses the upstream stream. One that cannot keep up is closed
 *   with 1013 and resumes from its own cursors: its socket holds more than `maxBuffered` unsent
 *   bytes, or the events waiting for it stay above the low-water mark for `slowAfterMs`
 *   (graphql-ws awaits each send, so a stalled socket shows up as events that stop draining).
 * - When the upstream call ends as UNAVAILABLE or RESOURCE_EXHAUSTED (chat-service restarting or
 *   cutting a slow stream), it is opened again, with backoff and on the next address, with a
 *   cursor for every chat: the last seq handed to the client, else the snapshot's. Events
 *   received but not yet handed over are dropped, since the new call replays them. A chat the
 *   new snapshot shows that was unknown before (joined meanwhile) is announced as ChatUpdated.
 */
export function chatEventStream(
  ctx: GatewayContext,
  resume: { chatId: string; afterSeq: number }[],
  socket: { ws: WebSocket; maxBuffered: number; slowAfterMs: number } | undefined,
): AsyncIterableIterator<ChatEventPayload> {
  /** Per chat: the last seq handed to the client (or the snapshot's, before any). */
  const cursors = new Map(resume.map((cursor) => [cursor.chatId.toLowerCase(), cursor.afterSeq]));
  const buffer: ChatEventPayload[] = [];
  let waiting:
    { resolve: (result: IteratorResult<ChatEventPayload>) => void; reject: (error: unknown) => void } | undefined;
  let finished = false;
  let failure: unknown;
  let call: ClientReadableStream<SubscribeResponse> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let connectedBefore = false;
  let retryMs = RETRY_MIN_MS;
  let slowTimer: NodeJS.Timeout | undefined;

  const tooSlow = () => {
    socket?.ws.close(closeCodes.tryAgainLater, 'too slow; reconnect and resume from your cursors');
    finish();
  };

  const push = (payload: ChatEventPayload) => {
    if (waiting) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve({ value: handOver(payload), done: false });
      return;
    }
    buffer.push(payload);
    if (buffer.length >= HIGH_WATER) {
      call?.pause();
      if (socket && !slowTimer) slowTimer = setTimeout(tooSlow, socket.slowAfterMs);
    }
  };

  /** The client gets `payload` now: its cursor moves, and loaders forget older answers. */
  const handOver = (payload: ChatEventPayload): ChatEventPayload => {
    if (payload.__typename === 'RemovedFromChat') cursors.delete(payload.chatId);
    else if ('seq' in payload && payload.seq > 0) cursors.set(payload.chatId, payload.seq);
    ctx.resetLoaders();
    return payload;
  };

  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    failure = error;
    clearTimeout(retryTimer);
    clearTimeout(slowTimer);
    detach();
    buffer.length = 0;
    if (waiting) {
      const { resolve, reject } = waiting;
      waiting = undefined;
      if (error) reject(asError(error));
      else resolve({ value: undefined, done: true });
    }
  };

  const detach = () => {
    if (!call) return;
    const old = call;
    call = undefined;
    ctx.upstreams.openStreams.delete(old);
    old.removeAllListeners();
    old.on('error', () => {}); // the cancelled call still reports CANCELLED
    old.cancel();
  };

  function connect() {
    const current = ctx.upstreams.chat
      .pick()
      .subscribe({ resume: [...cursors].map(([chatId, seq]) => ({ chatId, seq })) }, ctx.call.metadata);
    call = current;
    ctx.upstreams.openStreams.add(current);
    const knownBefore = new Set(cursors.keys());
    current.on('data', (response: SubscribeResponse) => {
      const payload = response.payload;
      if (payload?.$case === 'snapshot') {
        retryMs = RETRY_MIN_MS;
        for (const { chatId, seq } of payload.snapshot.chats) {
          if (cursors.has(chatId)) continue;
          cursors.set(chatId, seq);
          // Joined while the gateway was reconnecting: the client learns of it here.
          if (connectedBefore && !knownBefore.has(chatId)) push({ __typename: 'ChatUpdated', chatId, seq });
        }
        connectedBefore = true;
        return;
      }
      if (payload?.$case !== 'event') return;
      const event = toPayload(payload.event);
      if (event) push(event);
    });
    current.on('error', (error: unknown) => {
      if (isServiceError(error) && RESUMABLE.has(error.code)) retry();
      else finish(error);
    });
    current.on('end', retry);
  }

  function retry() {
    detach();
    // What was received but not handed over is replayed by the next call.
    buffer.length = 0;
    if (finished) return;
    const delay = retryMs + Math.floor(Math.random() * retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    retryTimer = setTimeout(connect, delay);
  }

  connect();

  const close = (): Promise<IteratorResult<ChatEventPayload>> => {
    finish();
    return Promise.resolve({ value: undefined, done: true });
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (socket && socket.ws.bufferedAmount > socket.maxBuffered) {
        tooSlow();
        return close();
      }
      const value = buffer.shift();
      if (value) {
        if (buffer.length === LOW_WATER) {
          clearTimeout(slowTimer);
          slowTimer = undefined;
          call?.resume();
        }
        return Promise.resolve({ value: handOver(value), done: false });
      }
      if (finished)
        return failure ? Promise.reject(asError(failure)) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return: close,
    throw: (error: unknown) => close().then(() => Promise.reject(asError(error))),
  };
}
