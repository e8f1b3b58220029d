import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis };

/**
 * An ioredis connection that reconnects forever with capped backoff and logs (rather than
 * throws) connection errors: Redis going away must degrade a service, not crash it.
 */
export function createRedis(url: string, logger: Logger, role: string): Redis {
  const redis = new Redis(url, {
    connectionName: role,
    maxRetriesPerRequest: 2,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) logger.warn({ err: error, role }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ role }, 'redis connection back');
    down = false;
  });
  return redis;
}

/**
 * The two connections a service keeps to Redis: `publisher` for commands and publishing,
 * `subscriber` for the channels it listens to (a connection that subscribes runs nothing else).
 * Each is named after its role, as `messenger_redis_connected` reports it.
 */
export interface RedisPair {
  publisher: Redis;
  subscriber: Redis;
  /** Both connections, for metrics. */
  connections: Redis[];
  close(): Promise<void>;
}

export function createRedisPair(
  url: string,
  logger: Logger,
  roles: { publisher: string; subscriber: string },
): RedisPair {
  const publisher = createRedis(url, logger, roles.publisher);
  const subscriber = createRedis(url, logger, roles.subscriber);
  return {
    publisher,
    subscriber,
    connections: [publisher, subscriber],
    close: () => Promise.all([closeRedis(publisher), closeRedis(subscriber)]).then(() => undefined),
  };
}

/** Closes a connection politely (QUIT) when Redis answers, at once when it does not. */
export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
