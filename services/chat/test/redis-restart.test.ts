import { beforeAll, describe, expect, it } from 'vitest';
import { chatClient, startChat, useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { freePort } from '../../../test/support/ports.js';
import { haveRedisServer, startRedisServer, type RedisServer } from '../../../test/support/redis-server.js';
import { loadChatConfig } from '../src/config.js';
import type { ChatApp } from '../../../test/support/chat.js';
import type { SubscribeResponse } from '../../../proto/gen/chat/v1/chat.js';
import { until } from '../../../test/support/wait.js';

// Redis carries events between chat-service instances and keeps nothing. When it goes away and
// comes back, every stream re-reads its chats from PostgreSQL: nothing sent meanwhile is lost.

const available = haveRedisServer('chat-redis-restart');
let redis: RedisServer | undefined;
beforeAll(async () => {
  if (available) redis = await startRedisServer(await freePort(), 'chat-redis-restart');
});

const env = () => (redis ? { REDIS_URL: redis.url, REDIS_PREFIX: 'restart:' } : {});
const one = useChatService('chat_redis_restart', { env });
let two: ChatApp;
let twoClient: ReturnType<typeof chatClient>;

beforeAll(async () => {
  two = await startChat(
    loadChatConfig({
      CHAT_GRPC_LISTEN: '127.0.0.1:0',
      CHAT_DATABASE_URL: one.db.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${one.authService.app.port}`,
      ...env(),
    }),
  );
  twoClient = chatClient(two.port);
  leftover(() => twoClient.close());
});

describe.skipIf(!available)('Redis restarted during traffic', () => {
  it('loses nothing: the streams read what the bus dropped from the log', async () => {
    const a = await one.user('ra');
    const b = await one.user('rb');
    const chat = (await one.chat.createGroupChat({ title: 'restart', memberIds: [b.id] }, a.md)).chat!;
    const stream = twoClient.pick().subscribe({ resume: [] }, b.md.metadata);
    const cancelStream = leftover(() => stream.cancel());
    const seqs: number[] = [];
    const elsewhere = new Map<string, string[]>();
    stream.on('data', (response: SubscribeResponse) => {
      if (response.payload?.$case !== 'event') return;
      const event = response.payload.event;
      const live = event.kind?.$case === 'readReceipt' || event.kind?.$case === 'typing';
      if (event.chatId !== chat.id && !live) {
        elsewhere.set(event.chatId, [...(elsewhere.get(event.chatId) ?? []), `${event.kind?.$case}@${event.seq}`]);
      } else if (event.kind?.$case === 'messageCreated') seqs.push(event.seq);
    });
    stream.on('error', () => {});
    await until(() => two.subscribers() > 0, 'the stream');
    const send = (i: number) =>
      one.chat.sendMessage({ chatId: chat.id, body: `m${i}`, clientMessageId: `m${i}` }, a.md);

    for (let i = 1; i <= 5; i++) await send(i);
    await until(() => seqs.length === 5, 'the first five messages');

    const joined = (await one.chat.createGroupChat({ title: 'joined later', memberIds: [] }, a.md)).chat!;
    await redis!.kill();
    for (let i = 6; i <= 10; i++) await send(i); // committed; their publishes fail
    // A chat created with b while the bus is down: its announcement is lost too.
    const other = (await one.chat.createGroupChat({ title: 'meanwhile', memberIds: [b.id] }, a.md)).chat!;
    await one.chat.sendMessage({ chatId: other.id, body: 'hello', clientMessageId: 'o1' }, a.md);
    // And an existing chat b is added to meanwhile.
    await one.chat.addMembers({ chatId: joined.id, userIds: [b.id] }, a.md);
    await redis!.restart();
    await until(() => seqs.length >= 10, 'the messages sent while Redis was down');
    await until(() => elsewhere.size >= 2, 'the chats b joined while Redis was down');
    expect(elsewhere.get(other.id)).toEqual(['chatUpdated@0', 'messageCreated@1']);
    expect(elsewhere.get(joined.id)).toEqual(['chatUpdated@1']);
    for (let i = 11; i <= 12; i++) await send(i);
    await until(() => seqs.length >= 12, 'live messages after the restart');
    await cancelStream();
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
