import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import type { Logger } from '../../../lib/logger.js';
import type { RateLimits } from './rate-limits.js';

/**
 * ws's `verifyClient` for the limit on new WebSockets per address (none when rate limits are off).
 * An upgrade over the limit is refused before any socket exists, with HTTP 429 and `Retry-After`,
 * rather than accepted and closed with a code: graphql-ws's 4429 means "too many
 * connection_init messages" (a protocol error, after which its client gives up for good), while a
 * refused upgrade is, to a graphql-ws or browser client, a failed connection that it retries with
 * its backoff.
 */
export function webSocketAdmission(
  rateLimits: RateLimits,
  addressOf: (request: IncomingMessage) => string,
  logger: Logger,
): VerifyClientCallbackAsync | undefined {
  if (!rateLimits.enabled) return undefined;
  return ({ req }, done) => {
    rateLimits.admitWebSocket(addressOf(req)).then(
      (wait) =>
        wait === undefined ? done(true) : done(false, 429, 'Too Many Requests', { 'retry-after': String(wait) }),
      (error: unknown) => {
        logger.error({ err: error }, 'the WebSocket rate limit failed');
        done(false, 500);
      },
    );
  };
}
