import { randomUUID } from 'node:crypto';
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
  /**
   * Tells every listener. This instance's listeners are told at once, before anything is
   * awaited: a revocation must neither wait for Redis nor be lost when publishing to it fails.
   */
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

/** What goes over Redis: the revoked ids, and which instance sent them (it told its own listeners). */
interface RevocationMessage {
  origin: string;
  sessionIds: string[];
}

const isIdList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((id) => typeof id === 'string');

/**
 * Redis pub/sub between auth-service instances. `subscriber` must be a connection of its own
 * (a subscribed ioredis connection can do nothing else). Pub/sub keeps nothing: when the
 * subscriber reconnects, every listener is told to `reset`. This instance's own listeners are
 * told directly, not through Redis, so a failed publish loses nothing here; other instances'
 * watchers then learn of it from their periodic recheck (CheckSessions).
 */
export function redisRevocationBus(publisher: Redis, subscriber: Redis, prefix: string, logger: Logger): RevocationBus {
  const channel = `${prefix}auth:revocations`;
  const origin = randomUUID();
  const listeners = new Set<RevocationListener>();
  const notify = (ids: string[]) => {
    for (const listener of listeners) listener.revoked(ids);
  };
  let wasReady = subscriber.status === 'ready';
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      logger.warn({ channel }, 'ignoring a malformed revocation message');
      return;
    }
    // A bare list comes from an instance of an earlier version, during a rolling upgrade.
    if (isIdList(parsed)) {
      notify(parsed);
      return;
    }
    const { origin: sender, sessionIds } = (parsed ?? {}) as Partial<RevocationMessage>;
    if (sender !== origin && isIdList(sessionIds)) notify(sessionIds);
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
      notify(sessionIds);
      const message: RevocationMessage = { origin, sessionIds };
      await publisher.publish(channel, JSON.stringify(message));
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
