import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { unauthenticated } from '../errors.js';
import type { ChatEventPayload } from '../mappers.js';
import type { EventHub } from './hub.js';
import { Subscription, type ResumeCursor, type Viewer } from './subscription.js';

/** Events waiting for a slow reader before its subscription is ended (it resumes from its cursors). */
const MAX_WAITING = 1_000;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * A `chatEvents` subscription as an async iterator of payloads, each executed by the GraphQL
 * engine for this subscription alone: for transports other than graphql-ws (server-sent events,
 * the only one yoga streams subscriptions over), where each subscriber is a request of its own.
 * Loaders start afresh for each event, so that every event shows current data.
 *
 * The stream lives as long as its session, as a WebSocket does: `holdSession` registers it with
 * its session (see ws-sessions.ts), which ends it with an UNAUTHENTICATED error once the session
 * is revoked (or its token's key retired), whether or not chat-service has ended its subscriber yet.
 */
export function iteratorSubscription(options: {
  hub: EventHub;
  viewer: Viewer;
  resume: ResumeCursor[];
  ctx: GatewayContext;
  /** Registers the stream with its session: `revoked` ends it. Returns the registration's removal. */
  holdSession: (revoked: (why: string) => void) => () => void;
}): AsyncIterableIterator<ChatEventPayload> {
  const { hub, ctx } = options;
  const queue: ChatEventPayload[] = [];
  let wake: { resolve: (result: IteratorResult<ChatEventPayload>) => void; reject: (error: Error) => void } | undefined;
  let ended = false;
  /** Why it ended, until the reader has been told (once: an iterator is done after it throws). */
  let failure: Error | undefined;

  const subscription = new Subscription(options.viewer, options.resume, {
    push(payload) {
      if (wake) {
        const { resolve } = wake;
        wake = undefined;
        ctx.resetLoaders();
        resolve({ value: payload, done: false });
        return true;
      }
      queue.push(payload);
      if (queue.length > MAX_WAITING) {
        hub.remove(subscription);
        this.end(new Error('too slow; resume from your cursors'));
        return false;
      }
      return true;
    },
    end(error) {
      if (ended) return;
      ended = true;
      release();
      failure = error === undefined ? undefined : asError(error);
      queue.length = 0;
      if (wake) {
        const { resolve, reject } = wake;
        wake = undefined;
        const reported = failure;
        failure = undefined;
        if (reported) reject(reported);
        else resolve({ value: undefined, done: true });
      }
    },
  });
  const release = options.holdSession((why) => {
    hub.remove(subscription);
    subscription.sink.end(unauthenticated(why));
  });
  hub.add(subscription);

  const close = (): Promise<IteratorResult<ChatEventPayload>> => {
    hub.remove(subscription);
    subscription.sink.end();
    return Promise.resolve({ value: undefined, done: true });
  };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      const value = queue.shift();
      if (value) {
        ctx.resetLoaders();
        return Promise.resolve({ value, done: false });
      }
      if (ended) {
        const reported = failure;
        failure = undefined;
        return reported ? Promise.reject(reported) : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => (wake = { resolve, reject }));
    },
    return: close,
    throw: (error: unknown) => close().then(() => Promise.reject(asError(error))),
  };
}

/**
 * Yoga subscribes (here: places the subscription on a Deliver call) before it picks a way to send
 * the result, and when the request accepts none it can stream a subscription with (yoga 5 streams
 * subscriptions as server-sent events only: `Accept: multipart/mixed` or `application/json`
 * get 406 Not Acceptable), it answers 406 without ever reading or closing the iterator. Closed
 * here instead, or every such request would leave a subscription behind for as long as its
 * session lasts.
 */
export const closeUnsentSubscriptions: Plugin = {
  onResultProcess({ result, resultProcessor }) {
    if (!resultProcessor && isAsyncIterable(result)) void result[Symbol.asyncIterator]().return?.();
  },
};
