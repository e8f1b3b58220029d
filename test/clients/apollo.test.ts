import { ApolloClient, ApolloLink, HttpLink, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { leftover } from '../support/leftovers.js';
import { until } from '../support/wait.js';
import {
  CHAT_EVENT_KEYS,
  addMessage,
  applyChatEvent,
  bumpChat,
  createMessengerCache,
  removeChat,
  removeSession,
  type MessageKey,
} from './apollo-cache.js';
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
 * Apollo Client 4 with InMemoryCache and the documented configuration (apollo-cache.ts,
 * docs/client-caches.md) against a real gateway: after each mutation or event, the cached
 * queries read exactly what the server answers, and the client sent nothing but the mutation.
 */
const { stack } = useClientStack('clients_apollo');

const Q = { chats: gql(CHATS), history: gql(HISTORY), sessions: gql(SESSIONS) };
const M = { send: gql(SEND), edit: gql(EDIT), delete: gql(DELETE), leave: gql(LEAVE), revoke: gql(REVOKE) };

/** An Apollo client signed in as `token`, recording the operations it sends over HTTP. */
function apollo(token: string) {
  const url = `http://127.0.0.1:${stack.gateway.port}/graphql`;
  const sent: string[] = [];
  const ws = createClient({
    url: url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  leftover(() => ws.dispose());
  const http = new HttpLink({
    uri: url,
    headers: { authorization: `Bearer ${token}` },
    fetch: (input, init) => {
      sent.push((JSON.parse(init?.body as string) as { operationName: string }).operationName);
      return fetch(input, init);
    },
  });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({ link, cache: createMessengerCache() });
  leftover(() => client.stop());
  return { client, sent };
}

describe('Apollo Client 4 InMemoryCache', () => {
  it('follows list, send, edit, delete and leave without refetching', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'aa'), account(stack, 'ab'), account(stack, 'ac')]);
    const { direct, group } = await chatsOf(stack, a, b, c);
    await call(stack, b.token, SEND, { input: { chatId: direct, body: 'hi A', clientMessageId: 'b1' } });
    const { client, sent } = apollo(a.token);
    const chats = () => client.readQuery<ChatsData>({ query: Q.chats });
    const history = (chatId: string) =>
      client.readQuery<HistoryData>({ query: Q.history, variables: { chatId, last: 50 } });

    const listed = await client.query<ChatsData>({ query: Q.chats });
    expect(listView(listed.data)).toEqual(listView(await serverChats(stack, a.token)));
    // B wrote in the direct chat after the group was made: most recent activity first.
    expect(listed.data!.chats.edges.map((edge) => edge.node.id)).toEqual([direct, group]);
    await client.query({ query: Q.history, variables: { chatId: direct, last: 50 } });
    expect(chats()!.chats.edges[0]!.node.unreadCount).toBe(1);

    // Send: the history grows, the chat comes first, lastMessage, A's own marker and unread follow.
    const sendTo = async (chatId: string, body: string, clientMessageId: string) => {
      const result = await client.mutate<{ sendMessage: MessageKey & { body: string } }>({
        mutation: M.send,
        variables: { input: { chatId, body, clientMessageId } },
        update: (cache, { data }) => data && addMessage(cache, data.sendMessage, a.id),
      });
      return result.data!.sendMessage;
    };
    await sendTo(group, 'hello group', 'a1');
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([group, direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));
    const sent1 = await sendTo(direct, 'hello B', 'a2');
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([direct, group]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))!.map((m) => m.body)).toEqual(['hi A', 'hello B']);

    // Edit and delete answer the message: it changes in place in the history and the list.
    await client.mutate({ mutation: M.edit, variables: { id: sent1.id, body: 'hello, B' } });
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))![1]!.body).toBe('hello, B');
    await client.mutate({ mutation: M.delete, variables: { id: sent1.id } });
    expect(historyView(history(direct))).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(historyView(history(direct))![1]).toMatchObject({ body: '', deletedAt: expect.any(String) as string });
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    // leaveChat answers true: the update takes the chat out of the list.
    await client.mutate({
      mutation: M.leave,
      variables: { chatId: group },
      update: (cache, { data }) => (data as { leaveChat: boolean } | null)?.leaveChat && removeChat(cache, group),
    });
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    // A new chat joins the top of the list.
    const created = await client.mutate<{ createDirectChat: { id: string } }>({
      mutation: gql(CREATE_DIRECT),
      variables: { userId: c.id },
      update: (cache, { data }) => data && bumpChat(cache, data.createDirectChat.id, true),
    });
    expect(chats()!.chats.edges.map((edge) => edge.node.id)).toEqual([created.data!.createDirectChat.id, direct]);
    expect(listView(chats())).toEqual(listView(await serverChats(stack, a.token)));

    expect(sent).toEqual(['Chats', 'History', 'Send', 'Send', 'Edit', 'Delete', 'Leave', 'CreateDirect']);
  });

  it('follows revokeSession, and logout clears the cache', async () => {
    const a = await account(stack, 'ar');
    const other = await a.login();
    const { client, sent } = apollo(a.token);
    const listed = await client.query<SessionsData>({ query: Q.sessions });
    expect(listed.data!.sessions).toHaveLength(2);
    const victim = listed.data!.sessions.find((session) => !session.current)!;
    await client.mutate({
      mutation: M.revoke,
      variables: { id: victim.id },
      update: (cache, { data }) =>
        (data as { revokeSession: boolean } | null)?.revokeSession && removeSession(cache, victim.id),
    });
    const cached = client.readQuery<SessionsData>({ query: Q.sessions });
    expect(plain(cached!.sessions)).toEqual((await call<SessionsData>(stack, a.token, SESSIONS)).sessions);
    expect(cached!.sessions.map((session) => session.id)).not.toContain(victim.id);
    expect((await stack.gql(SESSIONS, {}, { token: other })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    await client.mutate({
      mutation: gql`
        mutation Logout {
          logout
        }
      `,
    });
    await client.clearStore();
    expect(client.readQuery({ query: Q.sessions })).toBeNull();
    expect(sent).toEqual(['Sessions', 'Revoke', 'Logout']);
  });

  it('applies chatEvents to the cached history, list and read markers', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'ea'), account(stack, 'eb'), account(stack, 'ec')]);
    const { direct, group } = await chatsOf(stack, a, b, c);
    const { client, sent } = apollo(a.token);
    const chats = () => client.readQuery<ChatsData>({ query: Q.chats });
    const history = () => client.readQuery<HistoryData>({ query: Q.history, variables: { chatId: direct, last: 50 } });
    await client.query({ query: Q.chats });
    await client.query({ query: Q.history, variables: { chatId: direct, last: 50 } });

    const streams = stack.chatService.app.subscribers();
    const subscription = client
      .subscribe<{ chatEvents: { __typename: string } & Record<string, unknown> }>({
        query: gql(EVENTS(CHAT_EVENT_KEYS)),
      })
      .subscribe({ next: ({ data }) => data && applyChatEvent(client.cache, data.chatEvents, a.id) });
    leftover(() => subscription.unsubscribe());
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

  it('pages history backwards with relayStylePagination and fetchMore', async () => {
    const [a, b, c] = await Promise.all([account(stack, 'pa'), account(stack, 'pb'), account(stack, 'pc')]);
    const { direct } = await chatsOf(stack, a, b, c);
    for (let n = 1; n <= 25; n++) {
      await call(stack, n % 2 ? a.token : b.token, SEND, {
        input: { chatId: direct, body: `m${n}`, clientMessageId: `p${n}` },
      });
    }
    const { client, sent } = apollo(a.token);
    const query = client.watchQuery<HistoryData>({ query: Q.history, variables: { chatId: direct, last: 10 } });
    const first = await firstValueFrom(query.pipe(filter((result) => result.dataState === 'complete')));
    expect(historyView(first.data)!.map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 16}`));
    for (let page = 0; page < 2; page++) {
      const before = client.readQuery<HistoryData>({ query: Q.history, variables: { chatId: direct, last: 10 } })!.chat
        .messages.pageInfo.startCursor;
      await query.fetchMore({ variables: { before } });
    }
    const all = client.readQuery<HistoryData>({ query: Q.history, variables: { chatId: direct, last: 10 } })!;
    expect(historyView(all)!.map((m) => m.body)).toEqual(Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
    expect(historyView(all)).toEqual(historyView(await serverHistory(stack, a.token, direct)));
    expect(all.chat.messages.pageInfo.hasPreviousPage).toBe(false);
    expect(sent).toEqual(['History', 'History', 'History']);
  });

  it("pages a chat's members with relayStylePagination and fetchMore", async () => {
    const [a, b, c] = await Promise.all([account(stack, 'na'), account(stack, 'nb'), account(stack, 'nc')]);
    const { group } = await chatsOf(stack, a, b, c);
    const { client, sent } = apollo(a.token);
    const query = client.watchQuery<MembersData>({ query: gql(MEMBERS), variables: { chatId: group, first: 2 } });
    const first = await firstValueFrom(query.pipe(filter((result) => result.dataState === 'complete')));
    expect(first.data.chat.membersConnection.edges).toHaveLength(2);
    await query.fetchMore({ variables: { after: first.data.chat.membersConnection.pageInfo.endCursor } });
    const all = client.readQuery<MembersData>({ query: gql(MEMBERS), variables: { chatId: group, first: 2 } })!;
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
