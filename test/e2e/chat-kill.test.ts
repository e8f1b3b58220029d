import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount, useAuthService } from '../support/auth.js';
import { freshDatabase } from '../support/database.js';
import { graphqlClient, startGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { collect } from '../support/stack.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import type { GatewayApp } from '../../gateway/src/app.js';
import { until } from '../support/wait.js';

// chat-service killed with SIGKILL and started again while subscriptions through the gateway are
// open and a sender keeps sending, retrying each message with its clientMessageId: every
// subscriber ends with every message exactly once, in order.

const ROOT = new URL('../..', import.meta.url).pathname;
const auth = useAuthService('e2e_kill_auth');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let chatPort: number;
let chatProcess: ChildProcess | undefined;
let gateway: GatewayApp;
const cleanups: (() => unknown)[] = [];

async function startChatProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/chat/src/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      LOG_LEVEL: 'info',
      CHAT_GRPC_LISTEN: `127.0.0.1:${chatPort}`,
      CHAT_DATABASE_URL: db.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${auth.app.port}`,
      METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  // Ready when it logs so (its log lines go to a pipe read here).
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`chat-service did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"chat-service ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`chat-service exited:\n${output}`)));
  }).catch((error: unknown) => {
    child.kill('SIGKILL'); // never leave it running behind a failed test
    throw error;
  });
  return child;
}

beforeAll(async () => {
  db = await freshDatabase('e2e_kill', { entities: chatEntities, migrations: chatMigrations });
  chatPort = await freePort();
  // Rate limits off: the sender sends and retries as fast as it can, which is no person's pace.
  gateway = await startGateway([auth.app.port], { RATE_LIMITS: 'off' }, [chatPort]);
  chatProcess = await startChatProcess();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await gateway?.stop();
  chatProcess?.kill('SIGKILL');
  await db?.drop();
});

describe('chat-service killed and restarted under load', () => {
  it('every subscriber gets every message once, in order', { timeout: 120_000 }, async () => {
    const gql = graphqlClient(gateway.port).request;
    const register = async () => {
      const res = await auth.auth.register(newAccount('k'), as());
      return { id: res.user!.id, token: res.tokens!.accessToken };
    };
    const sender = await register();
    const readers = [await register(), await register()];
    const created = await gql<{ createGroupChat: { id: string } }>(
      'mutation ($i: CreateGroupChatInput!) { createGroupChat(input: $i) { id } }',
      { i: { title: 'kill', memberIds: readers.map((r) => r.id) } },
      { token: sender.token },
    );
    const chatId = created.data!.createGroupChat.id;
    const subs = readers.map((reader) => {
      const client = createClient({
        url: `ws://127.0.0.1:${gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${reader.token}` },
      });
      cleanups.push(() => client.dispose());
      return collect<{ chatEvents: { __typename: string; seq?: number; message?: { body: string } } }>(
        client,
        'subscription ($r: [ChatCursorInput!]) { chatEvents(resume: $r) { __typename ... on MessageCreated { seq message { body } } } }',
        // From seq 0: whenever chat-service registers the stream, nothing before it is missed.
        { r: [{ chatId, afterSeq: 0 }] },
      );
    });
    await until(() => gateway.events.size() === 2, 'both subscriptions');
    const bodies = (i: number) =>
      subs[i]!.events.flatMap((e) =>
        e.chatEvents.__typename === 'MessageCreated' ? [e.chatEvents.message!.body] : [],
      );

    const TOTAL = 60;
    const send = async (i: number) => {
      // Retried with the same clientMessageId until it lands: never doubled.
      for (;;) {
        const res = await gql(
          'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
          { input: { chatId, body: `m${i}`, clientMessageId: `k${i}` } },
          { token: sender.token },
        );
        if (!res.errors) return;
        expect(res.errors[0]?.extensions?.code).toBe('UNAVAILABLE');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    for (let i = 1; i <= TOTAL; i++) {
      if (i === 21) {
        chatProcess!.kill('SIGKILL');
        // Restarted in the background while the sender keeps retrying.
        void startChatProcess().then((child) => (chatProcess = child));
      }
      await send(i);
    }
    const expected = Array.from({ length: TOTAL }, (_, i) => `m${i + 1}`);
    for (let i = 0; i < subs.length; i++) {
      await until(() => bodies(i).length >= TOTAL, `subscriber ${i} to catch up`);
      expect(bodies(i)).toEqual(expected);
    }
  });
});
