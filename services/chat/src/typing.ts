import type { ChatBus } from './bus.js';

/** How long a typing indicator lasts without a refresh. */
export const TYPING_TTL_MS = 5_000;

/**
 * Typing indicators: ephemeral, never stored. `typing: true` is announced when it starts (a
 * refresh only extends it); when it is not refreshed within TYPING_TTL_MS, or the user sends
 * `typing: false`, `typing: false` is announced.
 */
export function createTyping(bus: ChatBus, ttlMs = TYPING_TTL_MS) {
  const active = new Map<string, NodeJS.Timeout>();
  const announce = (chatId: string, userId: string, typing: boolean) =>
    bus.publish({ type: 'live', event: { kind: 'typing', chatId, userId, typing } });

  return {
    async set(chatId: string, userId: string, typing: boolean): Promise<void> {
      const key = `${chatId}:${userId}`;
      const timer = active.get(key);
      clearTimeout(timer);
      if (!typing) {
        if (active.delete(key)) await announce(chatId, userId, false);
        return;
      }
      active.set(
        key,
        setTimeout(() => {
          active.delete(key);
          void announce(chatId, userId, false);
        }, ttlMs),
      );
      if (!timer) await announce(chatId, userId, true);
    },
    stop() {
      for (const timer of active.values()) clearTimeout(timer);
      active.clear();
    },
  };
}
