import type { Redis } from '../../../lib/redis.js';
import type { ChatBus } from './bus.js';
import type { FanoutGate } from './fanout-gate.js';

/** How long a typing indicator lasts without a refresh. */
export const TYPING_TTL_MS = 5_000;
/**
 * Starts announced at once within `TYPING_BURST` × the interval: someone who types, sends and
 * types again is seen typing again at once; a loop of toggles still averages one per interval.
 */
export const TYPING_BURST = 3;

/**
 * How a typing call finds its key: `new` (it was not typing), `silent` (typing, but its start was
 * not announced: too soon after the last one), `announced` (typing, and others were told).
 */
export type TypingState = 'new' | 'silent' | 'announced';

/** Who is typing where, shared by every instance when it lives in Redis. */
export interface TypingStore {
  /** Marks `key` typing for `ttlMs` (a start or a refresh), and says how it was before. */
  start(key: string, ttlMs: number): Promise<TypingState>;
  /** Records that `key`'s start was announced. */
  announced(key: string, ttlMs: number): Promise<void>;
  /** Ends typing; true when it was typing and its start had been announced. */
  stop(key: string): Promise<boolean>;
  isTyping(key: string): Promise<boolean>;
}

export function memoryTypingStore(): TypingStore {
  const entries = new Map<string, { until: number; announced: boolean }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.until > Date.now()) return entry;
    entries.delete(key);
    return undefined;
  };
  return {
    async start(key, ttlMs) {
      const entry = live(key);
      entries.set(key, { until: Date.now() + ttlMs, announced: entry?.announced ?? false });
      return entry ? (entry.announced ? 'announced' : 'silent') : 'new';
    },
    async announced(key, ttlMs) {
      entries.set(key, { until: Date.now() + ttlMs, announced: true });
    },
    async stop(key) {
      const entry = live(key);
      entries.delete(key);
      return entry?.announced ?? false;
    },
    isTyping: async (key) => live(key) !== undefined,
  };
}

/** The value of a typing key: whether its start was announced. */
const SILENT = '0';
const ANNOUNCED = '1';

export function redisTypingStore(redis: Redis, prefix: string): TypingStore {
  const name = (key: string) => `${prefix}chat:typing:${key}`;
  return {
    async start(key, ttlMs) {
      if ((await redis.set(name(key), SILENT, 'PX', ttlMs, 'NX')) === 'OK') return 'new';
      const replies = await redis.multi().get(name(key)).pexpire(name(key), ttlMs).exec();
      const value = replies?.[0]?.[1];
      if (value === ANNOUNCED) return 'announced';
      if (value === SILENT) return 'silent';
      // Expired between the two calls: a new start after all.
      await redis.set(name(key), SILENT, 'PX', ttlMs);
      return 'new';
    },
    async announced(key, ttlMs) {
      await redis.set(name(key), ANNOUNCED, 'PX', ttlMs);
    },
    async stop(key) {
      const replies = await redis.multi().get(name(key)).del(name(key)).exec();
      return replies?.[0]?.[1] === ANNOUNCED;
    },
    isTyping: async (key) => (await redis.exists(name(key))) > 0,
  };
}

/**
 * Typing indicators: ephemeral, never stored in the log. `typing: true` is announced when typing
 * starts (a refresh only extends it, on whichever instance it lands); `typing: false` when the
 * user says so, or when no refresh came within the TTL. The instance that saw the last refresh
 * is the one whose timer finds the indicator expired, so the end is announced once.
 *
 * What one user can make the service broadcast is bounded: at most one start is announced per
 * chat and user per `intervalMs` on average (the gate, bursts of TYPING_BURST), and an end only for
 * a start that was announced, so a client toggling typing in a loop costs at most two events per
 * interval on average. A start that was too soon stays silent, and is announced by a refresh once
 * the interval has passed.
 */
export function createTyping(
  bus: ChatBus,
  store: TypingStore,
  gate: FanoutGate,
  { ttlMs = TYPING_TTL_MS, intervalMs }: { ttlMs?: number | undefined; intervalMs: number },
) {
  const timers = new Map<string, NodeJS.Timeout>();
  const announce = (chatId: string, userId: string, typing: boolean) =>
    bus.publish({ type: 'live', event: { kind: 'typing', chatId, userId, typing } });

  return {
    async set(chatId: string, userId: string, typing: boolean): Promise<void> {
      const key = `${chatId}:${userId}`;
      clearTimeout(timers.get(key));
      timers.delete(key);
      if (!typing) {
        if (await store.stop(key)) await announce(chatId, userId, false);
        return;
      }
      let announced = (await store.start(key, ttlMs)) === 'announced';
      if (!announced && (await gate.take(`typing:${key}`, intervalMs, TYPING_BURST)) === 0) {
        await store.announced(key, ttlMs);
        announced = true;
        await announce(chatId, userId, true);
      }
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          if (!announced) return; // others never heard it start
          store.isTyping(key).then(
            (still) => (still ? undefined : announce(chatId, userId, false)),
            () => announce(chatId, userId, false),
          );
        }, ttlMs + 25),
      );
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
