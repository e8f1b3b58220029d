import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatClient, startChat, useChatService } from '../../../lib/testing/chat.js';
import { testRedis } from '../../../lib/testing/redis.js';
import { loadChatConfig } from '../src/config.js';
import type { ChatApp } from '../src/app.js';
import type { SubscribeResponse } from '../../../proto/gen/chat/v1/chat.js';

const redis = testRedis('chat-multi');

describe.skipIf(!redis)('two chat-service instances sharing Redis', () => {
  const env = redis ? { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix } : undefined;
  const one = useChatService('chat_multi', env ? { env } : {});
  let two: ChatApp;
  let twoClient: ReturnType<typeof chatClient>;

  beforeAll(async () => {
    two = await startChat(
      loadChatConfig({
        CHAT_GRPC_LISTEN: '127.0.0.1:0',
        CHAT_DATABASE_URL: one.db.url,
        JWT_SECRET: one.authService.secret,
        AUTH_GRPC_ADDR: `127.0.0.1:${one.authService.app.port}`,
        ...env,
      }),
    );
    twoClient = chatClient(two.port);
  });
  afterAll(async () => {
    twoClient?.close();
    await two?.stop();
  });

  it('delivers events made on one instance to streams on the other, exactly once and in order', async () => {
    const a = await one.user('ma');
    const b = await one.user('mb');
    const chat = (await one.chat.createGroupChat({ title: 'multi', memberIds: [b.id] }, a.md)).chat!;
    // b listens on instance two; a writes on instance one.
    const stream = twoClient.pick().subscribe({ resume: [] }, b.md.metadata);
    const seqs: number[] = [];
    let snapshot = false;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (response: SubscribeResponse) => {
        if (response.payload?.$case === 'snapshot') snapshot = true;
        if (response.payload?.$case === 'event' && response.payload.event.kind?.$case === 'messageCreated') {
          seqs.push(response.payload.event.seq);
          if (seqs.length === 20) resolve();
        }
      });
      stream.on('error', reject);
    });
    const deadline = Date.now() + 5_000;
    while (two.streams() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        one.chat.sendMessage({ chatId: chat.id, body: `m${i}`, clientMessageId: `m${i}` }, a.md),
      ),
    );
    await done;
    stream.cancel();
    expect(snapshot).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
