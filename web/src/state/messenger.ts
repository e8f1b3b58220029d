// The signed-in client: the store, the API calls that feed it, and the live connection. UI
// components read the store and call these methods; nothing else talks to the server. This file
// wires the parts together and starts and stops them; each part lives in its own file.
import type { Client } from '@urql/core';
import { DeleteMessageMutation, EditMessageMutation } from '../api/operations';
import type { SessionManager } from '../auth/session';
import { startRealtime, type Realtime } from '../realtime/connection';
import { resumeCursors } from './chat-log';
import { createChatLoader } from './chat-loader';
import { createEventHandler } from './event-follow-ups';
import { createHistoryLoader } from './history-loader';
import { createMarkRead } from './mark-read';
import { createMembership, type Membership } from './membership';
import type { Message, State, User } from './model';
import { clearOutbox, keepOutbox, readOutbox } from './outbox';
import { failure, type Outcome } from './outcome';
import { createSendQueue } from './send-queue';
import { createStore, type Store } from './store';
import { createTypingSignal } from './typing-signal';

export interface Messenger extends Membership {
  store: Store;
  /** Unsent text per chat, kept while the user looks at other chats (and forgotten on sign-out). */
  drafts: Map<string, string>;
  start(me: User): Promise<void>;
  stop(): void;
  loadMoreChats(): Promise<void>;
  hasMoreChats(): boolean;
  openChat(chatId: string): Promise<Outcome>;
  loadOlder(chatId: string): Promise<void>;
  send(chatId: string, body: string, replyTo: Message | null): Promise<void>;
  retry(chatId: string, clientMessageId: string): Promise<void>;
  discard(chatId: string, clientMessageId: string): void;
  edit(messageId: string, body: string): Promise<Outcome>;
  remove(messageId: string): Promise<Outcome>;
  markRead(chatId: string, seq: number): void;
  typing(chatId: string, typing: boolean): void;
}

export function createMessenger(api: Client, session: SessionManager, wsUrl: string): Messenger {
  const store = createStore();
  const { dispatch } = store;
  const chats = createChatLoader(api, store);
  const membership = createMembership(api, store);
  const history = createHistoryLoader(api, store, chats, membership.loadMembers);
  const outgoing = createSendQueue(api, store, session);
  const typingSignal = createTypingSignal(api);
  const onEvent = createEventHandler(store, chats, membership.loadMembers);
  let realtime: Realtime | null = null;
  let stopped = false;
  let userId: string | null = null;
  let stopOutbox: () => void = () => undefined;

  const onStatus = (status: State['status']) => {
    dispatch({ type: 'status', status });
    if (status !== 'online') return;
    outgoing.online();
    if (!chats.everLoaded()) void chats.load({ reconcile: false }).catch(() => undefined);
    history.retryFailed();
  };

  return {
    ...membership,
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
      for (const { chatId, pending } of unsent) void outgoing.enqueue(chatId, pending.clientMessageId);
      // Chats first, so the subscription resumes each from the seq its summary shows.
      await chats.load({ reconcile: false }).catch(() => undefined);
      // Signed out while the chats were loading (a refused refresh): nothing more to start.
      if (stopped) return;
      realtime = startRealtime({
        url: wsUrl,
        session,
        cursors: () => resumeCursors(store.get()),
        onEvent,
        onStatus,
        onReconnected: () => void chats.load({ reconcile: true }).catch(() => undefined),
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
    hasMoreChats: chats.hasMore,
    loadMoreChats: chats.loadMore,
    openChat: history.openChat,
    loadOlder: history.loadOlder,
    async send(chatId, body, replyTo) {
      const clientMessageId = outgoing.add(chatId, body, replyTo);
      typingSignal.messageSent(chatId);
      await outgoing.enqueue(chatId, clientMessageId);
    },
    async retry(chatId, clientMessageId) {
      dispatch({ type: 'pendingRetried', chatId, clientMessageId });
      await outgoing.enqueue(chatId, clientMessageId);
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
    markRead: createMarkRead(api, store, chats),
    typing: typingSignal.typing,
  };
}
