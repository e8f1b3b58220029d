import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount, useAuthService } from '../../test/support/auth.js';
import { startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { testRedis } from '../../test/support/redis.js';
import { collect } from '../../test/support/stack.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import type { ChatApp } from '../../test/support/chat.js';
import type { GatewayApp } from '../src/app.js';
import { until } from '../../test/support/wait.js';

// Two chat-service instances and two gateways sharing one PostgreSQL and one Redis: members
// connected to different gateways and instances all receive every message, also when one
// chat-service instance goes away and its streams move to the other.

const redis = testRedis('gw-multi');

describe.skipIf(!redis)('two gateways, two chat-services, one Redis', () => {
  const auth = useAuthService('gw_multi_auth');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const chats: ChatApp[] = [];
  const gateways: GatewayApp[] = [];
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    db = await freshDatabase('gw_multi', { entities: chatEntities, migrations: chatMigrations });
    for (let i = 0; i < 2; i++) {
      chats.push(
        await startChat(
          loadChatConfig({
            CHAT_GRPC_LISTEN: '127.0.0.1:0',
            CHAT_DATABASE_URL: db.url,
            AUTH_GRPC_ADDR: `127.0.0.1:${auth.app.port}`,
            REDIS_URL: redis!.url,
            REDIS_PREFIX: redis!.prefix,
          }),
        ),
      );
    }
    const ports = chats.map((chat) => chat.port);
    gateways.push(await startGateway([auth.app.port], {}, ports));
    gateways.push(await startGateway([auth.app.port], {}, [...ports].reverse()));
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const gateway of gateways) await gateway.stop();
    for (const chat of chats) await chat.stop().catch(() => {});
    await db?.drop();
  });

  it('delivers everything to everyone, and survives losing an instance', { timeout: 60_000 }, async () => {
    const register = async () => {
      const res = await auth.auth.register(newAccount('mi'), as());
      return { id: res.user!.id, token: res.tokens!.accessToken };
    };
    const sender = await register();
    const readers = await Promise.all(Array.from({ length: 4 }, register));
    const created = await graphqlClient(gateways[0]!.port).request<{ createGroupChat: { id: string } }>(
      'mutation ($i: CreateGroupChatInput!) { createGroupChat(input: $i) { id } }',
      { i: { title: 'multi', memberIds: readers.map((r) => r.id) } },
      { token: sender.token },
    );
    const chatId = created.data!.createGroupChat.id;
    // Readers alternate between the gateways; each gateway alternates between the instances.
    const subs = readers.map((reader, i) => {
      const client = createClient({
        url: `ws://127.0.0.1:${gateways[i % 2]!.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${reader.token}` },
      });
      cleanups.push(() => client.dispose());
      return collect<{ chatEvents: { __typename: string; message?: { body: string } } }>(
        client,
        'subscription ($r: [ChatCursorInput!]) { chatEvents(resume: $r) { __typename ... on MessageCreated { message { body } } } }',
        { r: [{ chatId, afterSeq: 0 }] },
      );
    });
    await until(() => chats[0]!.subscribers() + chats[1]!.subscribers() === 4, 'four streams');
    expect(chats[0]!.subscribers()).toBeGreaterThan(0);
    expect(chats[1]!.subscribers()).toBeGreaterThan(0);

    const bodies = (i: number) =>
      subs[i]!.events.flatMap((e) =>
        e.chatEvents.__typename === 'MessageCreated' ? [e.chatEvents.message!.body] : [],
      );
    const send = async (i: number) => {
      for (;;) {
        const res = await graphqlClient(gateways[i % 2]!.port).request(
          'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
          { input: { chatId, body: `m${i}`, clientMessageId: `mi${i}` } },
          { token: sender.token },
        );
        if (!res.errors) return;
        expect(res.errors[0]?.extensions?.code).toBe('UNAVAILABLE');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const TOTAL = 40;
    for (let i = 1; i <= TOTAL; i++) {
      if (i === 16) await chats[0]!.stop(); // its streams end as UNAVAILABLE and move to the other
      await send(i);
    }
    const expected = Array.from({ length: TOTAL }, (_, i) => `m${i + 1}`);
    for (let i = 0; i < subs.length; i++) {
      await until(() => bodies(i).length >= TOTAL, `reader ${i}`);
      expect(bodies(i)).toEqual(expected);
    }
    expect(chats[1]!.subscribers()).toBe(4);
  });
});
