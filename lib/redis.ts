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
