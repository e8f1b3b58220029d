// Memory under a consumer that stops reading: one Subscribe stream is paused while a sender
// sends N messages; chat-service must cut the stream at its backlog bound instead of buffering,
// so its heap after N messages is about the same for N = 2,000 as for N = 8,000. The stream is
// then resumed from its cursor and must end with every message. Prints heap samples and ratios.
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { dropDatabase, migrateDatabase } from '../lib/db.js';
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.js';
import { as, authClient, newAccount, startAuth } from '../test/support/auth.js';
import { chatClient, startChat } from '../test/support/chat.js';
import { authEntities } from '../services/auth/src/entities.js';
import { authMigrations } from '../migrations/auth/index.js';
import { chatEntities } from '../services/chat/src/entities.js';
import { chatMigrations } from '../migrations/chat/index.js';
import { loadChatConfig } from '../services/chat/src/config.js';
import type { SubscribeResponse } from '../proto/gen/chat/v1/chat.js';

const embedded = process.env.TEST_DATABASE_URL ? undefined : await startEmbeddedPostgres();
const server = process.env.TEST_DATABASE_URL ?? embedded!.url;
const dbUrl = (name: string) => {
  const url = new URL(server);
  url.pathname = `/bench_${name}_${randomBytes(4).toString('hex')}`;
  return url.toString();
};
const authUrl = dbUrl('auth');
const chatUrl = dbUrl('chat');
await migrateDatabase({ url: authUrl, entities: authEntities, migrations: authMigrations });
await migrateDatabase({ url: chatUrl, entities: chatEntities, migrations: chatMigrations });
const auth = await startAuth({ AUTH_DATABASE_URL: authUrl, ACCESS_TOKEN_TTL: '1h' });
const chat = await startChat(
  loadChatConfig({
    CHAT_GRPC_LISTEN: '127.0.0.1:0',
    CHAT_DATABASE_URL: chatUrl,
    AUTH_GRPC_ADDR: `127.0.0.1:${auth.port}`,
    LOG_LEVEL: 'silent',
  }),
);
const authc = authClient(auth.port);
const chatc = chatClient(chat.port);

const heapMb = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

async function run(total: number): Promise<{ heapMb: number; cut: boolean; complete: boolean }> {
  const a = await authc.unary.register(newAccount('ba'), as());
  const b = await authc.unary.register(newAccount('bb'), as());
  const chatId = (await chatc.unary.getOrCreateDirectChat({ userId: b.user!.id }, as(a.tokens!.accessToken))).chat!.id;
  const stream = chatc.pick().subscribe({ resume: [{ chatId, seq: 0 }] }, as(b.tokens!.accessToken).metadata);
  const seen: number[] = [];
  let cut = false;
  stream.on('data', (r: SubscribeResponse) => {
    if (r.payload?.$case === 'event' && r.payload.event.kind?.$case === 'messageCreated')
      seen.push(r.payload.event.seq);
  });
  const ended = new Promise<void>((resolve) =>
    stream.on('error', (e: { code: status }) => {
      cut = e.code === status.RESOURCE_EXHAUSTED;
      resolve();
    }),
  );
  while (chat.subscribers() === 0) await new Promise((r) => setTimeout(r, 10));
  stream.pause();
  const body = 'x'.repeat(1_000);
  for (let i = 0; i < total; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        chatc.unary.sendMessage({ chatId, body, clientMessageId: `b${i + k}` }, as(a.tokens!.accessToken)),
      ),
    );
  }
  const heap = heapMb();
  stream.resume();
  await ended;
  // Resume from the last seq seen: the rest arrives, then nothing is missing.
  const last = seen.at(-1) ?? 0;
  const again = chatc.pick().subscribe({ resume: [{ chatId, seq: last }] }, as(b.tokens!.accessToken).metadata);
  await new Promise<void>((resolve) => {
    again.on('data', (r: SubscribeResponse) => {
      if (r.payload?.$case === 'event' && r.payload.event.kind?.$case === 'messageCreated') {
        seen.push(r.payload.event.seq);
        if (seen.length >= total) resolve();
      }
    });
  });
  again.on('error', () => {});
  again.cancel();
  const complete = seen.length === total && seen.every((seq, i) => seq === i + 1);
  return { heapMb: heap, cut, complete };
}

try {
  const baseline = heapMb();
  const small = await run(2_000);
  const large = await run(8_000);
  process.stdout.write(
    `slow consumer: heap baseline ${baseline.toFixed(1)} MB; after 2,000 messages to a paused stream ${small.heapMb.toFixed(1)} MB, ` +
      `after 8,000 ${large.heapMb.toFixed(1)} MB (ratio ${(large.heapMb / small.heapMb).toFixed(2)} for 4x the messages); ` +
      `stream cut at its bound: ${small.cut && large.cut}; every message delivered after resuming: ${small.complete && large.complete}\n`,
  );
} finally {
  authc.close();
  chatc.close();
  await chat.stop();
  await auth.stop();
  await dropDatabase(authUrl);
  await dropDatabase(chatUrl);
  await embedded?.stop();
}
