// Tells the server how far the user has read a chat: once per new position, and only when it
// moves our marker or clears an unread count.
import type { Client } from '@urql/core';
import { MarkReadMutation } from '../api/operations';
import type { ChatLoader } from './chat-loader';
import type { Store } from './store';

export function createMarkRead(api: Client, { get, dispatch }: Store, chats: ChatLoader) {
  /** Per chat, the seq last sent (while it is in flight or went through). */
  const readSent = new Map<string, number>();
  return (chatId: string, seq: number): void => {
    const chat = get().chats[chatId];
    const meId = get().me?.id;
    const own = chat?.members.find((m) => m.user.id === meId)?.lastReadSeq ?? -1;
    if (!chat || (seq <= own && chat.unreadCount === 0) || seq <= (readSent.get(chatId) ?? -1)) return;
    readSent.set(chatId, seq);
    void api
      .mutation(MarkReadMutation, { chatId, seq })
      .toPromise()
      .then((result) => {
        const marked = result.data?.markRead;
        if (!marked) {
          readSent.delete(chatId);
          return;
        }
        dispatch({
          type: 'readMarked',
          chatId,
          lastSeq: marked.lastSeq,
          unreadCount: marked.unreadCount,
          readSeq: seq,
        });
        // The answer and the summary saw different events: the count is only right for one.
        if (marked.lastSeq !== get().chats[chatId]?.lastSeq) void chats.fetch(chatId);
      });
  };
}
