import type { Logger } from '../../lib/logger.js';
import { createRedis, type Redis } from '../../lib/redis.js';
import { createUpstreams, type Upstreams } from './clients.js';
import type { GatewayConfig } from './config.js';

/**
 * What the gateway is given rather than makes (app.ts): the gRPC clients of its upstream
 * services and, when the rate limits count in Redis, their connection. Opened by whoever runs
 * the gateway (index.ts, the test fixtures), and closed by them once the gateway has stopped.
 */
export interface GatewayResources {
  upstreams: Upstreams;
  /** The rate limits' counters (limits/rate-limits.ts): only with REDIS_URL set and rate limits on. */
  redis: Redis | undefined;
  close(): Promise<void>;
}

export function openGatewayResources(config: GatewayConfig, logger: Logger): GatewayResources {
  const upstreams = createUpstreams(config);
  const redis =
    config.redis && config.rateLimits.enabled
      ? createRedis(config.redis.url, logger, 'gateway-rate-limits')
      : undefined;
  return {
    upstreams,
    redis,
    async close() {
      redis?.disconnect();
      upstreams.close();
    },
  };
}
