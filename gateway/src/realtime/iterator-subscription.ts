import type { GatewayContext } from '../context.js';
import type { ChatEventPayload } from '../mappers.js';
import type { EventHub } from './hub.js';
import { Subscription, type ResumeCursor, type Viewer } from './subscription.js';

/** Events waiting for a slow reader before its subscription is ended (it resumes from its cursors). */
const MAX_WAITING = 1_000;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * A `chatEvents` subscription as an async iterator of payloads, each executed by the GraphQL
 * engine for this subscription alone: for transports other than graphql-ws (server-sent events,
 * multipart), where each subscriber is a request of its own. Loaders start afresh for each
 * event, so that every event shows current data.
 */
export function iteratorSubscription(options: {
  hub: EventHub;
  viewer: Viewer;
  resume: ResumeCursor[];
  ctx: GatewayContext;
}): AsyncIterableIterator<ChatEventPayload> {
  const { hub, ctx } = options;
  const queue: ChatEventPayload[] = [];
  let wake: { resolve: (result: IteratorResult<ChatEventPayload>) => void; reject: (error: Error) => void } | undefined;
  let ended = false;
  let failure: Error | undefined;

  const subscription = new Subscription(options.viewer, options.resume, {
    push(payload) {
      if (wake) {
        const { resolve } = wake;
        wake = undefined;
        ctx.resetLoaders();
        resolve({ value: payload, done: false });
        return;
      }
      queue.push(payload);
      if (queue.length > MAX_WAITING) {
        hub.remove(subscription);
        this.end(new Error('too slow; resume from your cursors'));
      }
    },
    end(error) {
      ended = true;
      failure = error === undefined ? undefined : asError(error);
      queue.length = 0;
      if (wake) {
        const { resolve, reject } = wake;
        wake = undefined;
        if (failure) reject(failure);
        else resolve({ value: undefined, done: true });
      }
    },
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
      if (ended) return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => (wake = { resolve, reject }));
    },
    return: close,
    throw: (error: unknown) => close().then(() => Promise.reject(asError(error))),
  };
}
