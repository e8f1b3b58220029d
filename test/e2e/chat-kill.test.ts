import { spawn, type ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, newAccount, useAuthService } from '../support/auth.js';
import { freshDatabase } from '../support/database.js';
import { graphqlClient, startGateway } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { freePort } from '../support/ports.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import type { GatewayApp } from '../support/gateway.js';
import { until } from '../support/wait.js';
import { followChat, sendUntilAcked } from '../../gateway/test/chat-clients.js';

// chat-service killed with SIGKILL and started again while subscriptions through the gateway are
// open and a sender keeps sending, retrying each message with its clientMessageId: every
// subscriber ends with every message exactly once, in order.

const ROOT = new URL('../..', import.meta.url).pathname;
const auth = useAuthService('e2e_kill_auth');
let db: Awaited<ReturnType<typeof freshDatabase>>;
let chatPort: number;
let chatProcess: ChildProcess | undefined;
let gateway: GatewayApp;

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
  // Killed after the file's tests, unless the test killed it first.
  leftover(() => child.kill('SIGKILL'));
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
    const subs = readers.map((reader) => followChat(gateway.port, reader.token, chatId));
    await until(() => gateway.events.size() === 2, 'both subscriptions');

    const TOTAL = 60;
    // Retried with the same clientMessageId until it lands: never doubled.
    const send = (i: number) =>
      sendUntilAcked(gateway.port, sender.token, { chatId, body: `m${i}`, clientMessageId: `k${i}` });
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
      await until(() => subs[i]!.bodies().length >= TOTAL, `subscriber ${i} to catch up`);
      expect(subs[i]!.bodies()).toEqual(expected);
    }
  });
});
