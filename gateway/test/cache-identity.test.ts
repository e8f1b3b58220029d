import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema.js';
import { collect, useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';

/**
 * What normalised caches need of the schema (issue #14): every type and field described, a
 * stable identity on every cached object (docs/client-caches.md), and the members connection.
 */
const stack = useStack('gw_cache_identity');

describe('the schema for normalised caches', () => {
  it('describes every type, field, argument, enum value and input field', () => {
    const schema = buildSchema();
    const missing: string[] = [];
    const own = (type: GraphQLNamedType) => !type.name.startsWith('__');
    for (const type of Object.values(schema.getTypeMap()).filter(own)) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          // An input object's arguments are described by its own fields.
          for (const arg of field.args) {
            if (!arg.description && !arg.name.startsWith('input'))
              missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
        }
      } else if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      } else if (isUnionType(type) && !type.description) {
        missing.push(type.name);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives members, profiles and read markers their keys', async () => {
    const a = await stack.user('ka');
    const b = await stack.user('kb');
    const created = await stack.gql<{ createDirectChat: { id: string } }>(
      `mutation ($u: ID!) { createDirectChat(userId: $u) { id } }`,
      { u: b.id },
      { token: a.token },
    );
    const chatId = created.data!.createDirectChat.id;
    const receipts = collect<{ chatEvents: Record<string, unknown> }>(
      stack.ws(b.token),
      `subscription { chatEvents { __typename ... on ReadReceipt { chatId userId lastReadSeq } } }`,
    );
    // The subscription is live once chat-service holds its stream (nothing to miss before).
    await until(() => stack.chatService.app.subscribers() > 0, 'the chatEvents stream');
    await stack.gql(
      `mutation ($c: ID!) { sendMessage(input: { chatId: $c, body: "hi", clientMessageId: "k1" }) { id } }`,
      { c: chatId },
      { token: b.token },
    );
    const marked = await stack.gql(
      `mutation ($c: ID!) { markRead(chatId: $c, seq: 1) { id } }`,
      { c: chatId },
      {
        token: a.token,
      },
    );
    expect(marked.errors).toBeUndefined();

    const read = await stack.gql<{
      chat: { members: { chatId: string; userId: string; user: { id: string; profile: { id: string } } }[] };
    }>(
      `query ($c: ID!) { chat(id: $c) { members { chatId userId lastReadSeq user { id profile { id } } } } }`,
      { c: chatId },
      { token: a.token },
    );
    expect(read.errors).toBeUndefined();
    const members = read.data!.chat.members;
    expect(members.map((m) => m.chatId)).toEqual([chatId, chatId]);
    for (const member of members) {
      expect(member.userId).toBe(member.user.id);
      expect(member.user.profile.id).toBe(member.user.id);
    }
    // The message, the sender's own marker moving past it, then the reader's.
    const events = (await receipts.until(3)).map((e) => e.chatEvents);
    expect(events.filter((e) => e.__typename === 'ReadReceipt')).toEqual([
      { __typename: 'ReadReceipt', chatId, userId: b.id, lastReadSeq: 1 },
      { __typename: 'ReadReceipt', chatId, userId: a.id, lastReadSeq: 1 },
    ]);
  });
});

describe('Chat.membersConnection', () => {
  const PAGE = `query ($c: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    chat(id: $c) { membersConnection(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { chatId userId role } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    } }
  }`;
  interface Page {
    chat: {
      membersConnection: {
        edges: { cursor: string; node: { chatId: string; userId: string; role: string } }[];
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
      };
    };
  }

  it('pages forward and backward through the same order as Chat.members', async () => {
    const owner = await stack.user('mo');
    const others = await Promise.all([1, 2, 3, 4].map((n) => stack.user(`m${n}`)));
    const group = await stack.gql<{ createGroupChat: { id: string } }>(
      `mutation ($ids: [ID!]!) { createGroupChat(input: { title: "g", memberIds: $ids }) { id } }`,
      { ids: others.map((u) => u.id) },
      { token: owner.token },
    );
    const chatId = group.data!.createGroupChat.id;
    const list = await stack.gql<{ chat: { members: { user: { id: string } }[] } }>(
      `query ($c: ID!) { chat(id: $c) { members { user { id } } } }`,
      { c: chatId },
      { token: owner.token },
    );
    const order = list.data!.chat.members.map((m) => m.user.id);
    expect(order).toHaveLength(5);

    const page = async (variables: Record<string, unknown>) => {
      const res = await stack.gql<Page>(PAGE, { c: chatId, ...variables }, { token: owner.token });
      expect(res.errors).toBeUndefined();
      return res.data!.chat.membersConnection;
    };
    const one = await page({ first: 2 });
    expect(one.edges.map((e) => e.node.userId)).toEqual(order.slice(0, 2));
    expect(one.edges.every((e) => e.node.chatId === chatId)).toBe(true);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = await page({ first: 2, after: one.pageInfo.endCursor });
    expect(two.edges.map((e) => e.node.userId)).toEqual(order.slice(2, 4));
    const three = await page({ first: 2, after: two.pageInfo.endCursor });
    expect(three.edges.map((e) => e.node.userId)).toEqual(order.slice(4));
    expect(three.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const back = await page({ last: 3 });
    expect(back.edges.map((e) => e.node.userId)).toEqual(order.slice(2));
    expect(back.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const before = await page({ last: 3, before: back.pageInfo.startCursor });
    expect(before.edges.map((e) => e.node.userId)).toEqual(order.slice(0, 2));
    expect(before.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect((await page({})).edges.map((e) => e.node.userId)).toEqual(order);
  });

  it('keeps the limits and the authorization of Chat.members', async () => {
    const owner = await stack.user('lo');
    const stranger = await stack.user('ls');
    const group = await stack.gql<{ createGroupChat: { id: string } }>(
      `mutation { createGroupChat(input: { title: "g" }) { id } }`,
      {},
      { token: owner.token },
    );
    const c = group.data!.createGroupChat.id;
    const codeOf = async (variables: Record<string, unknown>, token = owner.token) => {
      const res = await stack.gql(PAGE, { c, ...variables }, { token });
      return res.errors?.map((e) => [e.extensions?.code, e.extensions?.field]);
    };
    expect(await codeOf({ first: 501 })).toEqual([['BAD_USER_INPUT', 'first']]);
    expect(await codeOf({ last: 0 })).toEqual([['BAD_USER_INPUT', 'last']]);
    expect(await codeOf({ first: 1, last: 1 })).toEqual([['BAD_USER_INPUT', 'last']]);
    expect(await codeOf({ after: 'nonsense' })).toEqual([['BAD_USER_INPUT', 'after']]);
    expect(await codeOf({ first: 500 })).toBeUndefined();
    // A stranger learns nothing: the chat is NOT_FOUND, as for every chat field.
    expect(await codeOf({}, stranger.token)).toEqual([['NOT_FOUND', undefined]]);
  });
});
