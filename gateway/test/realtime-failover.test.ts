import { spawn, type ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount, useAuthService } from '../../test/support/auth.js';
import { chatClient, startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { freePort } from '../../test/support/ports.js';
import { testRedis } from '../../test/support/redis.js';
import { until } from '../../test/support/wait.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import type { ChatApp } from '../../test/support/chat.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import type { GatewayApp } from '../../test/support/gateway.js';

// Upstream fail-over mid-traffic: one gateway holds one Deliver call to each of two chat-service
// instances (one database, one Redis). While a sender keeps sending, one instance is killed
// abruptly (SIGKILL of its process: its calls just break) while subscriptions are spread over
// both; the other is stopped gracefully twice, the second time in the middle of subscriptions'
// replays; the subscriptions they carried move to the other instance and resume from their cursors. Every
// subscriber ends with every acknowledged message exactly once, in order, and the gateway's calls
// come back when the instances do.

const ROOT = new URL('../..', import.meta.url).pathname;
const redis = testRedis('gw-realtime-failover');
/** Generous: the machine is shared, and a wait only lasts as long as its condition is false. */
const WAIT_MS = 90_000;

describe.skipIf(!redis)('fail-over between chat-service instances mid-traffic', () => {
  const auth = useAuthService('gw_rtfo_auth');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  /** In this process: stopped gracefully (its calls end as UNAVAILABLE). */
  let inProcess: ChatApp | undefined;
  let inProcessPort: number;
  /** A process of its own: killed with SIGKILL (abrupt, its calls just break). */
  let killChild = async (): Promise<void> => {};
  let childPort: number;
  let gateway: GatewayApp;

  const chatEnv = (port: number) => ({
    CHAT_GRPC_LISTEN: `127.0.0.1:${port}`,
    CHAT_DATABASE_URL: db.url,
    AUTH_GRPC_ADDR: `127.0.0.1:${auth.app.port}`,
    REDIS_URL: redis!.url,
    REDIS_PREFIX: redis!.prefix,
    METRICS_PORT: '0',
  });

  const startInProcess = async () => {
    inProcess = await startChat(loadChatConfig(chatEnv(inProcessPort)));
  };

  /** chat-service as a process of its own (`node --import tsx`), ready once it logs so. */
  async function startChild(): Promise<void> {
    const started = spawn(process.execPath, ['--import', 'tsx', 'services/chat/src/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...chatEnv(childPort) },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    killChild = leftover(() => kill(started));
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`chat-service did not start:\n${output}`)), 60_000);
      started.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"chat-service ready"')) {
          clearTimeout(timer);
          started.stdout.removeAllListeners('data');
          started.stdout.resume(); // keep draining its log
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chat-service exited (${code}):\n${output}`));
      });
    }).catch((error: unknown) => {
      started.kill('SIGKILL'); // never leave it running behind a failed test
      throw error;
    });
  }

  async function kill(running: ChildProcess): Promise<void> {
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  beforeAll(async () => {
    db = await freshDatabase('gw_rtfo', { entities: chatEntities, migrations: chatMigrations });
    inProcessPort = await freePort();
    childPort = await freePort();
    await Promise.all([startInProcess(), startChild()]);
    gateway = await startGateway([auth.app.port], {}, [inProcessPort, childPort]);
  }, 120_000);

  async function waitFor(check: () => boolean, describe: () => string, timeoutMs = WAIT_MS): Promise<void> {
    try {
      await until(check, 'condition', timeoutMs);
    } catch {
      throw new Error(`timed out waiting for ${describe()}`);
    }
  }

  const register = async () => {
    const res = await auth.auth.register(newAccount('fo'), as());
    return { id: res.user!.id, token: res.tokens!.accessToken };
  };

  interface Created {
    __typename: string;
    seq?: number;
    message?: { body: string };
  }
  const QUERY = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
    __typename ... on MessageCreated { chatId seq message { body } } } }`;

  function subscribe(token: string, resume: { chatId: string; afterSeq: number }[] = []) {
    const client = createClient({
      url: `ws://127.0.0.1:${gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    leftover(() => client.dispose());
    const events: Created[] = [];
    const problems: unknown[] = [];
    client.subscribe<{ chatEvents: Created }>(
      { query: QUERY, variables: { resume } },
      {
        next: (result) => {
          if (result.errors) problems.push(...result.errors);
          if (result.data) events.push(result.data.chatEvents);
        },
        error: (error) => problems.push(error),
        complete: () => problems.push('completed'),
      },
    );
    return {
      problems,
      created: () => events.filter((e) => e.__typename === 'MessageCreated'),
    };
  }

  it(
    'every subscriber gets every acknowledged message once, in order; calls recover when instances return',
    { timeout: 600_000 },
    async () => {
      await waitFor(
        () => gateway.events.calls() === 2,
        () => `both Deliver calls (${gateway.events.calls()})`,
      );
      const sender = await register();
      const readers = await Promise.all(Array.from({ length: 6 }, register));
      const gql = graphqlClient(gateway.port).request;
      const created = await gql<{ createGroupChat: { id: string } }>(
        'mutation ($i: CreateGroupChatInput!) { createGroupChat(input: $i) { id } }',
        { i: { title: 'fail-over', memberIds: readers.map((r) => r.id) } },
        { token: sender.token },
      );
      expect(created.errors).toBeUndefined();
      const chatId = created.data!.createGroupChat.id;

      // History for the subscriptions that resume from the start later: their replay is long
      // enough to be under way when their instance goes.
      const acked: { seq: number; body: string }[] = [];
      const direct = chatClient(inProcessPort);
      const closeDirect = leftover(() => direct.close());
      for (let i = 1; i <= 400; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, async (_, k) => {
            const body = `old-${i + k}`;
            const res = await direct.unary.sendMessage({ chatId, body, clientMessageId: body }, as(sender.token));
            acked.push({ seq: res.message!.seq, body });
          }),
        );
      }
      await closeDirect();

      // Two devices per reader, from the end of that history: twelve subscriptions, placed six on
      // each call. (With a cursor: a message sent before chat-service has read a new subscriber's
      // chats would otherwise count as history, not as a live event.)
      const liveFrom = acked.length;
      const fromNow = [{ chatId, afterSeq: liveFrom }];
      const subs = readers.flatMap((reader) => [subscribe(reader.token, fromNow), subscribe(reader.token, fromNow)]);
      await waitFor(
        () => gateway.events.size() === 12 && inProcess!.subscribers() === 6,
        () => `12 subscriptions, 6 on the in-process instance (${gateway.events.size()}, ${inProcess!.subscribers()})`,
      );

      // The sender: one message after another, each retried with its clientMessageId until it
      // is acknowledged (a retry never doubles it).
      let sending = true;
      const sendFailures: string[] = [];
      const sent = (async () => {
        for (let i = 1; sending; i++) {
          const body = `fo-${i}`;
          await until(
            async () => {
              const res = await gql<{ sendMessage: { seq: number } }>(
                'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
                { input: { chatId, body, clientMessageId: body } },
                { token: sender.token },
              ).catch((error: unknown) => ({ errors: [{ message: String(error) }], data: undefined }));
              if (!res.data) {
                sendFailures.push(JSON.stringify(res.errors));
                return false;
              }
              acked.push({ seq: res.data.sendMessage.seq, body });
              return true;
            },
            () => `"${body}" acknowledged (failures: ${sendFailures.slice(-3).join(' ')})`,
            WAIT_MS,
          );
        }
      })();
      const ackedAtLeast = (n: number) =>
        waitFor(
          () => acked.length >= n,
          () => `${n} acknowledged messages (${acked.length}; failures: ${sendFailures.slice(-3).join(' ')})`,
        );
      const resumers: typeof subs = [];

      try {
        // 1. The child instance is killed abruptly (SIGKILL) while it carries half the subscriptions.
        await ackedAtLeast(liveFrom + 15);
        await killChild();
        await waitFor(
          () => inProcess!.subscribers() === 12,
          () => `all 12 on the remaining instance (${inProcess!.subscribers()})`,
        );
        await ackedAtLeast(acked.length + 10);
        await startChild();
        await waitFor(
          () => gateway.events.calls() === 2,
          () => `the call to the restarted instance (${gateway.events.calls()})`,
        );

        // 2. The in-process instance, carrying all 12, stops gracefully under traffic.
        await ackedAtLeast(acked.length + 10);
        await inProcess!.stop();
        inProcess = undefined;
        await ackedAtLeast(acked.length + 10);
        await startInProcess();
        await waitFor(
          () => gateway.events.calls() === 2,
          () => `the call to the restarted in-process instance (${gateway.events.calls()})`,
        );

        // 3. New subscriptions go to the call with the fewest: the restarted instance's. They
        // resume from the chat's start and replay it while live traffic flows; their instance
        // stops gracefully under them once their replay is under way (it runs in this process,
        // so the stop begins before the replay can finish).
        resumers.push(...readers.map((reader) => subscribe(reader.token, [{ chatId, afterSeq: 0 }])));
        await waitFor(
          () => resumers.some((sub) => sub.created().length > 0),
          () => `the resumers' replay to begin (${gateway.events.size()} subscriptions)`,
        );
        await inProcess!.stop();
        inProcess = undefined;
        await ackedAtLeast(acked.length + 10);
        await startInProcess();
        await waitFor(
          () => gateway.events.calls() === 2,
          () => `the call to the in-process instance started again (${gateway.events.calls()})`,
        );
        await ackedAtLeast(acked.length + 5);
      } finally {
        sending = false;
        await sent;
      }

      const all = [...acked].sort((a, b) => a.seq - b.seq);
      // Acknowledged once each, with no gap: nothing else was logged in the chat.
      expect(all.map((m) => m.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
      const live = all.slice(liveFrom);
      const expectedOf = (sub: (typeof subs)[number]) => (resumers.includes(sub) ? all : live);
      const everyone = [...subs, ...resumers];
      await waitFor(
        () => everyone.every((sub) => sub.created().length >= expectedOf(sub).length),
        () =>
          `every message at every subscriber (${live.length} live, ${all.length} in all): ` +
          everyone.map((sub) => sub.created().length).join(','),
      );
      for (const sub of everyone) {
        expect(sub.problems).toEqual([]);
        expect(sub.created().map((e) => ({ seq: e.seq, body: e.message!.body }))).toEqual(expectedOf(sub));
      }
      expect(gateway.events.calls()).toBe(2);
      expect(gateway.events.size()).toBe(18);
    },
  );
});
