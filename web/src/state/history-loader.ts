// Opens a chat: its summary if we do not have it, its members, and its history, newest page
// first and older pages as the user scrolls up. A first page that failed is loaded again once the
// connection is back (messenger.ts calls `retryFailed`).
import type { Client } from '@urql/core';
import { MessagesQuery } from '../api/operations';
import type { MessagesQuery as MessagesQueryResult } from '../graphql/graphql';
import type { ChatLoader } from './chat-loader';
import { failure, type Outcome } from './outcome';
import type { Store } from './store';

export interface HistoryLoader {
  openChat: (chatId: string) => Promise<Outcome>;
  loadOlder: (chatId: string) => Promise<void>;
  /** Opens again the chats whose first page failed to load. */
  retryFailed: () => void;
}

export function createHistoryLoader(
  api: Client,
  { get, dispatch }: Store,
  chats: ChatLoader,
  loadMembers: (chatId: string) => Promise<void>,
): HistoryLoader {
  /** Chats whose first history page failed to load; loaded again on connecting. */
  const failed = new Set<string>();

  function historyLoaded(chatId: string, page: MessagesQueryResult['messages']) {
    dispatch({
      type: 'historyLoaded',
      chatId,
      messages: page.edges.map((edge) => edge.node),
      hasOlder: page.pageInfo.hasPreviousPage,
      olderCursor: page.pageInfo.startCursor ?? null,
    });
  }

  async function openChat(chatId: string): Promise<Outcome> {
    const pane = get().panes[chatId];
    if (!get().chats[chatId]) await chats.fetch(chatId);
    if (!get().chats[chatId]) return { ok: false, error: 'That chat is not available.', field: null };
    void loadMembers(chatId);
    if (pane?.loaded) return { ok: true, value: undefined };
    dispatch({ type: 'historyRequested', chatId });
    const result = await api.query(MessagesQuery, { chatId }).toPromise();
    const page = result.data?.messages;
    if (!page) {
      // Loaded again when the connection is back (retryFailed).
      failed.add(chatId);
      return failure(result.error);
    }
    failed.delete(chatId);
    historyLoaded(chatId, page);
    return { ok: true, value: undefined };
  }

  return {
    openChat,
    async loadOlder(chatId) {
      const pane = get().panes[chatId];
      if (!pane?.hasOlder || !pane.olderCursor) return;
      const result = await api.query(MessagesQuery, { chatId, before: pane.olderCursor }).toPromise();
      const page = result.data?.messages;
      if (page) historyLoaded(chatId, page);
    },
    retryFailed() {
      for (const chatId of failed) void openChat(chatId);
    },
  };
}
