// Tells the server whether the user is typing in a chat: `true` at most every TYPING_REFRESH_MS
// while they type (each one keeps the indicator alive for the others), `false` once when they stop.
import type { Client } from '@urql/core';
import { SetTypingMutation } from '../api/operations';

const TYPING_REFRESH_MS = 3_000;

export interface TypingSignal {
  typing: (chatId: string, typing: boolean) => void;
  /**
   * A message was sent: the others' clients end our indicator with it (chat-log.ts), so there is
   * nothing to stop, and the next keystroke says `true` again at once.
   */
  messageSent: (chatId: string) => void;
}

export function createTypingSignal(api: Client): TypingSignal {
  /** Per chat, when `true` was last sent; absent when the user is not typing there. */
  const typingSent = new Map<string, number>();
  return {
    typing(chatId, typing) {
      const last = typingSent.get(chatId);
      const now = Date.now();
      if (typing && last !== undefined && now - last < TYPING_REFRESH_MS) return;
      if (!typing && last === undefined) return;
      if (typing) typingSent.set(chatId, now);
      else typingSent.delete(chatId);
      void api.mutation(SetTypingMutation, { chatId, typing }).toPromise();
    },
    messageSent: (chatId) => void typingSent.delete(chatId),
  };
}
