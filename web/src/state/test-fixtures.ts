// Fixtures for the reducer's tests (web/src/state/*.test.ts): a signed-in alice, chats, messages
// and events as the server sends them, and helpers that drive the reducer and read its state.
import type {
  ChatEventsSubscription,
  ChatFieldsFragment,
  MemberFieldsFragment,
  MessageFieldsFragment,
  UserFieldsFragment,
} from '../graphql/graphql';
import { initialState, type PendingMessage, type State } from './model';
import { reduce, type Action } from './reducer';

type ChatEvent = ChatEventsSubscription['chatEvents'];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** A fixed timestamp `n` seconds after a base instant, so ordering by time is predictable. */
export const at = (n: number): string => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + n * 1000).toISOString();

export function user(id: string, displayName: string | null = id.toUpperCase()): UserFieldsFragment {
  return {
    id,
    username: id,
    profile: displayName === null ? null : { displayName, bio: '', avatarUrl: null },
  };
}

export const alice = user('alice', 'Alice'); // the signed-in user
export const bob = user('bob', 'Bob');
export const carol = user('carol', 'Carol');

export function member(u: UserFieldsFragment, lastReadSeq = 0, role: MemberFieldsFragment['role'] = 'MEMBER') {
  return { role, joinedAt: at(0), lastReadSeq, user: u } satisfies MemberFieldsFragment;
}

export function message(
  chatId: string,
  seq: number,
  sender: UserFieldsFragment,
  overrides: Partial<MessageFieldsFragment> = {},
): MessageFieldsFragment {
  return {
    id: `${chatId}:m${seq}`,
    chatId,
    seq,
    body: `message ${seq}`,
    clientMessageId: `${sender.id}-cm${seq}`,
    createdAt: at(seq),
    editedAt: null,
    deletedAt: null,
    sender,
    replyTo: null,
    ...overrides,
  };
}

/** The quote form of a message (as `replyTo` of another one). */
export function quote(m: MessageFieldsFragment): NonNullable<MessageFieldsFragment['replyTo']> {
  return { id: m.id, seq: m.seq, body: m.body, deletedAt: m.deletedAt, sender: m.sender };
}

export function chat(id: string, overrides: Partial<ChatFieldsFragment> = {}): ChatFieldsFragment {
  return {
    id,
    kind: 'DIRECT',
    title: null,
    memberCount: 2,
    lastSeq: 0,
    unreadCount: 0,
    createdAt: at(0),
    updatedAt: at(0),
    lastMessage: null,
    members: [member(alice), member(bob)],
    ...overrides,
  };
}

export const created = (m: MessageFieldsFragment): ChatEvent => ({
  __typename: 'MessageCreated',
  chatId: m.chatId,
  seq: m.seq,
  message: m,
});
export const edited = (seq: number, m: MessageFieldsFragment): ChatEvent => ({
  __typename: 'MessageEdited',
  chatId: m.chatId,
  seq,
  message: m,
});
export const deleted = (seq: number, m: MessageFieldsFragment): ChatEvent => ({
  __typename: 'MessageDeleted',
  chatId: m.chatId,
  seq,
  message: m,
});
export const chatUpdated = (chatId: string, seq: number, c: ChatFieldsFragment | null): ChatEvent => ({
  __typename: 'ChatUpdated',
  chatId,
  seq,
  chat: c,
});
export const removedFromChat = (chatId: string, seq: number): ChatEvent => ({
  __typename: 'RemovedFromChat',
  chatId,
  seq,
});
export const readReceipt = (chatId: string, userId: string, lastReadSeq: number): ChatEvent => ({
  __typename: 'ReadReceipt',
  chatId,
  lastReadSeq,
  user: { id: userId },
});
export const typingEvent = (chatId: string, u: UserFieldsFragment, typing: boolean): ChatEvent => ({
  __typename: 'TypingIndicator',
  chatId,
  typing,
  user: u,
});
export const userUpdatedEvent = (u: UserFieldsFragment): ChatEvent => ({ __typename: 'UserUpdated', user: u });

export function pending(clientMessageId: string, body = 'hello'): PendingMessage {
  return { clientMessageId, body, replyTo: null, createdAt: at(100), state: 'sending', error: null };
}

// ---------------------------------------------------------------------------------------------
// Driving the reducer
// ---------------------------------------------------------------------------------------------

export const ev = (event: ChatEvent, now = 0): Action => ({ type: 'event', event, now });
export const loaded = (chats: ChatFieldsFragment[], remove?: string[]): Action =>
  remove ? { type: 'chatsLoaded', chats, remove } : { type: 'chatsLoaded', chats };
export const history = (
  chatId: string,
  messages: MessageFieldsFragment[],
  hasOlder = false,
  olderCursor: string | null = messages[0] ? `cursor-${messages[0].seq}` : null,
): Action => ({ type: 'historyLoaded', chatId, messages, hasOlder, olderCursor });

export function run(state: State, ...actions: Action[]): State {
  return actions.reduce(reduce, state);
}

/** Signed in as alice, with the given chats loaded by query. */
export function start(...chats: ChatFieldsFragment[]): State {
  return run(initialState, { type: 'signedIn', me: alice }, loaded(chats));
}

export const seqs = (state: State, chatId: string): number[] => (state.panes[chatId]?.messages ?? []).map((m) => m.seq);
export const ids = (state: State, chatId: string): string[] => (state.panes[chatId]?.messages ?? []).map((m) => m.id);

// A direct chat with bob: messages 1..5 from bob, all read by alice.
export const m = (seq: number, sender = bob, overrides: Partial<MessageFieldsFragment> = {}) =>
  message('c1', seq, sender, overrides);
export const c1At5 = (overrides: Partial<ChatFieldsFragment> = {}) =>
  chat('c1', {
    lastSeq: 5,
    lastMessage: m(5),
    updatedAt: at(5),
    members: [member(alice, 5), member(bob, 5)],
    ...overrides,
  });
export const historyTo5 = history('c1', [m(1), m(2), m(3), m(4), m(5)]);
