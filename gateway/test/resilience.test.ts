import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount, useAuthService } from '../../test/support/auth.js';
import { chatClient, startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { collect } from '../../test/support/stack.js';
import { startGateway } from '../../test/support/gateway.js';
import { freePort } from '../../test/support/ports.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import type { ChatApp } from '../../test/support/chat.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { until } from '../../test/support/wait.js';

// The gateway keeps subscriptions whole while chat-service restarts, cuts a client that cannot
// keep up with 1013, and lets a subscription outlive its access token (not its session).

const auth = useAuthService('gw_resilience_auth', { ACCESS_TOKEN_TTL: '2s' });
let db: Awaited<ReturnType<typeof freshDatabase>>;
let chatPort: number;
let chat: ChatApp | undefined;
let gateway: GatewayApp;

const startChatService = async () => {
  chat = await startChat(
    loadChatConfig({
      CHAT_GRPC_LISTEN: `127.0.0.1:${chatPort}`,
      CHAT_DATABASE_URL: db.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${auth.app.port}`,
    }),
  );
  return chat;
};

beforeAll(async () => {
  db = await freshDatabase('gw_resilience', { entities: chatEntities, migrations: chatMigrations });
  chatPort = await freePort();
  await startChatService();
  gateway = await startGateway([auth.app.port], {}, [chatPort], {
    wsMaxBufferedBytes: 256 * 1024,
    // A client that stops reading stops answering pings too: the keepalive would drop it (1006)
    // before it reads its 1013 should sending take longer than two intervals on a busy machine.
    wsKeepAliveMs: 120_000,
  });
});

async function user() {
  const account = newAccount('r');
  const res = await auth.auth.register(account, as());
  return { id: res.user!.id, token: res.tokens!.accessToken, refresh: res.tokens!.refreshToken, account };
}

function ws(token: string) {
  const client = createClient({
    url: `ws://127.0.0.1:${gateway.port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  leftover(() => client.dispose());
  return client;
}

const MESSAGES = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
  __typename ... on MessageCreated { chatId seq message { body } } ... on ChatUpdated { chatId seq } } }`;
// With what the events' fields need from other services: the sender (GetUsers) and the chat (GetChats).
const RICH = `subscription { chatEvents {
  __typename ... on MessageCreated { seq message { body sender { id } } }
  ... on ReadReceipt { user { id } } ... on ChatUpdated { chat { id memberCount } } } }`;

describe('chat-service restarts under an open subscription', () => {
  it('resumes upstream with its cursors: every message once, in order, socket open', async () => {
    const a = await user();
    const b = await user();
    const client = chatClient(chatPort);
    leftover(() => client.close());
    const chatId = (await client.unary.getOrCreateDirectChat({ userId: b.id }, as(a.token))).chat!.id;
    const sub = collect<{ chatEvents: { __typename: string; chatId: string; seq: number; message: { body: string } } }>(
      ws(b.token),
      MESSAGES,
    );
    await until(() => (chat?.subscribers() ?? 0) > 0, 'the upstream stream');
    // Access tokens live 2 s in this file (1 to 2 s, by the second): a fresh one for each step.
    const fresh = async () => (await auth.auth.login(a.account, as())).tokens!.accessToken;
    const send = async (i: number) =>
      client.unary.sendMessage({ chatId, body: `m${i}`, clientMessageId: `m${i}` }, as(await fresh()));
    const created = () => sub.events.map((e) => e.chatEvents).filter((e) => e.__typename === 'MessageCreated');
    for (let i = 1; i <= 5; i++) await send(i);
    await until(() => created().length >= 5, 'the first five messages');

    await chat!.stop(); // streams end as UNAVAILABLE; the gateway starts retrying
    await startChatService();
    // A chat b joins while the gateway reconnects: b hears of it either way.
    const joined = (await client.unary.createGroupChat({ title: 'meanwhile', memberIds: [b.id] }, as(await fresh())))
      .chat!;
    for (let i = 6; i <= 10; i++) await send(i);
    await until(() => created().length >= 10, 'all ten messages');
    expect(created().map((e) => e.message.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
    expect(created().map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    await until(
      () => sub.events.some((e) => e.chatEvents.__typename === 'ChatUpdated' && e.chatEvents.chatId === joined.id),
      'the chat joined during the reconnect',
    );
    sub.dispose();
  });
});

describe('a WebSocket client that cannot keep up', () => {
  it('is closed with 1013, and resuming from its cursor gets everything once', { timeout: 90_000 }, async () => {
    const a = await user();
    const b = await user();
    const client = chatClient(chatPort);
    leftover(() => client.close());
    const chatId = (await client.unary.getOrCreateDirectChat({ userId: b.id }, as(a.token))).chat!.id;

    // A raw socket that stops reading once subscribed.
    const socket = new WebSocket(`ws://127.0.0.1:${gateway.port}/graphql`, 'graphql-transport-ws');
    leftover(() => socket.terminate());
    await new Promise((resolve) => socket.once('open', resolve));
    const seen: number[] = [];
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        payload?: { data?: { chatEvents?: { seq?: number } } };
      };
      const seq = message.payload?.data?.chatEvents?.seq;
      if (message.type === 'next' && typeof seq === 'number') seen.push(seq);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    let acked = false;
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') acked = true;
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${b.token}` } }));
    await until(() => acked, 'connection_ack');
    const before = chat!.subscribers();
    // Replies carry their target's body too: each event is about 8 KB.
    const BIG = `subscription { chatEvents { __typename ... on MessageCreated { chatId seq message { body replyTo { body } } } } }`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: BIG } }));
    await until(() => chat!.subscribers() > before, 'the upstream stream');
    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    // Enough to fill the kernel's socket buffers on loopback (several MB) and then the gateway's.
    const TOTAL = 1_200;
    const body = 'x'.repeat(4_090);
    // Access tokens live 2 s in this file: take a fresh one for each batch.
    const freshToken = async (who: typeof a) => (await auth.auth.login(who.account, as())).tokens!.accessToken;
    const target = await client.unary.sendMessage({ chatId, body, clientMessageId: 's1' }, as(a.token));
    for (let i = 2; i <= TOTAL; i += 50) {
      const token = await freshToken(a);
      await Promise.all(
        Array.from({ length: Math.min(50, TOTAL - i + 1) }, (_, k) =>
          client.unary.sendMessage(
            { chatId, body, clientMessageId: `s${i + k}`, replyToId: target.message!.id },
            as(token),
          ),
        ),
      );
    }
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);
    expect(seen.length).toBeLessThan(TOTAL);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));

    // The client resumes from the last seq it saw and gets the rest, once, in order.
    const rest = collect<{ chatEvents: { seq: number } }>(ws(await freshToken(b)), MESSAGES, {
      resume: [{ chatId, afterSeq: seen.at(-1) ?? 0 }],
    });
    const events = await rest.until(TOTAL - seen.length, 30_000);
    expect([...seen, ...events.map((e) => e.chatEvents.seq)]).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    rest.dispose();
  });
});

describe('a subscription outlives its access token, not its session', () => {
  it('keeps receiving after exp, across a chat-service restart, and ends with 4403 on logout', async () => {
    const a = await user();
    const b = await user();
    const client = chatClient(chatPort);
    leftover(() => client.close());
    const chatId = (await client.unary.getOrCreateDirectChat({ userId: b.id }, as(a.token))).chat!.id;
    let sub!: ReturnType<
      typeof collect<{ chatEvents: { message?: { body: string; sender: { id: string } }; user?: { id: string } } }>
    >;
    const socketClosed = new Promise<number>((resolve) => {
      const gql = createClient({
        url: `ws://127.0.0.1:${gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${b.token}` },
        on: { closed: (event) => resolve((event as { code: number }).code) },
      });
      leftover(() => gql.dispose());
      sub = collect(gql, RICH);
    });
    await until(() => (chat?.subscribers() ?? 0) > 0, 'the upstream stream');
    const bodies = () => sub.events.flatMap((e) => (e.chatEvents.message ? [e.chatEvents.message.body] : []));

    // Wait until b's token (2 s) has expired, by its own exp claim.
    const { exp } = JSON.parse(Buffer.from(b.token.split('.')[1]!, 'base64url').toString()) as { exp: number };
    await until(() => Date.now() > exp * 1000 + 200, 'the token to expire', 5_000);
    const fresh = await auth.auth.login(a.account, as()); // a's own token expired too
    const sendAs = (token: string, i: number) =>
      client.unary.sendMessage({ chatId, body: `late${i}`, clientMessageId: `late${i}` }, as(token));
    await sendAs(fresh.tokens!.accessToken, 1);
    await until(() => bodies().length >= 1, 'a message after the token expired');

    await chat!.stop();
    await startChatService();
    await sendAs(fresh.tokens!.accessToken, 2);
    await until(() => bodies().length >= 2, 'a message after the restart');
    expect(bodies()).toEqual(['late1', 'late2']);
    // Past the token's exp, the events' fields still resolve through the other services.
    const senders = sub.events.flatMap((e) => (e.chatEvents.message ? [e.chatEvents.message.sender.id] : []));
    expect(senders).toEqual([a.id, a.id]);

    // b's session is still active: refresh it, then log it out; the socket closes with 4403.
    const refreshed = await auth.auth.refresh({ refreshToken: b.refresh, userAgent: '' }, as());
    await auth.auth.logout({}, as(refreshed.tokens!.accessToken));
    expect(await socketClosed).toBe(4403);
  });
});
