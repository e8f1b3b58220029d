import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from '../../../lib/redis.js';
import type { Rate } from './rate.js';

/** Where counters live: this process, or Redis shared by every gateway instance. */
export interface LimiterStore {
  /** A fixed-window limiter named `name` (the name keeps its keys apart from the others'). */
  limiter(name: string, rate: Rate): RateLimiterAbstract;
}

/** Counters in this process: each gateway instance limits on its own. */
export const memoryStore = (): LimiterStore => ({
  limiter: (name, { points, seconds }) => new RateLimiterMemory({ keyPrefix: name, points, duration: seconds }),
});

/**
 * Counters in Redis, so that limits hold across gateway instances: one Redis call (a Lua script)
 * per consume. While Redis is down or reconnecting, every call falls through at once to an
 * in-memory insurance limiter of the same rate (`rejectIfRedisNotReady` rather than waiting on
 * ioredis's offline queue), so limits keep holding, per instance, until it is back.
 */
export const redisStore = (redis: Redis, prefix: string): LimiterStore => ({
  limiter: (name, { points, seconds }) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}rate:${name}`,
      points,
      duration: seconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: seconds }),
    }),
});
