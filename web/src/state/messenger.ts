// The signed-in client: the store, the API calls that feed it, and the live connection. UI
// components read the store and call these methods; nothing else talks to the server.
import type { Client, CombinedError } from '@urql/core';
import {
  AddChatMembersMutation,
  ChatQuery,
  ChatsQuery,
  CreateDirectChatMutation,
  CreateGroupChatMutation,
  DeleteMessageMutation,
  EditMessageMutation,
  LeaveChatMutation,
  RemoveChatMemberMutation,
  MarkReadMutation,
  MembersQuery,
  MessagesQuery,
  SendMessageMutation,
  SetTypingMutation,
} from '../api/operations';
import { friendlyError, isTransient } from '../api/errors';
import { isUnauthenticated } from '../api/client';
import type { MessagesQuery as MessagesQueryResult } from '../graphql/graphql';
import type { SessionManager } from '../auth/session';
import { startRealtime, type Realtime } from '../realtime/connection';
import { clearOutbox, keepOutbox, readOutbox } from './outbox';
import {
  initialState,
  reduce,
  resumeCursors,
  type Action,
  type Chat,
  type ChatEvent,
  type Message,
  type State,
  type User,
} from './store';

export interface Store {
  get: () => State;
  dispatch: (action: Action) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createStore(): Store {
  let state = initialState;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The outcome of a user action: nothing, or an error to show. */
export type Outcome<T = void> = { ok: true; value: T } | { ok: false; error: string; field: string | null };

/** How long a send is retried through outages before it shows as failed (with a Retry button). */
const SEND_PATIENCE_MS = 60_000;
const TYPING_REFRESH_MS = 3_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message id of our own: random, so a resend with it is recognised and never doubled. */
function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function failure(error: CombinedError | undefined, overrides?: Record<string, string>): Outcome<never> {
  const friendly = friendlyError(error, overrides);
  return { ok: false, error: friendly.message, field: friendly.field };
}

export interface Messenger {
  store: Store;
  /** Unsent text per chat, kept while the user looks at other chats (and forgotten on sign-out). */
  drafts: Map<string, string>;
  start(me: User): Promise<void>;
  stop(): void;
  loadMoreChats(): Promise<void>;
  hasMoreChats(): boolean;
  openChat(chatId: string): Promise<Outcome>;
  loadOlder(chatId: string): Promise<void>;
  loadMembers(chatId: string): Promise<void>;
  send(chatId: string, body: string, replyTo: Message | null): Promise<void>;
  retry(chatId: string, clientMessageId: string): Promise<void>;
  discard(chatId: string, clientMessageId: string): void;
  edit(messageId: string, body: string): Promise<Outcome>;
  remove(messageId: string): Promise<Outcome>;
  markRead(chatId: string, seq: number): void;
  typing(chatId: string, typing: boolean): void;
  createDirectChat(userId: string): Promise<Outcome<string>>;
  createGroupChat(title: string, memberIds: string[]): Promise<Outcome<string>>;
  addMembers(chatId: string, userIds: string[]): Promise<Outcome>;
  leave(chatId: string): Promise<Outcome>;
  removeMember(chatId: string, userId: string): Promise<Outcome>;
}

export function createMessenger(api: Client, session: SessionManager, wsUrl: string): Messenger {
  const store = createStore();
  const { dispatch } = store;
  let realtime: Realtime | null = null;
  let nextChatsPage: string | null = null;
  const fetchingChats = new Map<string, Promise<void>>();
  const readSent = new Map<string, number>();
  const typingSent = new Map<string, number>();
  const sending = new Set<string>();
  /** Per chat, the sends in order: a message never overtakes an earlier one still pending. */
  const sendQueues = new Map<string, Promise<void>>();
  /** Resolved when the connection comes back, so that waiting retries go at once. */
  let wake: () => void = () => undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  /** Whether the chat list was ever loaded; a first load that failed is done on connecting. */
  let chatsLoaded = false;
  /** Chats whose first history page failed to load; loaded again on connecting. */
  const historyFailed = new Set<string>();
  let stopped = false;
  let userId: string | null = null;
  let stopOutbox: () => void = () => undefined;
  const onStatus = (status: State['status']) => {
    dispatch({ type: 'status', status });
    if (status !== 'online') return;
    wake();
    woken = new Promise<void>((resolve) => (wake = resolve));
    if (!chatsLoaded) void loadChats({ reconcile: false }).catch(() => undefined);
    for (const chatId of historyFailed) void messenger.openChat(chatId);
  };

  async function loadChats({ reconcile }: { reconcile: boolean }): Promise<void> {
    // Only chats known before the query can be missing from its answer; one added meanwhile
    // (created, or announced by an event) is not.
    const knownBefore = Object.keys(store.get().chats);
    const result = await api.query(ChatsQuery, {}).toPromise();
    const page = result.data?.chats;
    if (!page) return;
    chatsLoaded = true;
    const chats = page.edges.map((edge) => edge.node);
    nextChatsPage = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
    let remove: string[] = [];
    if (reconcile) {
      // Known chats missing from the first page were left or lost meanwhile, or are just older:
      // with one page that is all of them, else each is asked about.
      const listed = new Set(chats.map((chat) => chat.id));
      const missing = knownBefore.filter((id) => !listed.has(id) && id in store.get().chats);
      if (!page.pageInfo.hasNextPage) remove = missing;
      else for (const id of missing) void fetchChat(id);
    }
    dispatch({ type: 'chatsLoaded', chats, remove });
  }

  /** Loads one chat (new to us, or changed); a chat we are not in any more goes away. */
  function fetchChat(chatId: string): Promise<void> {
    const running = fetchingChats.get(chatId);
    if (running) return running;
    const task = (async () => {
      const result = await api.query(ChatQuery, { id: chatId }).toPromise();
      if (result.data?.chat) dispatch({ type: 'chatsLoaded', chats: [result.data.chat] });
      else if (!result.error || result.error.graphQLErrors.some((e) => e.extensions['code'] === 'NOT_FOUND')) {
        dispatch({ type: 'chatGone', chatId });
      }
    })().finally(() => fetchingChats.delete(chatId));
    fetchingChats.set(chatId, task);
    return task;
  }

  /** After adding or removing members: the chat as the server answered, and its members again. */
  async function membersChanged(
    chatId: string,
    chat: Chat | undefined,
    error: CombinedError | undefined,
  ): Promise<Outcome> {
    if (!chat) return failure(error);
    dispatch({ type: 'chatsLoaded', chats: [chat] });
    await loadMembers(chatId);
    return { ok: true, value: undefined };
  }

  function historyLoaded(chatId: string, page: MessagesQueryResult['messages']) {
    dispatch({
      type: 'historyLoaded',
      chatId,
      messages: page.edges.map((edge) => edge.node),
      hasOlder: page.pageInfo.hasPreviousPage,
      olderCursor: page.pageInfo.startCursor ?? null,
    });
  }

  async function loadMembers(chatId: string): Promise<void> {
    const result = await api.query(MembersQuery, { id: chatId }).toPromise();
    if (result.data?.chat) dispatch({ type: 'membersLoaded', chatId, members: result.data.chat.members });
  }

  function onEvent(event: ChatEvent) {
    const before = store.get();
    dispatch({ type: 'event', event, now: Date.now() });
    const after = store.get();
    switch (event.__typename) {
      case 'MessageCreated':
      case 'MessageEdited':
      case 'MessageDeleted':
      case 'ChatUpdated':
        if (after.orphans[event.chatId]) void fetchChat(event.chatId);
        // A deleted message no longer counts as unread, and only the server knows if it did.
        if (
          event.__typename === 'MessageDeleted' &&
          event.message.sender.id !== before.me?.id &&
          (after.chats[event.chatId]?.unreadCount ?? 0) > 0
        ) {
          void fetchChat(event.chatId);
        }
        if (event.__typename === 'ChatUpdated') {
          if (!event.chat) void fetchChat(event.chatId);
          if (after.panes[event.chatId]?.loaded && !after.panes[event.chatId]?.members) void loadMembers(event.chatId);
        }
        break;
      case 'ReadReceipt': {
        // Our own marker moved on another device, but not to the end: ask for the new count.
        const chat = after.chats[event.chatId];
        if (event.user.id === before.me?.id && chat && event.lastReadSeq < chat.lastSeq) void fetchChat(event.chatId);
        break;
      }
    }
  }

  function enqueue(chatId: string, clientMessageId: string): Promise<void> {
    const queued = (sendQueues.get(chatId) ?? Promise.resolve()).then(() => deliver(chatId, clientMessageId));
    sendQueues.set(chatId, queued);
    void queued.finally(() => {
      if (sendQueues.get(chatId) === queued) sendQueues.delete(chatId);
    });
    return queued;
  }

  async function deliver(chatId: string, clientMessageId: string) {
    if (sending.has(clientMessageId)) return;
    sending.add(clientMessageId);
    try {
      const giveUpAt = Date.now() + SEND_PATIENCE_MS;
      for (let attempt = 1; ; attempt++) {
        const pending = store.get().panes[chatId]?.pending.find((p) => p.clientMessageId === clientMessageId);
        if (!pending) return; // confirmed by its event meanwhile, or discarded
        // The same clientMessageId on every attempt: the server returns the first message if one
        // of the earlier attempts got through, so a flaky network never doubles it.
        const result = await api
          .mutation(SendMessageMutation, {
            input: { chatId, body: pending.body, clientMessageId, replyToId: pending.replyTo?.id ?? null },
          })
          .toPromise();
        if (result.data) {
          dispatch({ type: 'messageSaved', message: result.data.sendMessage });
          return;
        }
        // Refused as unauthenticated while still signed in: the token expired during an outage
        // and could not be refreshed yet; the next attempt refreshes it first.
        const retriable =
          isTransient(result.error) || (!!session.current() && !!result.error && isUnauthenticated(result.error));
        if (!retriable || Date.now() >= giveUpAt) {
          dispatch({ type: 'pendingFailed', chatId, clientMessageId, error: friendlyError(result.error).message });
          return;
        }
        await Promise.race([sleep(Math.min(8_000, 500 * 2 ** attempt)), woken]);
      }
    } finally {
      sending.delete(clientMessageId);
    }
  }

  const messenger: Messenger = {
    store,
    drafts: new Map(),
    async start(me) {
      dispatch({ type: 'signedIn', me });
      userId = me.id;
      // Messages left unsent by an earlier visit show as pending at once, and go out again.
      const unsent = readOutbox(me.id);
      for (const { chatId, pending } of unsent)
        dispatch({ type: 'pendingAdded', chatId, pending: { ...pending, state: 'sending', error: null } });
      stopOutbox = keepOutbox(store, me.id);
      for (const { chatId, pending } of unsent) void enqueue(chatId, pending.clientMessageId);
      // Chats first, so the subscription resumes each from the seq its summary shows.
      await loadChats({ reconcile: false }).catch(() => undefined);
      // Signed out while the chats were loading (a refused refresh): nothing more to start.
      if (stopped) return;
      realtime = startRealtime({
        url: wsUrl,
        session,
        cursors: () => resumeCursors(store.get()),
        onEvent,
        onStatus,
        onReconnected: () => void loadChats({ reconcile: true }).catch(() => undefined),
      });
    },
    stop() {
      stopped = true;
      realtime?.stop();
      realtime = null;
      stopOutbox();
      if (userId) clearOutbox(userId);
      dispatch({ type: 'signedOut' });
    },
    hasMoreChats: () => nextChatsPage !== null,
    async loadMoreChats() {
      if (!nextChatsPage) return;
      const result = await api.query(ChatsQuery, { after: nextChatsPage }).toPromise();
      const page = result.data?.chats;
      if (!page) return;
      nextChatsPage = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null;
      dispatch({ type: 'chatsLoaded', chats: page.edges.map((edge) => edge.node) });
    },
    async openChat(chatId) {
      const pane = store.get().panes[chatId];
      if (!store.get().chats[chatId]) await fetchChat(chatId);
      if (!store.get().chats[chatId]) return { ok: false, error: 'That chat is not available.', field: null };
      void loadMembers(chatId);
      if (pane?.loaded) return { ok: true, value: undefined };
      dispatch({ type: 'historyRequested', chatId });
      const result = await api.query(MessagesQuery, { chatId }).toPromise();
      const page = result.data?.messages;
      if (!page) {
        // Loaded again when the connection is back (onStatus).
        historyFailed.add(chatId);
        return failure(result.error);
      }
      historyFailed.delete(chatId);
      historyLoaded(chatId, page);
      return { ok: true, value: undefined };
    },
    async loadOlder(chatId) {
      const pane = store.get().panes[chatId];
      if (!pane?.hasOlder || !pane.olderCursor) return;
      const result = await api.query(MessagesQuery, { chatId, before: pane.olderCursor }).toPromise();
      const page = result.data?.messages;
      if (page) historyLoaded(chatId, page);
    },
    loadMembers,
    async send(chatId, body, replyTo) {
      const clientMessageId = newClientMessageId();
      dispatch({
        type: 'pendingAdded',
        chatId,
        pending: { clientMessageId, body, replyTo, createdAt: new Date().toISOString(), state: 'sending', error: null },
      });
      typingSent.delete(chatId);
      await enqueue(chatId, clientMessageId);
    },
    async retry(chatId, clientMessageId) {
      dispatch({ type: 'pendingRetried', chatId, clientMessageId });
      await enqueue(chatId, clientMessageId);
    },
    discard: (chatId, clientMessageId) => dispatch({ type: 'pendingDropped', chatId, clientMessageId }),
    async edit(messageId, body) {
      const result = await api.mutation(EditMessageMutation, { id: messageId, body }).toPromise();
      if (!result.data) return failure(result.error);
      dispatch({ type: 'messageSaved', message: result.data.editMessage });
      return { ok: true, value: undefined };
    },
    async remove(messageId) {
      const result = await api.mutation(DeleteMessageMutation, { id: messageId }).toPromise();
      if (!result.data) return failure(result.error);
      dispatch({ type: 'messageSaved', message: result.data.deleteMessage });
      return { ok: true, value: undefined };
    },
    markRead(chatId, seq) {
      const chat = store.get().chats[chatId];
      const meId = store.get().me?.id;
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
          if (marked.lastSeq !== store.get().chats[chatId]?.lastSeq) void fetchChat(chatId);
        });
    },
    typing(chatId, typing) {
      const last = typingSent.get(chatId);
      const now = Date.now();
      if (typing && last !== undefined && now - last < TYPING_REFRESH_MS) return;
      if (!typing && last === undefined) return;
      if (typing) typingSent.set(chatId, now);
      else typingSent.delete(chatId);
      void api.mutation(SetTypingMutation, { chatId, typing }).toPromise();
    },
    async createDirectChat(userId) {
      const result = await api.mutation(CreateDirectChatMutation, { userId }).toPromise();
      const chat = result.data?.createDirectChat;
      if (!chat) return failure(result.error);
      dispatch({ type: 'chatsLoaded', chats: [chat] });
      return { ok: true, value: chat.id };
    },
    async createGroupChat(title, memberIds) {
      const result = await api.mutation(CreateGroupChatMutation, { input: { title, memberIds } }).toPromise();
      const chat = result.data?.createGroupChat;
      if (!chat) return failure(result.error);
      dispatch({ type: 'chatsLoaded', chats: [chat] });
      return { ok: true, value: chat.id };
    },
    async addMembers(chatId, userIds) {
      const result = await api.mutation(AddChatMembersMutation, { chatId, userIds }).toPromise();
      return membersChanged(chatId, result.data?.addChatMembers, result.error);
    },
    async removeMember(chatId, userId) {
      const result = await api.mutation(RemoveChatMemberMutation, { chatId, userId }).toPromise();
      return membersChanged(chatId, result.data?.removeChatMember, result.error);
    },
    async leave(chatId) {
      const result = await api.mutation(LeaveChatMutation, { chatId }).toPromise();
      if (!result.data) return failure(result.error);
      dispatch({ type: 'chatGone', chatId });
      dispatch({ type: 'closedSeen' });
      return { ok: true, value: undefined };
    },
  };
  return messenger;
}
