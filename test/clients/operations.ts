// The operations the normalised-cache tests (apollo.test.ts, urql.test.ts) send, as a client app
// would: each selects the key fields the cache updates read (docs/client-caches.md).
import { afterEach, beforeEach, expect, vi, type MockInstance } from 'vitest';
import { useStack } from '../support/stack.js';

const MESSAGE = 'id chatId seq body editedAt deletedAt sender { id username }';

const CHAT = `
  id kind title unreadCount
  lastMessage { ${MESSAGE} }
  members { chatId userId role lastReadSeq user { id username profile { id displayName } } }
`;

export const CHATS = `query Chats {
  chats(first: 20) {
    edges { cursor node { ${CHAT} } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** Answers the chat with what CHATS shows of it, so that it can join the cached list whole. */
export const CREATE_DIRECT = `mutation CreateDirect($userId: ID!) { createDirectChat(userId: $userId) { ${CHAT} } }`;

export const MEMBERS = `query Members($chatId: ID!, $first: Int, $after: String) {
  chat(id: $chatId) {
    id
    membersConnection(first: $first, after: $after) {
      edges { cursor node { chatId userId role user { id } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

export const HISTORY = `query History($chatId: ID!, $last: Int!, $before: String) {
  chat(id: $chatId) {
    id
    messages(last: $last, before: $before) {
      edges { cursor node { ${MESSAGE} } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

export const SESSIONS = `query Sessions { sessions { id current } }`;

export const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE} } }`;
export const EDIT = `mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { id body editedAt } }`;
export const DELETE = `mutation Delete($id: ID!) { deleteMessage(id: $id) { id body deletedAt } }`;
export const LEAVE = `mutation Leave($chatId: ID!) { leaveChat(chatId: $chatId) }`;
export const REVOKE = `mutation Revoke($id: ID!) { revokeSession(id: $id) }`;

/** chatEvents with the key fields the updates read and the fields the queries above show. */
export const EVENTS = (keys: string) => `subscription Events {
  chatEvents {
    ${keys}
    ... on MessageCreated { message { ${MESSAGE} } }
    ... on MessageEdited { message { ${MESSAGE} } }
    ... on MessageDeleted { message { ${MESSAGE} } }
  }
}`;

export interface Msg {
  id: string;
  chatId: string;
  seq: number;
  body: string;
  editedAt: string | null;
  deletedAt: string | null;
  sender: { id: string; username: string };
}
export interface ChatsData {
  chats: {
    edges: {
      cursor: string;
      node: {
        id: string;
        unreadCount: number;
        lastMessage: Msg | null;
        members: { chatId: string; userId: string; lastReadSeq: number }[];
      };
    }[];
  };
}
export interface HistoryData {
  chat: {
    id: string;
    messages: {
      edges: { cursor: string; node: Msg }[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null };
    };
  };
}
export interface MembersData {
  chat: {
    membersConnection: {
      edges: { node: { chatId: string; userId: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}
export interface SessionsData {
  sessions: { id: string; current: boolean }[];
}

type Stack = ReturnType<typeof useStack>;

/** A user registered over GraphQL (with a password, to sign in a second device). */
export async function account(stack: Stack, tag: string) {
  const name = `${tag}_${Math.random().toString(36).slice(2, 8)}`;
  const password = 'correct horse battery';
  const res = await stack.gql<{ register: { accessToken: string; user: { id: string } } }>(
    `mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }`,
    { input: { email: `${name}@example.com`, username: name, password } },
  );
  expect(res.errors).toBeUndefined();
  const login = async () => {
    const signedIn = await stack.gql<{ login: { accessToken: string } }>(
      `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`,
      { input: { email: `${name}@example.com`, password } },
    );
    return signedIn.data!.login.accessToken;
  };
  return { id: res.data!.register.user.id, username: name, token: res.data!.register.accessToken, login };
}

/** Calls as `token` over plain HTTP (another user's device), failing on any error. */
export async function call<T>(stack: Stack, token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await stack.gql<T>(query, variables, { token });
  expect(res.errors).toBeUndefined();
  return res.data!;
}

/** A direct chat between a and b and a group of a, b and c; returns their ids. */
export async function chatsOf(stack: Stack, a: { token: string }, b: { id: string }, c: { id: string }) {
  const direct = await call<{ createDirectChat: { id: string } }>(
    stack,
    a.token,
    `mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`,
    { u: b.id },
  );
  const group = await call<{ createGroupChat: { id: string } }>(
    stack,
    a.token,
    `mutation ($ids: [ID!]!) { createGroupChat(input: { title: "group", memberIds: $ids }) { id } }`,
    { ids: [b.id, c.id] },
  );
  return { direct: direct.createDirectChat.id, group: group.createGroupChat.id };
}

/** What the server answers now: the cache must show the same without asking it. */
export const serverChats = (stack: Stack, token: string) => call<ChatsData>(stack, token, CHATS);
export const serverHistory = (stack: Stack, token: string, chatId: string, last = 50) =>
  call<HistoryData>(stack, token, HISTORY, { chatId, last });

/** Data without `__typename` (the caches add it to every selection; plain requests do not ask). */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__typename')
      .map(([key, field]) => [key, plain(field)]),
  ) as T;
}

/** The parts of a chat list that a cache must get right (the cursors of moved edges aside). */
export const listView = (data: ChatsData | null | undefined) =>
  plain(
    data?.chats.edges.map(({ node }) => ({
      ...node,
      members: [...node.members].sort((x, y) => (x.userId < y.userId ? -1 : 1)),
    })),
  );
export const historyView = (data: HistoryData | null | undefined) =>
  plain(data?.chat.messages.edges.map((edge) => edge.node));

/**
 * A client test file's gateway (no rate limit: every test signs up users of its own from one
 * address); and the check that the documented cache configuration is complete: the cache warns
 * of nothing (missing keys, data lost on merge, fragments matched by guess).
 */
export function useClientStack(label: string): { stack: Stack } {
  const stack = useStack(label, { gateway: { RATE_LIMITS: 'off' } });
  let warn: MockInstance;
  beforeEach(() => void (warn = vi.spyOn(console, 'warn')));
  afterEach(() => {
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
  return { stack };
}
