// The client's state: what it keeps of the user's chats, and the small updates every part of the
// reducer (reducer.ts) makes to it. Two numbers per chat keep every event shown exactly once:
//  - `cursors[chatId]`: the last seq applied from the event stream; the stream resumes after it,
//    and an event at or below it is a replay of something already applied and is dropped;
//  - `chat.lastSeq`: the seq the chat's summary (last message, unread count) reflects. A query
//    answered later than an event may already include it, so events only move the summary forward.
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

export const emptyPane: Pane = {
  messages: [],
  loaded: false,
  hasOlder: false,
  olderCursor: null,
  members: null,
  pending: [],
  revisions: {},
};

export function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/** The state with `chat` in place of its earlier summary. */
export const putChat = (state: State, chat: Chat): State => ({ ...state, chats: { ...state.chats, [chat.id]: chat } });

/** The state with the chat's pane updated; a chat without a pane (never opened) has none made. */
export function updatePane(state: State, chatId: string, update: (pane: Pane) => Pane): State {
  const pane = state.panes[chatId];
  if (!pane) return state;
  return { ...state, panes: { ...state.panes, [chatId]: update(pane) } };
}
