import { EventEmitter } from 'node:events';
import type { Logger } from '../../../lib/logger.js';
import type { Redis } from '../../../lib/redis.js';

export interface RevocationListener {
  /** Sessions that were just revoked. */
  revoked(sessionIds: string[]): void;
  /** The bus lost messages (its connection dropped): watchers must start over. */
  reset(): void;
}

/** Revoked session ids, from whichever auth-service instance revoked them to every watcher. */
export interface RevocationBus {
  /** Resolves once revocations published from now on will reach this instance's listeners. */
  ready(): Promise<void>;
  publish(sessionIds: string[]): Promise<void>;
  subscribe(listener: RevocationListener): () => void;
  close(): Promise<void>;
}

export function memoryRevocationBus(): RevocationBus {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async ready() {},
    async publish(sessionIds) {
      emitter.emit('revoked', sessionIds);
    },
    subscribe(listener) {
      const onRevoked = (ids: string[]) => listener.revoked(ids);
      emitter.on('revoked', onRevoked);
      return () => emitter.off('revoked', onRevoked);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * Redis pub/sub between auth-service instances. `subscriber` must be a connection of its own
 * (a subscribed ioredis connection can do nothing else). Pub/sub keeps nothing: when the
 * subscriber reconnects, every listener is told to `reset`.
 */
export function redisRevocationBus(publisher: Redis, subscriber: Redis, prefix: string, logger: Logger): RevocationBus {
  const channel = `${prefix}auth:revocations`;
  const listeners = new Set<RevocationListener>();
  let wasReady = subscriber.status === 'ready';
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let ids: unknown;
    try {
      ids = JSON.parse(message);
    } catch {
      logger.warn({ channel }, 'ignoring a malformed revocation message');
      return;
    }
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return;
    for (const listener of listeners) listener.revoked(ids);
  });
  subscriber.on('ready', () => {
    // ioredis re-subscribes on reconnect; what was published meanwhile is gone.
    if (wasReady) for (const listener of listeners) listener.reset();
    wasReady = true;
  });
  let subscribed: Promise<unknown> = subscriber.subscribe(channel);
  subscribed.catch((error: unknown) => logger.warn({ err: error }, 'revocation channel not subscribed yet'));
  return {
    ready() {
      // A SUBSCRIBE that failed (Redis down at start) is tried again by the next caller.
      subscribed = subscribed.catch(() => subscriber.subscribe(channel));
      return subscribed.then(() => undefined);
    },
    async publish(sessionIds) {
      await publisher.publish(channel, JSON.stringify(sessionIds));
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
