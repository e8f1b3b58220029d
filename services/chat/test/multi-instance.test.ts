import { beforeAll, describe, expect, it } from 'vitest';
import { chatClient, startChat, useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { testRedis } from '../../../test/support/redis.js';
import { until } from '../../../test/support/wait.js';
import { loadChatConfig } from '../src/config.js';
import type { ChatApp } from '../../../test/support/chat.js';
import type { SubscribeResponse } from '../../../proto/gen/chat/v1/chat.js';

const redis = testRedis('chat-multi');

describe.skipIf(!redis)('two chat-service instances sharing Redis', () => {
  const env = redis ? { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix } : undefined;
  // Long enough that a refresh every quarter TTL never misses on a loaded machine.
  const TYPING_TTL_MS = 1_000;
  const one = useChatService('chat_multi', { typingTtlMs: TYPING_TTL_MS, ...(env ? { env } : {}) });
  let two: ChatApp;
  let twoClient: ReturnType<typeof chatClient>;

  beforeAll(async () => {
    two = await startChat(
      loadChatConfig({
        CHAT_GRPC_LISTEN: '127.0.0.1:0',
        CHAT_DATABASE_URL: one.db.url,
        AUTH_GRPC_ADDR: `127.0.0.1:${one.authService.app.port}`,
        ...env,
      }),
      { typingTtlMs: TYPING_TTL_MS },
    );
    twoClient = chatClient(two.port);
    leftover(() => twoClient.close());
  });

  it('delivers events made on one instance to streams on the other, exactly once and in order', async () => {
    const a = await one.user('ma');
    const b = await one.user('mb');
    const chat = (await one.chat.createGroupChat({ title: 'multi', memberIds: [b.id] }, a.md)).chat!;
    // b listens on instance two; a writes on instance one.
    const stream = twoClient.pick().subscribe({ resume: [] }, b.md.metadata);
    const cancelStream = leftover(() => stream.cancel());
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
    await until(() => two.subscribers() > 0, 'the stream to be registered on instance two', 5_000);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        one.chat.sendMessage({ chatId: chat.id, body: `m${i}`, clientMessageId: `m${i}` }, a.md),
      ),
    );
    await done;
    await cancelStream();
    expect(snapshot).toBe(true);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('announces typing once across instances, and its end once after the last refresh', async () => {
    const a = await one.user('ta');
    const b = await one.user('tb');
    const chat = (await one.chat.createGroupChat({ title: 'typing', memberIds: [b.id] }, a.md)).chat!;
    const stream = twoClient.pick().subscribe({ resume: [] }, b.md.metadata);
    const cancelStream = leftover(() => stream.cancel());
    const typing: boolean[] = [];
    stream.on('data', (response: SubscribeResponse) => {
      if (response.payload?.$case === 'event' && response.payload.event.kind?.$case === 'typing') {
        typing.push(response.payload.event.kind.typing.typing);
      }
    });
    stream.on('error', () => {});
    await until(() => two.subscribers() > 0, 'the stream to be registered on instance two', 5_000);
    // Started on one instance, refreshed on the other within the TTL, several times. The waits
    // are part of what is tested (no event marks time passing): refreshes a quarter TTL apart,
    // so that the end falls due a TTL after the last one, on the instance that took it.
    await one.chat.setTyping({ chatId: chat.id, typing: true }, a.md);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, TYPING_TTL_MS / 4));
      await (i % 2 === 0 ? twoClient.unary : one.chat).setTyping({ chatId: chat.id, typing: true }, a.md);
    }
    await until(() => typing.length >= 2, 'typing to start and end', 5_000);
    // A second "false" would come within a TTL: nothing but waiting shows that none does.
    await new Promise((r) => setTimeout(r, TYPING_TTL_MS * 2));
    await cancelStream();
    expect(typing).toEqual([true, false]);
  });
});
