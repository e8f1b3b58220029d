import { beforeAll, describe, expect, it } from 'vitest';
import { as, newAccount, useAuthService } from '../../test/support/auth.js';
import { startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { testRedis } from '../../test/support/redis.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import type { ChatApp } from '../../test/support/chat.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { until } from '../../test/support/wait.js';
import { followChat, sendUntilAcked } from './chat-clients.js';

// Two chat-service instances and two gateways sharing one PostgreSQL and one Redis: members
// connected to different gateways and instances all receive every message, also when one
// chat-service instance goes away and its streams move to the other.

const redis = testRedis('gw-multi');

describe.skipIf(!redis)('two gateways, two chat-services, one Redis', () => {
  const auth = useAuthService('gw_multi_auth');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const chats: ChatApp[] = [];
  const gateways: GatewayApp[] = [];

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
    // Rate limits off: the sender retries as fast as it can while an instance is away, which is
    // no person's pace.
    gateways.push(await startGateway([auth.app.port], { RATE_LIMITS: 'off' }, ports));
    gateways.push(await startGateway([auth.app.port], { RATE_LIMITS: 'off' }, [...ports].reverse()));
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
    const subs = readers.map((reader, i) => followChat(gateways[i % 2]!.port, reader.token, chatId));
    await until(() => chats[0]!.subscribers() + chats[1]!.subscribers() === 4, 'four streams');
    expect(chats[0]!.subscribers()).toBeGreaterThan(0);
    expect(chats[1]!.subscribers()).toBeGreaterThan(0);

    const send = (i: number) =>
      sendUntilAcked(gateways[i % 2]!.port, sender.token, { chatId, body: `m${i}`, clientMessageId: `mi${i}` });
    const TOTAL = 40;
    for (let i = 1; i <= TOTAL; i++) {
      if (i === 16) await chats[0]!.stop(); // its streams end as UNAVAILABLE and move to the other
      await send(i);
    }
    const expected = Array.from({ length: TOTAL }, (_, i) => `m${i + 1}`);
    for (let i = 0; i < subs.length; i++) {
      await until(() => subs[i]!.bodies().length >= TOTAL, `reader ${i}`);
      expect(subs[i]!.bodies()).toEqual(expected);
    }
    expect(chats[1]!.subscribers()).toBe(4);
  });
});
