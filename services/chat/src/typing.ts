import type { Redis } from '../../../lib/redis.js';
import type { ChatBus } from './bus.js';

/** How long a typing indicator lasts without a refresh. */
export const TYPING_TTL_MS = 5_000;

/** Who is typing where, shared by every instance when it lives in Redis. */
export interface TypingStore {
  /** Marks `key` typing for `ttlMs`; true when it was not typing before (a start, not a refresh). */
  start(key: string, ttlMs: number): Promise<boolean>;
  /** Ends typing; true when it was typing. */
  stop(key: string): Promise<boolean>;
  isTyping(key: string): Promise<boolean>;
}

export function memoryTypingStore(): TypingStore {
  const until = new Map<string, number>();
  const isTyping = (key: string) => (until.get(key) ?? 0) > Date.now();
  return {
    async start(key, ttlMs) {
      const started = !isTyping(key);
      until.set(key, Date.now() + ttlMs);
      return started;
    },
    async stop(key) {
      const was = isTyping(key);
      until.delete(key);
      return was;
    },
    isTyping: async (key) => {
      if (isTyping(key)) return true;
      until.delete(key);
      return false;
    },
  };
}

export function redisTypingStore(redis: Redis, prefix: string): TypingStore {
  const name = (key: string) => `${prefix}chat:typing:${key}`;
  return {
    async start(key, ttlMs) {
      if ((await redis.set(name(key), '1', 'PX', ttlMs, 'NX')) === 'OK') return true;
      await redis.pexpire(name(key), ttlMs);
      return false;
    },
    stop: async (key) => (await redis.del(name(key))) > 0,
    isTyping: async (key) => (await redis.exists(name(key))) > 0,
  };
}

/**
 * Typing indicators: ephemeral, never stored in the log. `typing: true` is announced when typing
 * starts (a refresh only extends it, on whichever instance it lands); `typing: false` when the
 * user says so, or when no refresh came within the TTL. The instance that saw the last refresh
 * is the one whose timer finds the indicator expired, so the end is announced once.
 */
export function createTyping(bus: ChatBus, store: TypingStore, ttlMs = TYPING_TTL_MS) {
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
      const started = await store.start(key, ttlMs);
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          store.isTyping(key).then(
            (still) => (still ? undefined : announce(chatId, userId, false)),
            () => announce(chatId, userId, false),
          );
        }, ttlMs + 25),
      );
      if (started) await announce(chatId, userId, true);
    },
    stop() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
