// The client's view of the user's chats, kept by one pure reducer so the merge rules can be
// tested without a browser. Two numbers per chat keep every event shown exactly once:
//  - `cursors[chatId]`: the last seq applied from the event stream; the stream resumes after it,
//    and an event at or below it is a replay of something already applied and is dropped;
//  - `chat.lastSeq`: the seq the chat's summary (last message, unread count) reflects. A query
//    answered later than an event may already include it, so events only move the summary forward.
// Messages are upserted by id, so a message that came by query and again by event shows once,
// and of two versions of a message the later one wins (deleted > edited later > edited earlier),
// whichever arrived last: a history page answered before an edit cannot undo it.
import type {
  ChatEventsSubscription,
  ChatFieldsFragment,
  MemberFieldsFragment,
  MessageFieldsFragment,
  UserFieldsFragment,
} from '../graphql/graphql';

export type Chat = ChatFieldsFragment;
export type Message = MessageFieldsFragment;
export type Member = MemberFieldsFragment;
export type User = UserFieldsFragment;
export type ChatEvent = ChatEventsSubscription['chatEvents'];
export type LoggedEvent = Extract<ChatEvent, { seq: number }>;

export interface PendingMessage {
  clientMessageId: string;
  body: string;
  replyTo: Message | null;
  createdAt: string;
  /** `sending` while the mutation (or its retries) runs; `failed` shows a Retry button. */
  state: 'sending' | 'failed';
  error: string | null;
}

export interface Pane {
  /** Loaded history, ascending by seq, each message once. */
  messages: Message[];
  loaded: boolean;
  hasOlder: boolean;
  /** Cursor of the oldest loaded message, for the next `messages(before:)` page. */
  olderCursor: string | null;
  /** Every member with their read marker, once loaded; null means (re)load it. */
  members: Member[] | null;
  /** Edited or deleted versions of messages not loaded yet, for the pages that bring them. */
  revisions: Record<string, Message>;
  pending: PendingMessage[];
}

export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting';

export interface State {
  me: User | null;
  chats: Record<string, Chat>;
  cursors: Record<string, number>;
  panes: Record<string, Pane>;
  /** Who is typing, per chat: user id → until (epoch ms). */
  typing: Record<string, Record<string, number>>;
  /** The newest known version of every user seen, so a profile change shows everywhere. */
  users: Record<string, User>;
  /** Logged events of chats not loaded yet, applied once their chat is. */
  orphans: Record<string, LoggedEvent[]>;
  status: ConnectionStatus;
  /** Set when an open chat went away (removed, left) and the UI should say why. */
  closed: { chatId: string; title: string } | null;
}

export const initialState: State = {
  me: null,
  chats: {},
  cursors: {},
  panes: {},
  typing: {},
  users: {},
  orphans: {},
  status: 'connecting',
  closed: null,
};

/** How long a typing indicator lasts without a refresh (the server says `false` after 5 s). */
export const TYPING_SHOWN_MS = 6_000;

export type Action =
  | { type: 'signedIn'; me: User }
  | { type: 'signedOut' }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'chatsLoaded'; chats: Chat[]; remove?: string[] }
  | { type: 'chatGone'; chatId: string }
  | { type: 'event'; event: ChatEvent; now: number }
  | { type: 'historyRequested'; chatId: string }
  | { type: 'historyLoaded'; chatId: string; messages: Message[]; hasOlder: boolean; olderCursor: string | null }
  | { type: 'messageSaved'; message: Message }
  | { type: 'membersLoaded'; chatId: string; members: Member[] }
  | { type: 'readMarked'; chatId: string; lastSeq: number; unreadCount: number; readSeq: number }
  | { type: 'pendingAdded'; chatId: string; pending: PendingMessage }
  | { type: 'pendingFailed'; chatId: string; clientMessageId: string; error: string }
  | { type: 'pendingRetried'; chatId: string; clientMessageId: string }
  | { type: 'pendingDropped'; chatId: string; clientMessageId: string }
  | { type: 'typingExpired'; now: number }
  | { type: 'closedSeen' }
  | { type: 'userUpdated'; user: User };

const emptyPane: Pane = {
  messages: [],
  loaded: false,
  hasOlder: false,
  olderCursor: null,
  members: null,
  pending: [],
  revisions: {},
};

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** How far a message's life has gone: created, edited (later is further), deleted. */
const versionOf = (m: Message) => (m.deletedAt ? Number.POSITIVE_INFINITY : m.editedAt ? Date.parse(m.editedAt) : 0);

/** The later of two versions of one message; on a tie the incoming one. */
export const newerVersion = (known: Message, incoming: Message) =>
  versionOf(incoming) >= versionOf(known) ? incoming : known;

/** Inserts `message` by id, keeping ascending seq order; a known message keeps its newest version. */
export function upsertMessage(messages: Message[], message: Message): Message[] {
  const at = messages.findIndex((m) => m.id === message.id);
  if (at >= 0) {
    const kept = newerVersion(messages[at]!, message);
    return kept === messages[at] ? messages : messages.map((m, i) => (i === at ? kept : m));
  }
  let index = messages.length;
  while (index > 0 && messages[index - 1]!.seq > message.seq) index--;
  return [...messages.slice(0, index), message, ...messages.slice(index)];
}

/** Moves one member's read marker up to `seq` (never down). */
const raiseMarker =
  (userId: string | undefined, seq: number) =>
  (m: Member): Member =>
    m.user.id === userId && m.lastReadSeq < seq ? { ...m, lastReadSeq: seq } : m;

function rememberUsers(users: Record<string, User>, found: (User | null | undefined)[]): Record<string, User> {
  let next = users;
  for (const user of found) {
    if (!user || next[user.id] === user) continue;
    // A profile that could not be loaded (null) does not overwrite a known one.
    if (!user.profile && next[user.id]?.profile) continue;
    if (next === users) next = { ...users };
    next[user.id] = user;
  }
  return next;
}

const usersOfChat = (chat: Chat): User[] =>
  [...chat.members.map((m) => m.user), chat.lastMessage?.sender, chat.lastMessage?.replyTo?.sender].filter(
    (u): u is User => Boolean(u),
  );

const usersOfMessage = (message: Message): User[] =>
  [message.sender, message.replyTo?.sender].filter((u): u is User => Boolean(u));

/** A chat from a query replaces the summary unless the summary already reflects later events. */
function mergeChat(known: Chat | undefined, incoming: Chat): Chat {
  return !known || incoming.lastSeq >= known.lastSeq ? incoming : known;
}

/** The state with `chat` in place of its earlier summary. */
const putChat = (state: State, chat: Chat): State => ({ ...state, chats: { ...state.chats, [chat.id]: chat } });

function updatePane(state: State, chatId: string, update: (pane: Pane) => Pane): State {
  const pane = state.panes[chatId];
  if (!pane) return state;
  return { ...state, panes: { ...state.panes, [chatId]: update(pane) } };
}

function setChat(state: State, chat: Chat): State {
  const chats = { ...state.chats, [chat.id]: chat };
  const cursors = chat.id in state.cursors ? state.cursors : { ...state.cursors, [chat.id]: chat.lastSeq };
  let next: State = { ...state, chats, cursors, users: rememberUsers(state.users, usersOfChat(chat)) };
  // Events that arrived before the chat was loaded: those past what the query saw still apply.
  const orphans = state.orphans[chat.id];
  if (orphans) {
    next = { ...next, orphans: without(next.orphans, chat.id) };
    for (const event of orphans) next = applyLogged(next, event);
  }
  return next;
}

function removeChat(state: State, chatId: string): State {
  const known = state.chats[chatId];
  return {
    ...state,
    chats: without(state.chats, chatId),
    cursors: without(state.cursors, chatId),
    panes: without(state.panes, chatId),
    typing: without(state.typing, chatId),
    orphans: without(state.orphans, chatId),
    closed:
      known && state.panes[chatId] ? { chatId, title: chatTitle(known, state.me?.id, state.users) } : state.closed,
  };
}

/** Applies an event of a chat's log once: replays at or below the cursor are dropped. */
function applyLogged(state: State, event: LoggedEvent): State {
  const { chatId, seq } = event;
  const chat = state.chats[chatId];
  if (!chat) {
    if (event.__typename === 'RemovedFromChat') return state;
    // Added to a chat: the event carries it, as it is now.
    if (event.__typename === 'ChatUpdated' && event.chat) return setChat(state, event.chat);
    // Not loaded yet (a chat joined meanwhile, or beyond the first page): kept until it is.
    const kept = state.orphans[chatId] ?? [];
    return { ...state, orphans: { ...state.orphans, [chatId]: [...kept, event] } };
  }
  const cursor = state.cursors[chatId] ?? -1;
  if (seq <= cursor) return state;
  let next: State = { ...state, cursors: { ...state.cursors, [chatId]: seq } };
  const fresh = seq > chat.lastSeq; // the summary does not reflect this event yet
  switch (event.__typename) {
    case 'MessageCreated': {
      const { message } = event;
      const mine = message.sender.id === state.me?.id;
      if (fresh) {
        next = putChat(next, {
          ...chat,
          lastSeq: seq,
          lastMessage: message,
          updatedAt: message.createdAt,
          // Sending moves the sender's own marker to the message.
          unreadCount: mine ? 0 : chat.unreadCount + 1,
          members: mine ? chat.members.map(raiseMarker(message.sender.id, seq)) : chat.members,
        });
      }
      // A pane still loading its first page keeps the message too; the page merges into it.
      next = updatePane(next, chatId, (pane) => ({
        ...pane,
        messages: upsertMessage(pane.messages, message),
        pending: mine ? pane.pending.filter((p) => p.clientMessageId !== message.clientMessageId) : pane.pending,
        members: mine ? (pane.members?.map(raiseMarker(message.sender.id, seq)) ?? null) : pane.members,
      }));
      // A message ends its sender's typing.
      const typing = next.typing[chatId];
      if (typing?.[message.sender.id]) {
        next = { ...next, typing: { ...next.typing, [chatId]: without(typing, message.sender.id) } };
      }
      return { ...next, users: rememberUsers(next.users, usersOfMessage(message)) };
    }
    case 'MessageEdited':
    case 'MessageDeleted': {
      const { message } = event;
      next = putChat(next, {
        ...chat,
        lastSeq: Math.max(chat.lastSeq, seq),
        lastMessage: chat.lastMessage?.id === message.id ? message : chat.lastMessage,
      });
      return updatePane(next, chatId, (pane) => {
        const known = pane.messages.some((m) => m.id === message.id);
        const newest = pane.messages[pane.messages.length - 1];
        if (!known && (!pane.loaded || !newest || message.seq < newest.seq)) {
          // Not shown yet (older than the window, or the first page is still on its way): kept for
          // the page that will bring it.
          return { ...pane, revisions: { ...pane.revisions, [message.id]: message } };
        }
        const messages = upsertMessage(pane.messages, message).map((m) =>
          m.replyTo?.id === message.id
            ? { ...m, replyTo: { ...m.replyTo, body: message.body, deletedAt: message.deletedAt } }
            : m,
        );
        return { ...pane, messages };
      });
    }
    case 'ChatUpdated': {
      if (event.chat && (fresh || event.chat.lastSeq >= chat.lastSeq)) next = setChat(next, event.chat);
      else if (fresh) next = putChat(next, { ...chat, lastSeq: seq });
      // Members or roles changed: the open pane loads them again.
      return updatePane(next, chatId, (pane) => ({ ...pane, members: null }));
    }
    case 'RemovedFromChat':
      return removeChat(next, chatId);
  }
}

function applyEvent(state: State, event: ChatEvent, now: number): State {
  switch (event.__typename) {
    case 'MessageCreated':
    case 'MessageEdited':
    case 'MessageDeleted':
    case 'ChatUpdated':
    case 'RemovedFromChat':
      return applyLogged(state, event);
    case 'ReadReceipt': {
      const { chatId, lastReadSeq } = event;
      const userId = event.user.id;
      const raise = raiseMarker(userId, lastReadSeq);
      let next = state;
      const chat = state.chats[chatId];
      if (chat) {
        const mineAndAllRead = userId === state.me?.id && lastReadSeq >= chat.lastSeq;
        next = putChat(next, {
          ...chat,
          members: chat.members.map(raise),
          unreadCount: mineAndAllRead ? 0 : chat.unreadCount,
        });
      }
      return updatePane(next, chatId, (pane) => ({ ...pane, members: pane.members?.map(raise) ?? null }));
    }
    case 'TypingIndicator': {
      const { chatId, user, typing } = event;
      const current = state.typing[chatId] ?? {};
      const updated = typing ? { ...current, [user.id]: now + TYPING_SHOWN_MS } : without(current, user.id);
      return {
        ...state,
        typing: { ...state.typing, [chatId]: updated },
        users: rememberUsers(state.users, [user]),
      };
    }
    case 'UserUpdated':
      return reduce(state, { type: 'userUpdated', user: event.user });
  }
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'signedIn':
      return { ...initialState, me: action.me, users: { [action.me.id]: action.me } };
    case 'signedOut':
      return initialState;
    case 'status':
      return state.status === action.status ? state : { ...state, status: action.status };
    case 'chatsLoaded': {
      let next = state;
      for (const chat of action.chats) next = setChat(next, mergeChat(next.chats[chat.id], chat));
      for (const chatId of action.remove ?? []) next = removeChat(next, chatId);
      return next;
    }
    case 'chatGone':
      return removeChat(state, action.chatId);
    case 'event':
      return applyEvent(state, action.event, action.now);
    case 'historyRequested':
      if (state.panes[action.chatId]) return state;
      return { ...state, panes: { ...state.panes, [action.chatId]: emptyPane } };
    case 'historyLoaded': {
      // A page of messages older than (or, the first time, around) what the pane holds: merged
      // with what events brought meanwhile, each message in its newest known version.
      const pane = state.panes[action.chatId] ?? emptyPane;
      let messages = pane.messages;
      for (const message of action.messages) {
        const revision = pane.revisions[message.id];
        messages = upsertMessage(messages, revision ? newerVersion(message, revision) : message);
      }
      const users = rememberUsers(state.users, action.messages.flatMap(usersOfMessage));

      return {
        ...state,
        users,
        panes: {
          ...state.panes,
          [action.chatId]: {
            ...pane,
            messages,
            loaded: true,
            // Pages come newest first, each older than the last: the latest says what remains.
            hasOlder: action.hasOlder,
            olderCursor: action.olderCursor,
          },
        },
      };
    }
    case 'messageSaved': {
      const { message } = action;
      const chat = state.chats[message.chatId];
      let next = state;
      if (chat && message.seq > chat.lastSeq && message.sender.id === state.me?.id) {
        // Our own message: it is the newest we know, and the server moved our marker to it.
        next = putChat(next, {
          ...chat,
          lastSeq: message.seq,
          lastMessage: message,
          updatedAt: message.createdAt,
          unreadCount: 0,
        });
      } else if (chat?.lastMessage?.id === message.id) {
        next = putChat(next, { ...chat, lastMessage: message });
      }
      return updatePane(next, message.chatId, (pane) => ({
        ...pane,
        messages: upsertMessage(pane.messages, message),
        pending: pane.pending.filter((p) => p.clientMessageId !== message.clientMessageId),
      }));
    }
    case 'membersLoaded': {
      const pane = state.panes[action.chatId] ?? emptyPane;
      return {
        ...state,
        users: rememberUsers(
          state.users,
          action.members.map((m) => m.user),
        ),
        panes: { ...state.panes, [action.chatId]: { ...pane, members: action.members } },
      };
    }
    case 'readMarked': {
      const chat = state.chats[action.chatId];
      if (!chat) return state;
      const meId = state.me?.id;
      const raise = raiseMarker(meId, action.readSeq);
      // An answer ahead of the summary counts messages whose events are still on their way (they
      // would be counted twice); the summary is then loaded again (messenger.ts).
      const next = putChat(state, {
        ...chat,
        members: chat.members.map(raise),
        unreadCount: action.lastSeq === chat.lastSeq ? action.unreadCount : chat.unreadCount,
      });
      return updatePane(next, chat.id, (pane) => ({ ...pane, members: pane.members?.map(raise) ?? null }));
    }
    case 'pendingAdded': {
      const pane = state.panes[action.chatId] ?? emptyPane;
      return {
        ...state,
        panes: { ...state.panes, [action.chatId]: { ...pane, pending: [...pane.pending, action.pending] } },
      };
    }
    case 'pendingFailed':
    case 'pendingRetried':
      return updatePane(state, action.chatId, (pane) => ({
        ...pane,
        pending: pane.pending.map((p) =>
          p.clientMessageId !== action.clientMessageId
            ? p
            : action.type === 'pendingFailed'
              ? { ...p, state: 'failed', error: action.error }
              : { ...p, state: 'sending', error: null },
        ),
      }));
    case 'pendingDropped':
      return updatePane(state, action.chatId, (pane) => ({
        ...pane,
        pending: pane.pending.filter((p) => p.clientMessageId !== action.clientMessageId),
      }));
    case 'typingExpired': {
      let changed = false;
      const typing: State['typing'] = {};
      for (const [chatId, users] of Object.entries(state.typing)) {
        const live = Object.fromEntries(Object.entries(users).filter(([, until]) => until > action.now));
        if (Object.keys(live).length !== Object.keys(users).length) changed = true;
        typing[chatId] = live;
      }
      return changed ? { ...state, typing } : state;
    }
    case 'closedSeen':
      return { ...state, closed: null };
    case 'userUpdated': {
      const me = state.me?.id === action.user.id ? { ...state.me, ...action.user } : state.me;
      return { ...state, me, users: { ...state.users, [action.user.id]: action.user } };
    }
  }
}

/** The newest known name of a user. */
export function nameOf(user: User, users: Record<string, User>): string {
  const known = users[user.id] ?? user;
  return known.profile?.displayName || known.username;
}

/** A group's title, or the other member's name for a direct chat. */
export function chatTitle(chat: Chat, meId: string | undefined, users: Record<string, User>): string {
  if (chat.kind === 'GROUP') return chat.title ?? 'Group';
  const other = chat.members.find((m) => m.user.id !== meId)?.user;
  return other ? nameOf(other, users) : 'Direct chat';
}

/** Chats by last activity, newest first. */
export function chatsByActivity(chats: Record<string, Chat>): Chat[] {
  const activity = (chat: Chat) => {
    const last = chat.lastMessage?.createdAt ?? '';
    return last > chat.updatedAt ? last : chat.updatedAt;
  };
  return Object.values(chats).sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
}

/** Resume cursors for every chat the client knows. */
export function resumeCursors(state: State): { chatId: string; afterSeq: number }[] {
  return Object.entries(state.cursors).map(([chatId, afterSeq]) => ({ chatId, afterSeq }));
}
