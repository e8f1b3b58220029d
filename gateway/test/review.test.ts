import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { leftover } from '../../test/support/leftovers.js';
import { collect, useStack } from '../../test/support/stack.js';
import { postWithRawAuthorization } from './raw-requests.js';

// Issue #11, "Found in a review", through the running gateway: a removed member's replay, ids in
// upper case, cursors out of range, and Authorization values that are no token.

const stack = useStack('gw_review');
type Account = Awaited<ReturnType<typeof stack.user>>;

const users = (count: number, tag: string) =>
  Promise.all(Array.from({ length: count }, (_, i) => stack.user(`${tag}${i}`)));

async function group(owner: Account, members: Account[]): Promise<string> {
  const res = await stack.chatService.chat.createGroupChat(
    { title: 'g', memberIds: members.map((m) => m.id) },
    owner.md,
  );
  return res.chat!.id;
}

async function send(sender: Account, chatId: string, body: string, replyToId?: string) {
  const res = await stack.gql<{ sendMessage: { id: string; seq: number } }>(
    'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id seq } }',
    { input: { chatId, body, clientMessageId: randomUUID(), ...(replyToId ? { replyToId } : {}) } },
    { token: sender.token },
  );
  expect(res.errors, body).toBeUndefined();
  return res.data!.sendMessage;
}

const cursor = (text: string) => Buffer.from(text).toString('base64url');

describe('a member removed from a chat, resuming chatEvents over WebSocket', () => {
  it('sees the chat up to its removal, and nothing written after it', async () => {
    const SECRET = 'edited after the removal';
    const [owner, removed] = (await users(2, 'rm')) as [Account, Account];
    const chatId = await group(owner, [removed]);
    const original = await send(owner, chatId, 'original');
    const reply = await send(owner, chatId, 'a reply', original.id);
    const kept = await send(owner, chatId, 'kept as it was');
    const removal = await stack.gql<{ removeChatMember: { lastSeq: number } }>(
      'mutation ($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { lastSeq } }',
      { c: chatId, u: removed.id },
      { token: owner.token },
    );
    const removalSeq = removal.data!.removeChatMember.lastSeq;
    for (const [id, body] of [
      [original.id, SECRET],
      [kept.id, `also ${SECRET}`],
    ]) {
      const edited = await stack.gql(
        'mutation ($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }',
        {
          id,
          b: body,
        },
        { token: owner.token },
      );
      expect(edited.errors).toBeUndefined();
    }
    await send(owner, chatId, `new, ${SECRET}`);

    type Event = {
      chatEvents: {
        __typename: string;
        chatId: string;
        seq: number;
        message?: { id: string; body: string; replyTo: { id: string; body: string } | null };
      };
    };
    const sub = collect<Event>(
      stack.ws(removed.token),
      `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
        __typename
        ... on MessageCreated { chatId seq message { id body replyTo { id body } } }
        ... on MessageEdited { chatId seq message { id body replyTo { id body } } }
        ... on MessageDeleted { chatId seq message { id body } }
        ... on ChatUpdated { chatId seq }
        ... on RemovedFromChat { chatId seq }
      } }`,
      { resume: [{ chatId, afterSeq: 0 }] },
    );
    const events = await sub.until(1);
    while (!events.some((e) => e.chatEvents.__typename === 'RemovedFromChat')) await sub.until(events.length + 1);
    sub.dispose();
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(events.at(-1)!.chatEvents).toEqual({ __typename: 'RemovedFromChat', chatId, seq: removalSeq });
    // The messages changed after the removal are left out; the reply is there, without them.
    expect(events.map((e) => e.chatEvents.message?.id).filter(Boolean)).toEqual([reply.id]);
    expect(events[0]!.chatEvents.message).toEqual({ id: reply.id, body: 'a reply', replyTo: null });

    // Nor can the removed member read the history.
    const history = await stack.gql(
      'query ($c: ID!) { messages(chatId: $c, first: 10) { edges { node { body } } } }',
      { c: chatId },
      { token: removed.token },
    );
    expect(history.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(history)).not.toContain(SECRET);
  });
});

describe('ids in upper case', () => {
  it('addChatMembers, setChatMemberRole, markRead and removeChatMember do their work and answer it', async () => {
    const [owner, a, b] = (await users(3, 'uc')) as [Account, Account, Account];
    const chatId = await group(owner, [a]);
    const CHAT = chatId.toUpperCase();
    const gql = <T>(query: string, variables: Record<string, unknown>, who: Account) =>
      stack.gql<T>(query, variables, { token: who.token });

    const added = await gql<{ addChatMembers: { id: string; memberCount: number } }>(
      'mutation ($c: ID!, $u: [ID!]!) { addChatMembers(chatId: $c, userIds: $u) { id memberCount } }',
      { c: CHAT, u: [b.id.toUpperCase()] },
      owner,
    );
    expect(added).toMatchObject({ data: { addChatMembers: { id: chatId, memberCount: 3 } } });
    expect(added.errors).toBeUndefined();

    const role = await gql<{ setChatMemberRole: { members: { user: { id: string }; role: string }[] } }>(
      'mutation ($c: ID!, $u: ID!) { setChatMemberRole(chatId: $c, userId: $u, role: ADMIN) { members { user { id } role } } }',
      { c: CHAT, u: b.id.toUpperCase() },
      owner,
    );
    expect(role.errors).toBeUndefined();
    expect(role.data!.setChatMemberRole.members.find((m) => m.user.id === b.id)?.role).toBe('ADMIN');

    const { seq } = await send(a, CHAT, 'hello');
    const read = await gql<{
      markRead: { id: string; unreadCount: number; members: { user: { id: string }; lastReadSeq: number }[] };
    }>(
      'mutation ($c: ID!, $s: Int!) { markRead(chatId: $c, seq: $s) { id unreadCount members { user { id } lastReadSeq } } }',
      { c: CHAT, s: seq },
      b,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data!.markRead).toMatchObject({ id: chatId, unreadCount: 0 });
    expect(read.data!.markRead.members.find((m) => m.user.id === b.id)?.lastReadSeq).toBe(seq);

    const removed = await gql<{ removeChatMember: { id: string; memberCount: number } }>(
      'mutation ($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) { id memberCount } }',
      { c: CHAT, u: a.id.toUpperCase() },
      owner,
    );
    expect(removed.errors).toBeUndefined();
    expect(removed.data!.removeChatMember).toEqual({ id: chatId, memberCount: 2 });
  });
});

describe('cursors out of range', () => {
  it('are BAD_USER_INPUT naming the argument, over HTTP', async () => {
    const [me] = (await users(1, 'cr')) as [Account];
    const chatId = await group(me, []);
    await send(me, chatId, 'one');
    const page = (after: string) =>
      stack.gql(
        'query ($c: ID!, $a: String) { messages(chatId: $c, first: 5, after: $a) { edges { cursor } } }',
        {
          c: chatId,
          a: after,
        },
        { token: me.token },
      );
    for (const seq of ['2147483648', '4294967296', '9999999999']) {
      const res = await page(cursor(`m:${seq}`));
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    const edge = await page(cursor('m:2147483647'));
    expect(edge.errors).toBeUndefined();

    const chats = (after: string) =>
      stack.gql(
        'query ($a: String) { chats(first: 5, after: $a) { edges { cursor } } }',
        { a: after },
        {
          token: me.token,
        },
      );
    for (const activity of ['9223372036854775808', '9999999999999999999']) {
      const res = await chats(cursor(`c:${activity}`));
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    expect((await chats(cursor('c:9223372036854775807'))).errors).toBeUndefined();
  });

  it('chatEvents(resume:) with an afterSeq out of range is BAD_USER_INPUT, over WebSocket', async () => {
    const [me] = (await users(1, 'cw')) as [Account];
    const chatId = await group(me, []);
    const client = stack.ws(me.token);
    type Errors = { message: string; extensions?: Record<string, unknown> }[];
    const firstErrors = (afterSeq: number) =>
      new Promise<Errors>((resolve) => {
        const dispose = client.subscribe(
          {
            query: 'subscription ($r: [ChatCursorInput!]) { chatEvents(resume: $r) { __typename } }',
            variables: { r: [{ chatId, afterSeq }] },
          },
          {
            next: (value) => {
              dispose();
              resolve((value.errors ?? []) as Errors);
            },
            error: (error) => resolve(Array.isArray(error) ? (error as Errors) : [{ message: String(error) }]),
            complete: () => resolve([]),
          },
        );
      });
    const negative = await firstErrors(-1);
    expect(negative[0]?.extensions, JSON.stringify(negative)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'resume',
    });
    // Past Int, GraphQL itself refuses the variable (its coercion error names it), never INTERNAL.
    const huge = await firstErrors(2_147_483_648);
    expect(huge[0]?.message, JSON.stringify(huge)).toMatch(/afterSeq/);
    expect(huge[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('an Authorization value that is no token', () => {
  it('is UNAUTHENTICATED over HTTP, never a 500, and is not echoed', async () => {
    const [me] = (await users(1, 'na')) as [Account];
    for (const value of [`Bearer tökén`, `Bearer ${me.token}é`, 'Bearer 🙂']) {
      const res = await postWithRawAuthorization(stack.gateway.port, value);
      expect(res.status, res.body).toBe(200);
      const parsed = JSON.parse(res.body) as { errors?: { extensions?: { code?: string } }[] };
      expect(parsed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body).not.toContain(me.token);
      expect(res.body).not.toContain('tökén');
    }
    // The gateway goes on serving the same user with the token as it is.
    const fine = await stack.gql<{ me: { id: string } }>('{ me { id } }', {}, { token: me.token });
    expect(fine.data?.me.id).toBe(me.id);
  });

  it('closes a WebSocket with 4403 at connection_init, never 4500', async () => {
    const [me] = (await users(1, 'nw')) as [Account];
    for (const authorization of [`Bearer ${me.token}ö`, 'Bearer tökén', 42, { token: me.token }, ['Bearer x']]) {
      const socket = new WebSocket(`ws://127.0.0.1:${stack.gateway.port}/graphql`, 'graphql-transport-ws');
      leftover(() => socket.terminate());
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
      expect(await closed).toEqual({ code: 4403, reason: 'Forbidden' });
    }
  });
});
