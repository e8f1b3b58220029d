import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { isServiceError } from '../../lib/errors.js';
import type { ChatEvent, SubscribeResponse } from '../../proto/gen/chat/v1/chat.js';
import type { GatewayContext } from './context.js';
import type { ChatEventPayload } from './mappers.js';

/** Events buffered for a WebSocket client before the upstream stream is paused. */
const HIGH_WATER = 256;
const LOW_WATER = 64;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/** The GraphQL shape of one chat-service event; undefined for what clients do not see. */
export function toPayload(event: ChatEvent): ChatEventPayload | undefined {
  const { chatId, seq, kind } = event;
  switch (kind?.$case) {
    case 'messageCreated':
    case 'messageEdited':
    case 'messageDeleted': {
      const holder =
        kind.$case === 'messageCreated'
          ? kind.messageCreated
          : kind.$case === 'messageEdited'
            ? kind.messageEdited
            : kind.messageDeleted;
      if (!holder.message) return undefined;
      const typename =
        kind.$case === 'messageCreated'
          ? 'MessageCreated'
          : kind.$case === 'messageEdited'
            ? 'MessageEdited'
            : 'MessageDeleted';
      return { __typename: typename, chatId, seq, message: holder.message };
    }
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
    default:
      return undefined;
  }
}

/**
 * `chatEvents` as an async iterator over chat-service's Subscribe stream. `return()` (the client
 * unsubscribed or disconnected) cancels the gRPC call at once, also while no event is pending;
 * a client that reads slowly pauses the upstream stream, so chat-service sees the backpressure.
 */
export function chatEventStream(
  ctx: GatewayContext,
  resume: { chatId: string; afterSeq: number }[],
): AsyncIterableIterator<ChatEventPayload> {
  const call: ClientReadableStream<SubscribeResponse> = ctx.upstreams.chat
    .pick()
    .subscribe(
      { resume: resume.map((cursor) => ({ chatId: cursor.chatId, seq: cursor.afterSeq })) },
      ctx.call.metadata,
    );
  ctx.upstreams.openStreams.add(call);
  const buffer: ChatEventPayload[] = [];
  let waiting:
    { resolve: (result: IteratorResult<ChatEventPayload>) => void; reject: (error: unknown) => void } | undefined;
  let finished = false;
  let failure: unknown;

  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    failure = error;
    ctx.upstreams.openStreams.delete(call);
    call.removeAllListeners('data');
    if (waiting) {
      const { resolve, reject } = waiting;
      waiting = undefined;
      if (error) reject(error);
      else resolve({ value: undefined, done: true });
    }
  };

  call.on('data', (response: SubscribeResponse) => {
    if (response.payload?.$case !== 'event') return; // the snapshot is for the gateway, not the client
    const payload = toPayload(response.payload.event);
    if (!payload) return;
    if (waiting) {
      const { resolve } = waiting;
      waiting = undefined;
      ctx.resetLoaders();
      resolve({ value: payload, done: false });
      return;
    }
    buffer.push(payload);
    if (buffer.length >= HIGH_WATER) call.pause();
  });
  call.on('error', (error: unknown) =>
    finish(isServiceError(error) && error.code === status.CANCELLED ? undefined : error),
  );
  call.on('end', () => finish());

  const close = (): Promise<IteratorResult<ChatEventPayload>> => {
    if (!finished) call.cancel();
    finish();
    buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      const value = buffer.shift();
      if (value) {
        if (buffer.length === LOW_WATER) call.resume();
        // Each event is resolved as its own operation: loaders must not serve older answers.
        ctx.resetLoaders();
        return Promise.resolve({ value, done: false });
      }
      if (finished)
        return failure ? Promise.reject(asError(failure)) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return: close,
    throw: (error: unknown) => close().then(() => Promise.reject(asError(error))),
  };
}
