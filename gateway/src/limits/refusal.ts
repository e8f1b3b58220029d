import { RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors.js';

/** A limit as clients hear of it: what is limited, by what key, at which rate. */
export interface Limit {
  /** e.g. `searchUsers: 30 per 1 min per user`; the refusal's message names it. */
  label: string;
  consume(key: string): Promise<RateLimiterRes>;
}

/** Whole seconds until the limit lets a call through again: at least 1. */
export const retryAfterSeconds = (msBeforeNext: number) => Math.max(1, Math.ceil(msBeforeNext / 1000));

/**
 * The refusal of a call over a limit: `RATE_LIMITED`, with `retryAfter` in whole seconds. Thrown
 * by a field's resolver before it calls anything, so nothing of the call is done.
 */
export const refused = (label: string, res: RateLimiterRes) => rateLimited(label, retryAfterSeconds(res.msBeforeNext));

/** A limiter's answer when it refused (rate-limiter-flexible rejects with a RateLimiterRes). */
export const refusalOf = (reason: unknown): RateLimiterRes | undefined =>
  reason instanceof RateLimiterRes ? reason : undefined;

/** Takes one point of `limit` for `key`, or throws its refusal. */
export async function take(limit: Limit, key: string): Promise<RateLimiterRes> {
  try {
    return await limit.consume(key);
  } catch (reason) {
    const res = refusalOf(reason);
    if (res) throw refused(limit.label, res);
    throw reason;
  }
}
