import type { Redis } from '../../../lib/redis.js';

/**
 * One gate per key that lets one announcement through per interval on average: how chat-service
 * bounds what one user can make it broadcast to everyone in a chat (typing, read receipts),
 * whatever the number of calls. In Redis it is shared by every instance, so calls spread over
 * instances do not multiply the rate.
 */
export interface FanoutGate {
  /**
   * Takes one of `burst` passes of `key`'s window (`ms` × `burst` long) if one is left (answers 0);
   * otherwise answers the ms until the window opens again. With `burst` 1: one per `ms`.
   */
  take(key: string, ms: number, burst?: number): Promise<number>;
}

/** Entries kept before expired ones are swept (each sweep at most doubles the next threshold). */
const SWEEP_FROM = 1_000;

export function memoryFanoutGate(): FanoutGate {
  const windows = new Map<string, { taken: number; until: number }>();
  let sweepAt = SWEEP_FROM;
  return {
    async take(key, ms, burst = 1) {
      const now = Date.now();
      let window = windows.get(key);
      if (!window || window.until <= now) {
        window = { taken: 0, until: now + ms * burst };
        windows.set(key, window);
      }
      if (window.taken >= burst) return window.until - now;
      window.taken++;
      if (windows.size >= sweepAt) {
        for (const [k, w] of windows) if (w.until <= now) windows.delete(k);
        sweepAt = Math.max(SWEEP_FROM, windows.size * 2);
      }
      return 0;
    },
  };
}

export function redisFanoutGate(redis: Redis, prefix: string): FanoutGate {
  const name = (key: string) => `${prefix}chat:gate:${key}`;
  return {
    async take(key, ms, burst = 1) {
      // One round trip, atomic: open the window if there is none, count this take, see its end.
      const replies = await redis
        .multi()
        .set(name(key), '0', 'PX', ms * burst, 'NX')
        .incr(name(key))
        .pttl(name(key))
        .exec();
      const taken = Number(replies?.[1]?.[1]);
      const left = Number(replies?.[2]?.[1]);
      if (taken <= burst) return 0;
      return left > 0 ? left : 1;
    },
  };
}
