import { createHash } from 'node:crypto';
import type { Logger } from '../../../lib/logger.js';
import type { AuthPayloadModel } from '../mappers.js';
import { describeRate, type Rate } from './rate.js';
import { refused, refusalOf } from './refusal.js';
import type { LimiterStore } from './store.js';
import type { FieldGuard } from './guard.js';

const tokenKey = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('base64url');

/**
 * `refreshToken` per session. A refresh token is opaque: its session is known only from
 * auth-service's answer, and every refresh rotates it, so neither the token nor its hash can
 * carry a count from one refresh to the next. So the session's refreshes are counted after each
 * one succeeds, and the refresh that used up the session's window holds back the token it just
 * issued: that token is refused (not spent, so it still works afterwards) until the window ends.
 * Nothing is refused that did not go over the limit, and the check before the call is one read
 * of the held-back tokens. A refused or failed refresh is not counted (a token that fails is
 * spent or unknown: guessing one is hopeless, 256 random bits).
 */
export function refreshGuard(
  store: LimiterStore,
  rate: Rate,
  logger: Logger,
  /** Called with `refresh-session` for each refusal. */
  onRefused: (limit: string) => void = () => {},
): FieldGuard {
  const perSession = store.limiter('refresh-session', rate);
  const heldBack = store.limiter('refresh-held-back', { points: 1, seconds: rate.seconds });
  const label = `refreshToken: ${describeRate(rate)} per session`;

  return async (_ctx, args, run) => {
    const given = typeof args.refreshToken === 'string' ? args.refreshToken : '';
    const held = await heldBack.get(tokenKey(given));
    if (held) {
      onRefused('refresh-session');
      throw refused(label, held);
    }
    const result = await run();
    const tokens = (result as AuthPayloadModel | undefined)?.tokens;
    if (!tokens?.sessionId) return result;
    // The new tokens exist: a failure to count must not lose them for the client.
    try {
      const counted = await perSession.consume(tokens.sessionId).catch((reason: unknown) => {
        const refused = refusalOf(reason);
        if (!refused) throw reason;
        return refused;
      });
      if (counted.remainingPoints === 0) {
        await heldBack.block(tokenKey(tokens.refreshToken), Math.max(1, Math.ceil(counted.msBeforeNext / 1000)));
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not count a refresh');
    }
    return result;
  };
}
