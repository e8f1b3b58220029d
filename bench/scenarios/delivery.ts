// Delivery: 100 users × 10 devices = 1,000 sockets, one `chatEvents` subscription each (the web
// client's selection), in 50 direct chats, so each message reaches 20 sockets. sendMessage over
// HTTP at a fixed open-loop rate (200, 400, 800 msg/s) for 10 s, spread over the chats. Latency
// runs from the start of a send request to the frame's arrival at each receiving socket. Beside
// it in the same run, alternating: the bare `node:http` + `ws` broadcast server and yoga +
// graphql-ws in memory, over the same sockets' users and chats.
import { measureCpu, waitQuiet } from '../lib/cpu.js';
import type { BenchContext } from '../lib/context.js';
import { SIZES } from '../lib/fixtures.js';
import { stopChild } from '../lib/children.js';
import { sendMessage, type User } from '../lib/graphql.js';
import { makeBody, now } from '../lib/message-body.js';
import { startPools, startSender, type Pools, type SocketSpec } from '../lib/pools.js';
import { WEB_CHAT_EVENTS } from '../lib/queries.js';
import { resultOf, type Row, type ScenarioResult } from '../lib/report.js';
import { median, ratio, summarize } from '../lib/stats.js';
import { directoryOf, startRawWs, startYogaMemory, type Target } from '../lib/targets.js';

/** Offered send rates; `BENCH_RATES=200` (comma-separated) for a quicker run. */
const RATES = (process.env.BENCH_RATES ?? '200,400,800').split(',').map(Number);
const DURATION_MS = 10_000;
/** Sends beyond this many unanswered are skipped (and counted): the traffic stays bounded. */
const MAX_IN_FLIGHT = 1_000;
/** How long answers and deliveries may trail the last send before what is missing counts as lost. */
const DRAIN_MS = 10_000;

/** Makes every socket's subscription live: one message per chat until every socket got one. */
export async function warmUp(
  pools: Pools,
  url: string,
  sends: { chatId: string; token: string }[],
  sockets: number,
  name: string,
): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const run = `warm-${name}-${attempt}`;
    await pools.track(run, name);
    // A send that fails (the system still busy opening subscriptions) is simply tried again in
    // the next attempt; warm-up is not measured.
    await Promise.all(
      sends.map(({ chatId, token }, i) =>
        sendMessage(url, token, chatId, makeBody(run, 'w', now()), `${run}-${i}`).catch(() => undefined),
      ),
    );
    const { count } = await pools.waitFor('w', sockets, 20_000);
    if (count >= sockets) return;
  }
  throw new Error(`${name}: not every subscription became live after 5 warm-up messages per chat`);
}

interface RunFigures {
  target: string;
  rate: number;
  round: number;
  planned: number;
  acked: number;
  failures: number;
  skipped: number;
  achievedRate: number;
  expectedDeliveries: number;
  latency: ReturnType<typeof summarize>;
  /** From the start of each send request to its answer. */
  ackLatency: ReturnType<typeof summarize>;
  /** How late the sender got behind its schedule at worst (its own stalls, not the system's). */
  maxScheduleLagMs: number;
  check: Awaited<ReturnType<Pools['collect']>>['check'];
  frameBytes: number;
  cpu: Record<string, number>;
  /** Busy cores of the whole machine in the window (ours, the load generators and anyone else's). */
  machineCores: number;
  firstError: string;
}

export async function delivery(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const { users, chats } = await ctx.fixtures.delivery();
  const chatOf = new Map<string, string>();
  for (const chat of chats) for (const member of chat.members) chatOf.set(member.id, chat.id);
  const sockets: SocketSpec[] = users.flatMap((user: User) =>
    user.tokens.map((token) => ({ token, chats: [chatOf.get(user.id)!] })),
  );
  const directory = directoryOf(
    users,
    chats.map((chat) => ({ id: chat.id, memberIds: chat.members.map((m) => m.id) })),
  );
  const sendTargets = chats.map((chat) => ({ chatId: chat.id, tokens: chat.members.map((m) => m.tokens[0]!) }));
  const warmSends = chats.map((chat) => ({ chatId: chat.id, token: chat.members[0].tokens[0]! }));

  const ours: Target = {
    name: 'ours',
    httpUrl: ctx.system.gatewayUrl,
    wsUrl: ctx.system.wsUrl,
    processes: Object.fromEntries(
      (['gateway', 'auth', 'chat', 'profiles', 'postgres'] as const).map((n) => [n, ctx.system.pids[n]]),
    ),
    stop: async () => {},
  };
  const targets = [ours, await startRawWs(directory), await startYogaMemory(directory)];
  const pools = await startPools(2);
  const sender = await startSender();
  const load = { sender: sender.pid, ...Object.fromEntries(pools.pids.map((pid, i) => [`clients#${i}`, pid])) };
  // Before each run every server and client is idle: no backlog of an earlier run competes.
  const everything = Object.assign({}, ...targets.map((t) => t.processes), load) as Record<string, number>;
  const runs: RunFigures[] = [];
  const problems: string[] = [];
  try {
    for (const target of targets) {
      const began = performance.now();
      await pools.connect(target.wsUrl, sockets, WEB_CHAT_EVENTS, target.name);
      const connected = performance.now();
      await warmUp(pools, target.httpUrl, warmSends, sockets.length, target.name);
      ctx.log(
        `delivery: ${sockets.length} subscriptions on ${target.name} connected in ${((connected - began) / 1000).toFixed(1)} s, ` +
          `live ${((performance.now() - connected) / 1000).toFixed(1)} s later`,
      );
    }
    for (const rate of RATES) {
      for (let round = 1; round <= ctx.rounds; round++) {
        for (const target of targets) {
          // Bounded: a system that collapsed may work off its backlog for minutes; the next run
          // then starts anyway, and the machine's busy cores in its figures show it.
          await waitQuiet(everything, 0.15, 15_000);
          const run = `d-${target.name}-${rate}-${round}`;
          await pools.track(run, target.name);
          const cpu = measureCpu({ ...target.processes, ...load });
          const sent = await sender.call('openLoop', {
            url: target.httpUrl,
            rate,
            durationMs: DURATION_MS,
            targets: sendTargets,
            run,
            maxInFlight: MAX_IN_FLIGHT,
            drainMs: DRAIN_MS,
          });
          // Each acknowledged message is due at the 20 sockets of its chat's two users.
          const expectedDeliveries = sent.acked * 2 * SIZES.devices;
          await pools.drain(expectedDeliveries, 3_000, DRAIN_MS);
          const { cores, machineCores } = cpu.stop();
          const collected = await pools.collect(sent.ackedSeqs);
          const figures: RunFigures = {
            target: target.name,
            rate,
            round,
            planned: sent.planned,
            acked: sent.acked,
            failures: sent.failures,
            skipped: sent.skipped,
            achievedRate: Math.round(sent.achievedRate),
            expectedDeliveries,
            latency: summarize(collected.latencies),
            ackLatency: sent.ackLatency,
            maxScheduleLagMs: Math.round(sent.maxScheduleLagMs),
            check: collected.check,
            frameBytes: collected.frameBytes,
            cpu: cores,
            machineCores,
            firstError: sent.firstError || collected.lastError,
          };
          runs.push(figures);
          const { check } = figures;
          if (check.lost || check.duplicates || check.outOfOrder || figures.failures) {
            problems.push(
              `${run}: lost ${check.lost}, duplicates ${check.duplicates}, out of order ${check.outOfOrder}, failed sends ${figures.failures}, skipped ${figures.skipped}${figures.firstError ? ` (${figures.firstError})` : ''}`,
            );
          }
          ctx.log(
            `delivery ${target.name} ${rate} msg/s #${round}: p50 ${figures.latency.p50.toFixed(1)} ms, p99 ${figures.latency.p99.toFixed(1)} ms, ` +
              `max ${figures.latency.max.toFixed(0)} ms, send answered p99 ${figures.ackLatency.p99.toFixed(1)} ms, ` +
              `sender lag ≤ ${figures.maxScheduleLagMs} ms, achieved ${figures.achievedRate}/s, lost ${check.lost}, dup ${check.duplicates}, ` +
              `cpu ${JSON.stringify(cores)}, machine ${machineCores} cores busy`,
          );
        }
      }
    }
  } finally {
    await pools.close().catch(() => undefined);
    await pools.stop();
    await stopChild(sender.child, 2_000);
    for (const target of targets) await target.stop();
  }

  const med = (target: string, rate: number, pick: (run: RunFigures) => number) =>
    median(runs.filter((r) => r.target === target && r.rate === rate).map(pick));
  const rows: Row[] = RATES.flatMap((rate): Row[] => {
    const p99 = (t: string) => med(t, rate, (r) => r.latency.p99);
    const goal = rate === 200 ? '≤ 30 ms, 0 lost' : 'p99 ≤ 100 ms at 800 msg/s';
    return [
      {
        measure: `p99 latency at ${rate} msg/s (20 sockets a message)`,
        unit: 'ms',
        ours: p99('ours'),
        references: { 'raw ws': p99('raw-ws'), 'yoga in memory': p99('yoga-memory') },
        ratio: ratio(p99('ours'), p99('yoga-memory')),
        ratioOf: 'yoga in memory',
        goal,
      },
      {
        measure: `p50 latency at ${rate} msg/s`,
        unit: 'ms',
        ours: med('ours', rate, (r) => r.latency.p50),
        references: {
          'raw ws': med('raw-ws', rate, (r) => r.latency.p50),
          'yoga in memory': med('yoga-memory', rate, (r) => r.latency.p50),
        },
        ratio: null,
        goal: '—',
      },
      {
        measure: `achieved send rate at ${rate} msg/s`,
        unit: 'msg/s',
        ours: med('ours', rate, (r) => r.achievedRate),
        references: {
          'raw ws': med('raw-ws', rate, (r) => r.achievedRate),
          'yoga in memory': med('yoga-memory', rate, (r) => r.achievedRate),
        },
        ratio: ratio(
          med('ours', rate, (r) => r.achievedRate),
          rate,
        ),
        ratioOf: 'of the offered rate',
        goal: rate === 800 ? '800 msg/s' : `${rate} msg/s`,
      },
      {
        measure: `not delivered within ${DRAIN_MS / 1000} s + duplicate + out of order at ${rate} msg/s (all rounds)`,
        unit: '',
        ours: runs
          .filter((r) => r.target === 'ours' && r.rate === rate)
          .reduce((sum, r) => sum + r.check.lost + r.check.duplicates + r.check.outOfOrder, 0),
        references: {
          'raw ws': runs
            .filter((r) => r.target === 'raw-ws' && r.rate === rate)
            .reduce((sum, r) => sum + r.check.lost, 0),
        },
        ratio: null,
        goal: '0',
      },
    ];
  });
  return resultOf('delivery', startedAt, {
    settings: {
      users: users.length,
      devicesPerUser: SIZES.devices,
      sockets: sockets.length,
      chats: chats.length,
      socketsPerMessage: 2 * SIZES.devices,
      rates: RATES,
      durationMs: DURATION_MS,
      maxInFlight: MAX_IN_FLIGHT,
      drainMs: DRAIN_MS,
      rounds: ctx.rounds,
      selection: 'web client (web/src/api/operations.ts ChatEvents)',
      latency: 'send request start (written into the body) to frame arrival at each socket; medians over rounds',
    },
    problems,
    rows,
    runs,
  });
}
