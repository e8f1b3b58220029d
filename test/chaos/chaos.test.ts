import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import {
  CreateDirectChatDocument,
  CreateGroupChatDocument,
  RegisterDocument,
  LoginDocument,
  ChatsDocument,
} from '../../web/src/graphql/graphql.js';
import { leftover } from '../support/leftovers.js';
import { freePort } from '../support/ports.js';
import { cmdlineOf, descendants, findBelow } from '../support/processes.js';
import { haveRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startSystem, type System } from '../support/system.js';
import { until } from '../support/wait.js';
import { Api, type Outcome } from './clients/api.js';
import { Device } from './clients/device.js';
import { Senders } from './clients/senders.js';
import { Session, type AuthAnswer } from './clients/session.js';
import { judge, type Stored } from './verdict.js';

/**
 * Crash-only (issue #12): the whole system as `npm start` runs it — its own embedded PostgreSQL,
 * its own Redis, two chat-service instances — carries live traffic between 20 users with two
 * devices each (direct chats and a group), while every kind of process is SIGKILLed in turn,
 * Redis restarted and sockets cut. Clients behave as the web client does (clients/): they
 * resume from their cursors and retry sends with the same clientMessageId. At the end every
 * acknowledged message must be stored once and delivered to every member's every device exactly
 * once, in order (verdict.ts, itself tested by verdict.test.ts).
 *
 * It runs alone, after every other test file (vitest.config.ts: its own project, a later group),
 * since it loads the machine and kills processes on purpose.
 */

const USERS = 20;
const RATE = 60; // messages a second, sent open-loop: outages pile up retries, not fewer sends
const FIRST_FAULT_AFTER_MS = 8_000;
const FAULT_SPACING_MS = 11_000;
/** After a fault, the system serves again and every device is connected within this. */
const RECOVERY_MS = 60_000;
const QUIET_AFTER_LAST_FAULT_MS = 6_000;
const CATCH_UP_MS = 60_000;

const ENTRIES = {
  chat: /services\/chat\/src\/index\.ts/,
  auth: /services\/auth\/src\/index\.ts/,
  profiles: /services\/profiles\/src\/index\.ts/,
  gateway: /gateway\/src\/index\.ts/,
  postgres: /bin\/postgres\b/,
};

const available = haveRedisServer('chaos test');
let redis: RedisServer | undefined;
let system: System | undefined;
const devices: Device[] = [];
const log = (line: string) => process.stdout.write(`[chaos] ${line}\n`);
/**
 * The sleeps below pace the scenario itself (the send rate, the fault schedule, how long Redis
 * stays away, the quiet end of the traffic): they are the load, not waits for a state, which
 * wait with `until`.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  if (!available) return;
  redis = await startRedisServer(await freePort(), 'chaos test');
  leftover(() => redis?.stop());
  system = await startSystem(
    'chaos',
    {
      REDIS_URL: redis!.url,
      CHAT_INSTANCES: '2',
      // It is load: the gateway's rate limits would refuse it.
      RATE_LIMITS: 'off',
      // Tokens expire during the run, so that clients refresh (and sign in again) through the faults.
      ACCESS_TOKEN_TTL: '45s',
      LOG_LEVEL: 'warn',
    },
    { embeddedPostgres: true },
  );
  leftover(() => system?.stop());
}, 120_000);

interface User {
  index: number;
  id: string;
  sessions: [Session, Session];
}

describe.skipIf(!available)('chaos', () => {
  it(
    'every acknowledged message is stored once and reaches every device once, in order, through kill -9 of every process',
    { timeout: 300_000 },
    async () => {
      const began = Date.now();
      const sys = system!;
      const api = new Api(sys.gatewayPort);
      const must = async <T>(what: string, call: Promise<Outcome<T>>): Promise<T> => {
        const answer = await call;
        if (!answer.ok) throw new Error(`${what}: ${answer.reason}`);
        return answer.data;
      };

      // 20 users, each signed in on two devices (two sessions).
      const password = 'a long password';
      const users: User[] = [];
      for (let batch = 0; batch < USERS; batch += 5) {
        const made = await Promise.all(
          Array.from({ length: Math.min(5, USERS - batch) }, async (_, k) => {
            const index = batch + k;
            const email = `chaos${index}@example.com`;
            const registered = await must(
              `register ${index}`,
              api.call<{ register: AuthAnswer }>(print(RegisterDocument), {
                input: { email, username: `chaos_${index}`, password },
              }),
            );
            const second = await must(
              `login ${index}`,
              api.call<{ login: AuthAnswer }>(print(LoginDocument), { input: { email, password } }),
            );
            return {
              index,
              id: registered.register.user.id,
              sessions: [
                new Session(api, email, password, registered.register),
                new Session(api, email, password, second.login),
              ],
            } satisfies User;
          }),
        );
        users.push(...made);
      }

      // Direct chats in a ring (each user in two) and one group of everyone.
      for (const user of users) {
        const next = users[(user.index + 1) % USERS]!;
        await must(
          'createDirectChat',
          api.call(print(CreateDirectChatDocument), { userId: next.id }, user.sessions[0].current),
        );
      }
      await must(
        'createGroupChat',
        api.call(
          print(CreateGroupChatDocument),
          { input: { title: 'chaos', memberIds: users.slice(1).map((u) => u.id) } },
          users[0]!.sessions[0].current,
        ),
      );

      // Every device loads its chats (cursors at their lastSeq) and subscribes, as the web client starts.
      const chatsOf = new Map<string, string[]>(); // user id → chat ids
      for (const user of users) {
        for (const [n, session] of user.sessions.entries()) {
          const { chats } = await must(
            'chats',
            api.call<{ chats: { edges: { node: { id: string; lastSeq: number } }[] } }>(
              print(ChatsDocument),
              {},
              session.current,
            ),
          );
          const mine = chats.edges.map((edge) => edge.node);
          expect(mine).toHaveLength(3);
          chatsOf.set(
            user.id,
            mine.map((chat) => chat.id),
          );
          const device = new Device(`u${user.index}/d${n}`, session, api, sys.gatewayPort, mine);
          devices.push(device);
          leftover(() => device.stop());
          device.start();
        }
      }
      const chatIds = [...new Set([...chatsOf.values()].flat())];
      expect(chatIds).toHaveLength(USERS + 1);
      await until(() => devices.every((d) => d.connected), 'every device connected', 30_000);
      log(
        `${USERS} users × 2 devices, ${chatIds.length} chats, ready after ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );

      // Traffic: RATE messages a second from random devices to random chats of theirs.
      const senders = new Senders(api);
      const deviceOf = (user: User, n: number) => devices.find((d) => d.name === `u${user.index}/d${n}`)!;
      let sending = true;
      // Stopped by the test once the faults are over; also if one of them failed the test.
      leftover(() => {
        sending = false;
        senders.abandon();
      });
      const trafficStarted = Date.now();
      const traffic = (async () => {
        for (let i = 0; sending; i++) {
          const due = trafficStarted + (i * 1000) / RATE;
          if (due > Date.now()) await sleep(due - Date.now());
          const user = users[Math.floor(Math.random() * USERS)]!;
          const device = deviceOf(user, Math.floor(Math.random() * 2));
          const chats = chatsOf.get(user.id)!;
          const chatId = chats[Math.floor(Math.random() * chats.length)]!;
          senders.send(device, chatId, `c${i}-${randomBytes(4).toString('hex')}`, `message ${i} from ${device.name}`);
        }
      })();

      // Faults, spaced out; after each, the system serves again before the next.
      const launcher = sys.pid()!;
      const matching = (pattern: RegExp) => descendants(launcher).filter((pid) => pattern.test(cmdlineOf(pid)));
      const ready = () =>
        fetch(`http://127.0.0.1:${sys.gatewayPort}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (res) => res.ok,
          () => false,
        );
      /** Serving again: /readyz answers, a send is acknowledged after `since`, every device connected. */
      const recovered = async (what: string, since: number) => {
        const firstSeen: Record<string, number> = {};
        const seen = (name: string, holds: boolean) => {
          if (holds) firstSeen[name] ??= Date.now() - since;
          return holds;
        };
        await until(
          async () =>
            [
              seen(
                'devices',
                devices.every((d) => d.connected),
              ),
              seen(
                'ack',
                senders.acks.some((a) => a.at > since),
              ),
              seen('ready', await ready()),
            ].every(Boolean),
          () =>
            `the system serving again after ${what} (devices connected: ${devices.filter((d) => d.connected).length}/${devices.length})\n${sys.output().slice(-5_000)}`,
          RECOVERY_MS,
        );
        log(`  ${what}: from ${new Date(since).toISOString().slice(11, 23)}, ms until ${JSON.stringify(firstSeen)}`);
      };
      const killProcess = (name: keyof typeof ENTRIES) => async () => {
        // PostgreSQL's own processes carry its path too: its postmaster is the ancestor-most.
        const before = name === 'postgres' ? [findBelow(launcher, ENTRIES.postgres)!] : matching(ENTRIES[name]);
        const victim = before[0];
        if (victim === undefined) throw new Error(`no ${name} process below the launcher`);
        process.kill(victim, 'SIGKILL');
        let restartedAt = 0;
        await until(
          () => {
            const now =
              name === 'postgres'
                ? [findBelow(launcher, ENTRIES.postgres)].filter((p) => p !== undefined)
                : matching(ENTRIES[name]);
            const back = now.length === before.length && !now.includes(victim);
            if (back) restartedAt = Date.now();
            return back;
          },
          () => `${name} restarted by the launcher\n${sys.output().slice(-5_000)}`,
          RECOVERY_MS,
        );
        await recovered(`kill -9 of ${name}`, restartedAt);
      };
      const faults: { name: string; inflict: () => Promise<void> }[] = [
        { name: 'socket drops', inflict: () => dropSockets() },
        { name: 'kill -9 chat-service (1 of 2)', inflict: killProcess('chat') },
        { name: 'kill -9 auth-service', inflict: killProcess('auth') },
        { name: 'kill -9 profiles-service', inflict: killProcess('profiles') },
        { name: 'kill -9 gateway', inflict: killProcess('gateway') },
        { name: 'kill -9 PostgreSQL', inflict: killProcess('postgres') },
        {
          name: 'Redis restart',
          inflict: async () => {
            await redis!.kill();
            await sleep(2_000); // away for a while, with traffic going on
            await redis!.restart();
            await recovered('the Redis restart', Date.now());
          },
        },
        { name: 'socket drops', inflict: () => dropSockets() },
      ];
      async function dropSockets() {
        const chosen = devices.filter(() => Math.random() < 0.5);
        const before = new Map(chosen.map((d) => [d, d.connects]));
        const dropped = chosen.filter((d) => d.dropSocket());
        await until(
          () => dropped.every((d) => d.connected && d.connects > before.get(d)!),
          `the ${dropped.length} devices whose sockets were cut connected again`,
          RECOVERY_MS,
        );
        await recovered('socket drops', Date.now());
      }

      const timeline: string[] = [];
      let next = trafficStarted + FIRST_FAULT_AFTER_MS;
      for (const fault of faults) {
        await sleep(Math.max(0, next - Date.now()));
        const at = Date.now();
        senders.phase = fault.name;
        await fault.inflict();
        const took = Date.now() - at;
        timeline.push(
          `${fault.name} at ${((at - trafficStarted) / 1000).toFixed(1)} s, recovered in ${(took / 1000).toFixed(1)} s`,
        );
        log(timeline.at(-1)!);
        next = Math.max(at + FAULT_SPACING_MS, Date.now() + 3_000);
      }
      await sleep(QUIET_AFTER_LAST_FAULT_MS);
      sending = false;
      await traffic;
      const trafficSeconds = (Date.now() - trafficStarted) / 1000;

      // Every send acknowledged, then every device caught up: bounded, the verdict says what is missing.
      await until(() => senders.pending === 0, 'every send acknowledged', CATCH_UP_MS).catch((error: Error) => {
        log(error.message);
        senders.abandon();
      });
      const newest = new Map<string, number>();
      for (const ack of senders.acks) newest.set(ack.chatId, Math.max(newest.get(ack.chatId) ?? 0, ack.seq));
      await until(
        () => devices.every((d) => [...d.cursors].every(([chatId, seq]) => seq >= (newest.get(chatId) ?? 0))),
        'every device caught up',
        CATCH_UP_MS,
      ).catch((error: Error) => log(error.message));

      // The stored history of every chat, read back page by page.
      const stored: Stored[] = [];
      const reader = new Map<string, Session>();
      for (const user of users) for (const chatId of chatsOf.get(user.id)!) reader.set(chatId, user.sessions[0]);
      interface HistoryPage {
        messages: {
          edges: { node: { id: string; seq: number; clientMessageId: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }
      for (const chatId of chatIds) {
        let after: string | null = null;
        for (;;) {
          const session = reader.get(chatId)!;
          const page: HistoryPage = await must(
            `history of ${chatId}`,
            api.call<HistoryPage>(
              'query ($chatId: ID!, $after: String) { messages(chatId: $chatId, first: 100, after: $after) { edges { node { id seq clientMessageId } } pageInfo { hasNextPage endCursor } } }',
              { chatId, after },
              await session.token(),
            ),
          );
          stored.push(
            ...page.messages.edges.map(({ node }) => ({
              chatId,
              seq: node.seq,
              messageId: node.id,
              clientMessageId: node.clientMessageId,
            })),
          );
          if (!page.messages.pageInfo.hasNextPage) break;
          after = page.messages.pageInfo.endCursor;
        }
      }

      const verdict = judge({
        sends: senders.sends,
        acks: senders.acks,
        stored,
        devices: devices.map((d) => ({
          device: d.name,
          chats: d.firstCursors,
          deliveries: d.deliveries,
          errored: d.errored,
        })),
      });
      const { counts, stats } = { counts: verdict.counts, stats: senders.stats };
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      log(
        `${counts.sent} messages sent in ${trafficSeconds.toFixed(1)} s (${(counts.sent / trafficSeconds).toFixed(1)}/s), ` +
          `${counts.acknowledged} acknowledged, ${stored.length} stored`,
      );
      log(`sends that needed a retry: ${stats.retried} (${stats.requests} requests in all)`);
      log(`why requests failed, by the fault last inflicted:`);
      for (const [reason, count] of [...stats.reasons].sort()) log(`  ${count}× ${reason}`);
      log(
        `deliveries: ${counts.deliveries} of ${counts.expectedDeliveries} expected; ` +
          `reconnects: ${sum(devices.map((d) => d.connects - 1))}; ` +
          `token refreshes: ${sum(devices.map((d) => d.session.refreshes))}; ` +
          `sign-ins again after a refused refresh: ${sum(devices.map((d) => d.session.logins))}`,
      );
      log(`faults:\n  ${timeline.join('\n  ')}`);
      log(`verdict: ${verdict.ok ? 'delivery held' : 'BROKEN'} ${JSON.stringify(counts)}`);
      for (const problem of verdict.problems) log(`  ${problem}`);
      for (const d of devices) if (d.errors.length) log(`  ${d.name} errored events: ${d.errors.join(' | ')}`);
      log(`whole run: ${((Date.now() - began) / 1000).toFixed(1)} s`);
      await mkdir('test-artifacts', { recursive: true });
      await writeFile('test-artifacts/chaos-system.log', sys.output());

      expect(counts.sent).toBeGreaterThanOrEqual(1_500);
      expect(stats.refused).toEqual([]);
      expect(devices.flatMap((d) => d.chatsJoined)).toEqual([]);
      expect(verdict.problems).toEqual([]);
      expect(verdict.ok).toBe(true);
    },
  );
});
