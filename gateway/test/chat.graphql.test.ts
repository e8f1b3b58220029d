import { describe, expect, it } from 'vitest';
import { collect, useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';

const stack = useStack('gw_chat');

/** Waits until chat-service has `count` open Subscribe streams (registered, so nothing is missed). */
function streamsOpen(count: number, timeoutMs = 10_000) {
  return until(
    () => stack.chatService.app.subscribers() === count,
    () => `${count} streams (have ${stack.chatService.app.subscribers()})`,
    timeoutMs,
  );
}

const CHAT_FIELDS =
  'id kind title memberCount unreadCount lastSeq lastMessage { body } members { user { id username } role }';
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id seq body sender { id username } replyTo { id body } } }`;

type Account = Awaited<ReturnType<typeof stack.user>>;

/** The direct chat of `from` and `to`, opened by `from` over GraphQL: its id. */
async function directChat(from: Account, to: Account): Promise<string> {
  const res = await stack.gql<{ createDirectChat: { id: string } }>(
    `mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`,
    { u: to.id },
    { token: from.token },
  );
  return res.data!.createDirectChat.id;
}

interface Sent {
  sendMessage: { id: string; seq: number; body: string; sender: { id: string; username: string } };
}

describe('chats through GraphQL', () => {
  it('is ready when every service answers', async () => {
    const ready = await fetch(`http://127.0.0.1:${stack.gateway.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', services: { auth: true, chat: true, profiles: true } });
  });

  it('two users open one direct chat from both sides and see its members', async () => {
    const a = await stack.user('ga');
    const b = await stack.user('gb');
    const fromA = await stack.gql<{
      createDirectChat: { id: string; kind: string; members: { user: { id: string } }[] };
    }>(`mutation ($u: ID!) { createDirectChat(userId: $u) { ${CHAT_FIELDS} } }`, { u: b.id }, { token: a.token });
    expect(fromA.errors).toBeUndefined();
    expect(await directChat(b, a)).toBe(fromA.data?.createDirectChat.id);
    expect(fromA.data?.createDirectChat.kind).toBe('DIRECT');
    expect(fromA.data?.createDirectChat.members.map((m) => m.user.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('delivers a message live over chatEvents, with its sender', async () => {
    const a = await stack.user('la');
    const b = await stack.user('lb');
    const chatId = await directChat(a, b);
    const before = stack.chatService.app.subscribers();
    const sub = collect<{ chatEvents: Record<string, unknown> }>(
      stack.ws(b.token),
      `subscription { chatEvents {
        __typename
        ... on MessageCreated { chatId seq message { body sender { username } } }
        ... on ReadReceipt { chatId lastReadSeq user { id } }
      } }`,
    );
    await streamsOpen(before + 1);
    const sent = await stack.gql<Sent>(
      SEND,
      { input: { chatId, body: 'hello B', clientMessageId: 'm1' } },
      { token: a.token },
    );
    expect(sent.errors).toBeUndefined();
    const events = await sub.until(2);
    expect(events[0]?.chatEvents).toEqual({
      __typename: 'MessageCreated',
      chatId,
      seq: 1,
      message: { body: 'hello B', sender: { username: a.username } },
    });
    expect(events[1]?.chatEvents).toEqual({ __typename: 'ReadReceipt', chatId, lastReadSeq: 1, user: { id: a.id } });
    sub.dispose();
  });

  it('pages history by seq in both directions, ascending, with opaque cursors', async () => {
    const a = await stack.user('ha');
    const b = await stack.user('hb');
    const chatId = await directChat(a, b);
    for (let i = 1; i <= 7; i++) {
      await stack.gql(SEND, { input: { chatId, body: `m${i}`, clientMessageId: `h${i}` } }, { token: a.token });
    }
    type Page = {
      messages: {
        edges: { cursor: string; node: { body: string; seq: number } }[];
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
      };
    };
    const PAGE = `query ($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
      messages(chatId: $c, first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { body seq } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const newest = await stack.gql<Page>(PAGE, { c: chatId, last: 3 }, { token: b.token });
    expect(newest.data?.messages.edges.map((e) => e.node.body)).toEqual(['m5', 'm6', 'm7']);
    expect(newest.data?.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const older = await stack.gql<Page>(
      PAGE,
      { c: chatId, last: 3, before: newest.data!.messages.pageInfo.startCursor },
      { token: b.token },
    );
    expect(older.data?.messages.edges.map((e) => e.node.body)).toEqual(['m2', 'm3', 'm4']);
    const oldest = await stack.gql<Page>(
      PAGE,
      { c: chatId, last: 3, before: older.data!.messages.pageInfo.startCursor },
      { token: b.token },
    );
    expect(oldest.data?.messages.edges.map((e) => e.node.body)).toEqual(['m1']);
    expect(oldest.data?.messages.pageInfo.hasPreviousPage).toBe(false);
    const forward = await stack.gql<Page>(
      PAGE,
      { c: chatId, first: 4, after: oldest.data!.messages.pageInfo.endCursor },
      { token: b.token },
    );
    expect(forward.data?.messages.edges.map((e) => e.node.body)).toEqual(['m2', 'm3', 'm4', 'm5']);
    const bad = await stack.gql(PAGE, { c: chatId, first: 2, after: 'garbage' }, { token: b.token });
    expect(bad.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    const both = await stack.gql(PAGE, { c: chatId, first: 2, last: 2 }, { token: b.token });
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('counts unread messages and moves read markers forward only', async () => {
    const a = await stack.user('ua');
    const b = await stack.user('ub');
    const chatId = await directChat(a, b);
    for (let i = 1; i <= 3; i++)
      await stack.gql(SEND, { input: { chatId, body: `u${i}`, clientMessageId: `u${i}` } }, { token: a.token });
    const list = await stack.gql<{
      chats: { edges: { node: { id: string; unreadCount: number; lastMessage: { body: string } } }[] };
    }>('{ chats(first: 5) { edges { node { id unreadCount lastMessage { body } } } } }', {}, { token: b.token });
    expect(list.data?.chats.edges[0]?.node).toEqual({ id: chatId, unreadCount: 3, lastMessage: { body: 'u3' } });
    const MARK = 'mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { unreadCount } }';
    expect(
      (await stack.gql<{ markRead: { unreadCount: number } }>(MARK, { c: chatId, s: 2 }, { token: b.token })).data
        ?.markRead.unreadCount,
    ).toBe(1);
    expect(
      (await stack.gql<{ markRead: { unreadCount: number } }>(MARK, { c: chatId, s: 1 }, { token: b.token })).data
        ?.markRead.unreadCount,
    ).toBe(1);
    expect(
      (await stack.gql<{ markRead: { unreadCount: number } }>(MARK, { c: chatId, s: 99 }, { token: b.token })).data
        ?.markRead.unreadCount,
    ).toBe(0);
    // The sender's own messages are never unread for them.
    const mine = await stack.gql<{ chat: { unreadCount: number } }>(
      'query ($c: ID!) { chat(id: $c) { unreadCount } }',
      { c: chatId },
      { token: a.token },
    );
    expect(mine.data?.chat.unreadCount).toBe(0);
  });

  it('answers NOT_FOUND for a chat the caller is not in', async () => {
    const a = await stack.user('na');
    const b = await stack.user('nb');
    const outsider = await stack.user('nc');
    const chatId = await directChat(a, b);
    for (const [query, variables] of [
      ['query ($c: ID!) { chat(id: $c) { id } }', { c: chatId }],
      ['query ($c: ID!) { messages(chatId: $c) { edges { cursor } } }', { c: chatId }],
      [SEND, { input: { chatId, body: 'x', clientMessageId: 'x' } }],
      ['mutation ($c: ID!) { markRead(chatId: $c, seq: 1) { id } }', { c: chatId }],
    ] as const) {
      const res = await stack.gql(query, variables, { token: outsider.token });
      expect(res.errors?.[0]?.extensions?.code, query).toBe('NOT_FOUND');
    }
  });

  it('reads a chat asked only for its history with one ListMessages and no GetChats, as a member only', async () => {
    const a = await stack.user('ha');
    const b = await stack.user('hb');
    const outsider = await stack.user('hc');
    const chatId = await directChat(a, b);
    for (let i = 1; i <= 3; i++) {
      await stack.gql(SEND, { input: { chatId, body: `h${i}`, clientMessageId: `h${i}` } }, { token: a.token });
    }
    const calls = { getChats: 0, listMessages: 0 };
    const chat = stack.gateway.upstreams.chat.unary;
    const { getChats, listMessages } = chat;
    chat.getChats = (...args) => (calls.getChats++, getChats(...args));
    chat.listMessages = (...args) => (calls.listMessages++, listMessages(...args));
    const count = async (query: string, token: string) => {
      calls.getChats = calls.listMessages = 0;
      const res = await stack.gql<{
        chat: { id: string; title?: string | null; messages: { edges: { node: { body: string } }[] } } | null;
      }>(query, { c: chatId }, { token });
      return { res, calls: { ...calls } };
    };
    try {
      const HISTORY = `query ($c: ID!) { chat(id: $c) { id ...History } }
        fragment History on Chat { messages(last: 2) { edges { node { body } } pageInfo { hasPreviousPage } } }`;
      const member = await count(HISTORY, b.token);
      expect(member.res.errors).toBeUndefined();
      expect(member.res.data?.chat).toEqual({
        id: chatId,
        messages: { edges: [{ node: { body: 'h2' } }, { node: { body: 'h3' } }], pageInfo: { hasPreviousPage: true } },
      });
      expect(member.calls).toEqual({ getChats: 0, listMessages: 1 });
      // A non-member gets what they got before: NOT_FOUND at `chat`, and no chat.
      const stranger = await count(HISTORY, outsider.token);
      expect(stranger.res.data?.chat).toBeNull();
      expect(stranger.res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['chat'], 'NOT_FOUND']]);
      // Any other field of the chat: it is read as usual.
      const titled = await count(
        'query ($c: ID!) { chat(id: $c) { id title messages(last: 1) { edges { node { body } } } } }',
        b.token,
      );
      expect(titled.res.data?.chat?.messages.edges).toEqual([{ node: { body: 'h3' } }]);
      expect(titled.calls).toEqual({ getChats: 1, listMessages: 1 });
    } finally {
      chat.getChats = getChats;
      chat.listMessages = listMessages;
    }
  });

  it('resolves every sender of a 100-message page with one GetUsers call', async () => {
    const owner = await stack.user('bo');
    const members = await Promise.all(Array.from({ length: 4 }, (_, i) => stack.user(`bm${i}`)));
    const group = await stack.gql<{ createGroupChat: { id: string } }>(
      'mutation ($i: CreateGroupChatInput!) { createGroupChat(input: $i) { id } }',
      { i: { title: 'batch', memberIds: members.map((m) => m.id) } },
      { token: owner.token },
    );
    const chatId = group.data!.createGroupChat.id;
    const senders = [owner, ...members];
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        stack.chatService.chat.sendMessage(
          { chatId, body: `b${i}`, clientMessageId: `b${i}` },
          senders[i % senders.length]!.md,
        ),
      ),
    );
    let calls = 0;
    const original = stack.gateway.upstreams.auth.unary.getUsers;
    stack.gateway.upstreams.auth.unary.getUsers = (...args) => {
      calls++;
      return original(...args);
    };
    try {
      const page = await stack.gql<{ messages: { edges: { node: { sender: { username: string } } }[] } }>(
        'query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { sender { id username } } } } }',
        { c: chatId },
        { token: owner.token },
      );
      expect(page.errors).toBeUndefined();
      expect(page.data?.messages.edges).toHaveLength(100);
      expect(new Set(page.data?.messages.edges.map((e) => e.node.sender.username)).size).toBe(5);
      expect(calls).toBe(1);
    } finally {
      stack.gateway.upstreams.auth.unary.getUsers = original;
    }
  });

  it('carries 500 subscriptions on one upstream call, and takes each off chat-service when dropped', async () => {
    // Within the caps (20 per socket, 100 per user): 5 users, each on 5 sockets of 20.
    const owners = await Promise.all(Array.from({ length: 5 }, (_, i) => stack.user(`sa${i}`)));
    const clients = owners.flatMap((owner) => Array.from({ length: 5 }, () => stack.ws(owner.token)));
    const base = stack.chatService.app.subscribers();
    const subs = clients.flatMap((client) =>
      Array.from({ length: 20 }, () =>
        client.subscribe(
          { query: 'subscription { chatEvents { __typename } }' },
          { next: () => {}, error: () => {}, complete: () => {} },
        ),
      ),
    );
    await streamsOpen(base + 500, 30_000);
    expect(stack.gateway.events.calls()).toBe(1);
    for (const dispose of subs) dispose();
    await streamsOpen(base, 30_000);
    await until(() => stack.gateway.events.size() === 0, 'the gateway to forget them');
    expect(stack.gateway.events.calls()).toBe(1);
  });
});
