// Loads the chat list page by page, and single chats that are new to us or changed; after a
// reconnect it reconciles the list with the server's (chats left or lost meanwhile go away).
import type { Client } from '@urql/core';
import { ChatQuery, ChatsQuery } from '../api/operations';
import type { Store } from './store';

export interface ChatLoader {
  /** The first page; with `reconcile`, known chats missing from it are checked (after a reconnect). */
  load: (options: { reconcile: boolean }) => Promise<void>;
  /** Loads one chat (new to us, or changed); a chat we are not in any more goes away. */
  fetch: (chatId: string) => Promise<void>;
  loadMore: () => Promise<void>;
  hasMore: () => boolean;
  /** Whether the chat list was ever loaded; a first load that failed is done on connecting. */
  everLoaded: () => boolean;
}

export function createChatLoader(api: Client, { get, dispatch }: Store): ChatLoader {
  let nextPage: string | null = null;
  let loaded = false;
  const fetching = new Map<string, Promise<void>>();

  async function load({ reconcile }: { reconcile: boolean }): Promise<void> {
    // Only chats known before the query can be missing from its answer; one added meanwhile
    // (created, or announced by an event) is not.
    const knownBefore = Object.keys(get().chats);
    const result = await api.query(ChatsQuery, {}).toPromise();
    const page = result.data?.chats;
    if (!page) return;
    loaded = true;
    const chats = page.edges.map((edge) => edge.node);
    nextPage = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
    let remove: string[] = [];
    if (reconcile) {
      // Known chats missing from the first page were left or lost meanwhile, or are just older:
      // with one page that is all of them, else each is asked about.
      const listed = new Set(chats.map((chat) => chat.id));
      const missing = knownBefore.filter((id) => !listed.has(id) && id in get().chats);
      if (!page.pageInfo.hasNextPage) remove = missing;
      else for (const id of missing) void fetch(id);
    }
    dispatch({ type: 'chatsLoaded', chats, remove });
  }

  function fetch(chatId: string): Promise<void> {
    const running = fetching.get(chatId);
    if (running) return running;
    const task = (async () => {
      const result = await api.query(ChatQuery, { id: chatId }).toPromise();
      if (result.data?.chat) dispatch({ type: 'chatsLoaded', chats: [result.data.chat] });
      else if (!result.error || result.error.graphQLErrors.some((e) => e.extensions['code'] === 'NOT_FOUND')) {
        dispatch({ type: 'chatGone', chatId });
      }
    })().finally(() => fetching.delete(chatId));
    fetching.set(chatId, task);
    return task;
  }

  return {
    load,
    fetch,
    async loadMore() {
      if (!nextPage) return;
      const result = await api.query(ChatsQuery, { after: nextPage }).toPromise();
      const page = result.data?.chats;
      if (!page) return;
      nextPage = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      dispatch({ type: 'chatsLoaded', chats: page.edges.map((edge) => edge.node) });
    },
    hasMore: () => nextPage !== null,
    everLoaded: () => loaded,
  };
}
