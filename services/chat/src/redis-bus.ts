import type { Logger } from '../../../lib/logger.js';
import type { Redis } from '../../../lib/redis.js';
import { committedNow, type BusEvent, type BusListener, type ChatBus } from './bus.js';

/**
 * The bus between several chat-service instances: Redis pub/sub on one channel. Every instance,
 * the publishing one included, receives each event from Redis and hands it to its own streams.
 * Pub/sub keeps nothing, so when the subscriber connection comes back after a drop, listeners
 * are told to `reset` (streams then re-read their chats from the log past what they delivered).
 * `subscriber` must be a connection of its own.
 */
export function redisChatBus(publisher: Redis, subscriber: Redis, prefix: string, logger: Logger): ChatBus {
  const channel = `${prefix}chat:events`;
  const listeners = new Set<BusListener>();
  let connectedBefore = subscriber.status === 'ready';
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let event: BusEvent;
    try {
      event = JSON.parse(message) as BusEvent;
    } catch {
      logger.warn({ channel }, 'ignoring a malformed chat event');
      return;
    }
    for (const listener of listeners) listener.event(event);
  });
  subscriber.on('ready', () => {
    if (connectedBefore) for (const listener of listeners) listener.reset?.();
    connectedBefore = true;
  });
  const subscribed = subscriber.subscribe(channel);
  subscribed.catch((error: unknown) => logger.warn({ err: error }, 'chat event channel not subscribed yet'));
  return {
    async publish(event) {
      // The change is committed already: a lost publish must neither fail nor hold up the call
      // (while Redis is away, ioredis would queue it through its reconnect attempts). Streams
      // recover the event from the log: the next event's gap read, or the reset when Redis returns.
      publisher.publish(channel, JSON.stringify(committedNow(event))).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not publish a chat event');
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
