import type { Redis } from '../../../lib/redis.js';

/**
 * One gate per key that lets one announcement through per interval: how chat-service bounds what
 * one user can make it broadcast to everyone in a chat (typing, read receipts), whatever the
 * number of calls. In Redis it is shared by every instance, so calls spread over instances do not
 * multiply the rate.
 */
export interface FanoutGate {
  /** Takes `key`'s gate for `ms` if it is open (answers 0); otherwise answers the ms until it opens. */
  take(key: string, ms: number): Promise<number>;
}

/** Entries kept before expired ones are swept (each sweep at most doubles the next threshold). */
const SWEEP_FROM = 1_000;

export function memoryFanoutGate(): FanoutGate {
  const openAt = new Map<string, number>();
  let sweepAt = SWEEP_FROM;
  return {
    async take(key, ms) {
      const now = Date.now();
      const until = openAt.get(key) ?? 0;
      if (until > now) return until - now;
      openAt.set(key, now + ms);
      if (openAt.size >= sweepAt) {
        for (const [k, at] of openAt) if (at <= now) openAt.delete(k);
        sweepAt = Math.max(SWEEP_FROM, openAt.size * 2);
      }
      return 0;
    },
  };
}

export function redisFanoutGate(redis: Redis, prefix: string): FanoutGate {
  const name = (key: string) => `${prefix}chat:gate:${key}`;
  return {
    async take(key, ms) {
      if ((await redis.set(name(key), '1', 'PX', ms, 'NX')) === 'OK') return 0;
      const left = await redis.pttl(name(key));
      // It expired between the two calls: open again, but let the caller try in a moment.
      return left > 0 ? left : 1;
    },
  };
}
