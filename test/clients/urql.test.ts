import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { gql } from '@urql/core';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Sink } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { leftover } from '../support/leftovers.js';
import { until } from '../support/wait.js';
import { CHAT_EVENT_KEYS, messengerCacheExchange } from './urql-cache.js';
import {
  CHATS,
  CREATE_DIRECT,
  DELETE,
  EDIT,
  EVENTS,
  HISTORY,
  LEAVE,
  MEMBERS,
  REVOKE,
  SEND,
  SESSIONS,
  account,
  call,
  chatsOf,
  historyView,
  listView,
  plain,
  serverChats,
  serverHistory,
  type ChatsData,
  type HistoryData,
  type MembersData,
  type SessionsData,
  useClientStack,
} from './operations.js';

/**
 * urql with Graphcache and the documented configuration (urql-cache.ts, docs/client-caches.md)
 * against a real gateway: after each mutation or event, the cached queries read exactly what
 * the server answers, and the client sent nothing but the mutation.
 */
const { stack } = useClientStack('clients_urql');

const doc = <T, V extends AnyVariables = AnyVariables>(text: string): TypedDocumentNode<T, V> => gql<T, V>(text);
const Q = { chats: doc<ChatsData>(CHATS), history: doc<HistoryData>(HISTORY), sessions: doc<SessionsData>(SESSIONS) };

/** A urql client with Graphcache, signed in as `user`, recording the operations it sends over HTTP. */
function urql(user: { id: string; token: string }) {
  const url = `http://127.0.0.1:${stack.gateway.port}/graphql`;
  const sent: string[] = [];
  const ws = createClient({
    url: url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${user.token}` },
  });
  leftover(() => ws.dispose());
  const client = new Client({
    url,
    fetchOptions: { headers: { authorization: `Bearer ${user.token}` } },
    fetch: (input, init) => {
      // Queries go as GET (urql's default within the URL limit), mutations as POST.
      const name = init?.body
        ? (JSON.parse(init.body as string) as { operationName: string }).operationName
        : new URL(input instanceof Request ? input.url : String(input)).searchParams.get('operationName');
      sent.push(name ?? '');
      return fetch(input, init);
    },
    exchanges: [
      messengerCacheExchange({ viewerId: user.id }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe(
              { ...request, query: request.query ?? '' },
              sink as Sink<FormattedExecutionResult>,
            ),
          }),
        }),
      }),
    ],
  });
  /** A query answered by the cache alone (null when the cache cannot answer it whole). */
  const cached = <T>(query: TypedDocumentNode<T>, variables: AnyVariables = {}) =>
    client.readQuery(query, variables)?.data ?? null;
  const run = async <T>(query: TypedDocumentNode<T>, variables: AnyVariables = {}) => {
    const result = await client.query(query, variables).toPromise();
    expect(result.error).toBeUndefined();
    return result.data!;
  };
  const mutate = async (mutation: string, variables: AnyVariables) => {
    const result = await client.mutation(gql(mutation), variables).toPromise();
    expect(result.error).toBeUndefined();
    return result.data as Record<string, unknown>;
  };
  return { client, sent, cached, run, mutate };
}

describe('urql Graphcache', () => {
  it('follows list, send, edit, delete and leave without refetching', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'ua'), account(stack, 'ub'), account(stack, 'uc')]);
    const { direct, group } = await chatsOf(stack, a, b, c);
    await call(stack, b.token, SEND, { input: { chatId: direct, body: 'hi A', clientMessageId: 'b1' } });
    const { sent, cached, run, mutate } = urql(a);
    const chats = () => cached(Q.chats);
    const history = (chatId: string) => cached(Q.history, { chatId, last: 50 });

    const listed = await run(Q.chats);
    expect(listView(listed)).toEqual(listView(await serverChats(stack, a.token)));
    // B wrote in the direct chat after the group was made: most recent activity first.
    expect(listed.chats.edges.map((edge) => edge.node.id)).toEqual([direct, group]);
    await run(Q.history, { chatId: direct, last: 50 });
    expect(chats()!.chats.edges[0]!.node.unreadCount).toBe(1);

    // Send: the history grows, the chat comes first, lastMessage, A's own marker and unread follow.
    await mutate(SEND, { input: { chatId: group, body: 'hello group', clientMessageId: 'a1' } });
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([group, direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));
    const sent1 = (await mutate(SEND, { input: { chatId: direct, body: 'hello B', clientMessageId: 'a2' } }))
      .sendMessage as { id: string };
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([direct, group]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))!.map((m) => m.body)).toEqual(['hi A', 'hello B']);

    // Edit and delete answer the message: it changes in place in the history and the list.
    await mutate(EDIT, { id: sent1.id, body: 'hello, B' });
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))![1]!.body).toBe('hello, B');
    await mutate(DELETE, { id: sent1.id });
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))![1]).toMatchObject({ body: '', deletedAt: expect.any(String) as string });
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    // leaveChat answers true: the update takes the chat out of the list.
    await mutate(LEAVE, { chatId: group });
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    // A new chat joins the top of the list.
    const created = (await mutate(CREATE_DIRECT, { userId: c.id })).createDirectChat as { id: string };
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([created.id, direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    expect(sent).toEqual(['Chats', 'History', 'Send', 'Send', 'Edit', 'Delete', 'Leave', 'CreateDirect']);
  });

  it('follows revokeSession', async () => {
    const a = await account(stack, 'ur');
    const other = await a.login();
    const { sent, cached, run, mutate } = urql(a);
    const listed = await run(Q.sessions);
    expect(listed.sessions).toHaveLength(2);
    const victim = listed.sessions.find((session) => !session.current)!;
    expect(await mutate(REVOKE, { id: victim.id })).toMatchObject({ revokeSession: true });
    const sessions = cached(Q.sessions)!.sessions;
    expect(plain(sessions)).toEqual((await call<SessionsData>(stack, a.token, SESSIONS)).sessions);
    expect(sessions.map((session) => session.id)).not.toContain(victim.id);
    expect((await stack.gql(SESSIONS, {}, { token: other })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(sent).toEqual(['Sessions', 'Revoke']);
  });

  it('applies chatEvents to the cached history, list and read markers', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'va'), account(stack, 'vb'), account(stack, 'vc')]);
    const { direct, group } = await chatsOf(stack, a, b, c);
    const { client, sent, cached, run } = urql(a);
    const chats = () => cached(Q.chats);
    const history = () => cached(Q.history, { chatId: direct, last: 50 });
    await run(Q.chats);
    await run(Q.history, { chatId: direct, last: 50 });

    const streams = stack.chatService.app.subscribers();
    const events = client.subscription(gql(EVENTS(CHAT_EVENT_KEYS)), {}).subscribe(() => {});
    leftover(() => events.unsubscribe());
    await until(() => stack.chatService.app.subscribers() > streams, 'the chatEvents stream');

    const message = await call<{ sendMessage: { id: string } }>(stack, b.token, SEND, {
      input: { chatId: direct, body: 'from B', clientMessageId: 'b1' },
    });
    await until(() => historyView(history())?.length === 1, 'the new message in the cached history');
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([direct, group]);
    expect(chats()!.chats.edges[0]!.node.unreadCount).toBe(1);

    await call(stack, b.token, EDIT, { id: message.sendMessage.id, body: 'from B, edited' });
    await until(() => historyView(history())?.[0]?.body === 'from B, edited', 'the edit in the cached history');
    await call(stack, b.token, DELETE, { id: message.sendMessage.id });
    await until(() => historyView(history())?.[0]?.deletedAt != null, 'the tombstone in the cached history');
    expect(historyView(history())).toEqual(historyView(await serverHistory(stack, a.token, direct)));

    // B reads: the ReadReceipt moves B's marker, ChatMember:{chatId, userId}.
    await call(stack, b.token, `mutation ($c: ID!) { markRead(chatId: $c, seq: 3) { id } }`, { c: direct });
    const markerOfB = () =>
      chats()
        ?.chats.edges.find((edge) => edge.node.id === direct)
        ?.node.members.find((m) => m.userId === b.id)?.lastReadSeq;
    await until(
      () => markerOfB() === 3,
      () => `B's read marker at 3, is ${markerOfB()}`,
    );

    // A leaves the group on another device: RemovedFromChat takes it out of the list.
    await call(stack, a.token, LEAVE, { chatId: group });
    await until(() => chats()?.chats.edges.length === 1, 'the group gone from the cached list');
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));
    expect(sent).toEqual(['Chats', 'History']);
  });

  it('pages history backwards with relayPagination', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'wa'), account(stack, 'wb'), account(stack, 'wc')]);
    const { direct } = await chatsOf(stack, a, b, c);
    for (let n = 1; n <= 25; n++) {
      await call(stack, n % 2 ? a.token : b.token, SEND, {
        input: { chatId: direct, body: `m${n}`, clientMessageId: `p${n}` },
      });
    }
    const { sent, cached, run } = urql(a);
    const first = await run(Q.history, { chatId: direct, last: 10 });
    expect(historyView(first)!.map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 16}`));
    let before = first.chat.messages.pageInfo.startCursor;
    for (let page = 0; page < 2; page++) {
      // Each page answers with every page so far, merged by relayPagination.
      const merged = await run(Q.history, { chatId: direct, last: 10, before });
      before = merged.chat.messages.pageInfo.startCursor;
    }
    const all = cached(Q.history, { chatId: direct, last: 10 })!;
    expect(historyView(all)!.map((m) => m.body)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
    expect(historyView(all)).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(all.chat.messages.pageInfo.hasPreviousPage).toBe(false);
    expect(sent).toEqual(['History', 'History', 'History']);
  });

  it("pages a chat's members with relayPagination", async () => {
    const [a, b, c] = await Promise.all([account(stack, 'xa'), account(stack, 'xb'), account(stack, 'xc')]);
    const { group } = await chatsOf(stack, a, b, c);
    const { sent, cached, run } = urql(a);
    const members = doc<MembersData>(MEMBERS);
    const first = await run(members, { chatId: group, first: 2 });
    expect(first.chat.membersConnection.edges).toHaveLength(2);
    await run(members, { chatId: group, first: 2, after: first.chat.membersConnection.pageInfo.endCursor });
    const all = cached(members, { chatId: group, first: 2 })!;
    const server = await call<{ chat: { members: { userId: string }[] } }>(
      stack,
      a.token,
      `query ($c: ID!) { chat(id: $c) { members { userId } } }`,
      { c: group },
    );
    expect(all.chat.membersConnection.edges.map((edge) => edge.node.userId)).toEqual(
      server.chat.members.map((member) => member.userId),
    );
    expect(all.chat.membersConnection.pageInfo.hasNextPage).toBe(false);
    expect(sent).toEqual(['Members', 'Members']);
  });
});
