// Fan-out: one group of 1,000 online members, one socket and one `chatEvents` subscription each.
// A member sends messages one after another; per message, the time from the start of its send
// request until the LAST member's socket has it. Two selections: the web client's (sender with
// profile) and the message's own fields. Reference in the same run, alternating: the raw `ws`
// server broadcasting a frame of the same shape and size to the same 1,000 sockets.
import type { BenchContext } from '../lib/context.js';
import { measureCpu, waitQuiet } from '../lib/cpu.js';
import { sendMessage } from '../lib/graphql.js';
import { makeBody, now } from '../lib/message-body.js';
import { startPools } from '../lib/pools.js';
import { OWN_CHAT_EVENTS, WEB_CHAT_EVENTS } from '../lib/queries.js';
import { resultOf, type Row, type ScenarioResult } from '../lib/report.js';
import { median, ratio, summarize } from '../lib/stats.js';
import { directoryOf, startRawWs, type Target } from '../lib/targets.js';
import { warmUp } from './delivery.js';

/** Messages per run, sent one after another; a run also ends after RUN_LIMIT_MS. */
const MESSAGES = 30;
const RUN_LIMIT_MS = 20_000;
/** A message not at every socket after this long counts as lost there. */
const MESSAGE_TIMEOUT_MS = 15_000;
const SELECTIONS = { web: WEB_CHAT_EVENTS, own: OWN_CHAT_EVENTS } as const;

interface RunFigures {
  target: string;
  selection: keyof typeof SELECTIONS;
  round: number;
  messages: number;
  /** Per message: ms until the last socket had it. */
  lastMember: ReturnType<typeof summarize>;
  /** Every delivery's latency, all sockets. */
  all: ReturnType<typeof summarize>;
  incomplete: number;
  failedSends: number;
  check: { delivered: number; lost: number; duplicates: number; outOfOrder: number; unexpected: number };
  frameBytes: number;
  cpu: Record<string, number>;
  machineCores: number;
}

export async function fanout(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const group = await ctx.fixtures.group();
  const sockets = group.members.map((member) => ({ token: member.tokens[0]!, chats: [group.id] }));
  const ours: Target = {
    name: 'ours',
    httpUrl: ctx.system.gatewayUrl,
    wsUrl: ctx.system.wsUrl,
    processes: Object.fromEntries(
      (['gateway', 'auth', 'chat', 'profiles', 'postgres'] as const).map((n) => [n, ctx.system.pids[n]]),
    ),
    stop: async () => {},
  };
  const raw = await startRawWs(
    directoryOf(group.members, [{ id: group.id, memberIds: group.members.map((m) => m.id) }]),
  );
  const targets = [ours, raw];
  const pools = await startPools(2);
  const load = Object.fromEntries(pools.pids.map((pid, i) => [`clients#${i}`, pid]));
  const everything = Object.assign({}, ...targets.map((t) => t.processes), load) as Record<string, number>;
  const runs: RunFigures[] = [];
  const problems: string[] = [];
  try {
    for (const [selection, query] of Object.entries(SELECTIONS) as [keyof typeof SELECTIONS, string][]) {
      for (const target of targets) {
        await pools.connect(target.wsUrl, sockets, query, target.name);
        await warmUp(
          pools,
          target.httpUrl,
          [{ chatId: group.id, token: group.members[0]!.tokens[0]! }],
          sockets.length,
          target.name,
        );
      }
      ctx.log(
        `fanout: ${sockets.length} subscriptions (${selection} selection) live on ${targets.map((t) => t.name).join(', ')}`,
      );
      for (let round = 1; round <= ctx.rounds; round++) {
        for (const target of targets) {
          await waitQuiet(everything, 0.15, 15_000);
          const run = `f-${selection}-${target.name}-${round}`;
          await pools.track(run, target.name);
          const cpu = measureCpu({ ...target.processes, ...load });
          const lastMember: number[] = [];
          const acked: number[] = [];
          let incomplete = 0;
          let failedSends = 0;
          let firstError = '';
          const began = performance.now();
          for (let k = 0; k < MESSAGES && performance.now() - began < RUN_LIMIT_MS; k++) {
            // Senders rotate over ten members, each also a receiver of its own message.
            const sender = group.members[1 + (k % 10)]!;
            const sent = await sendMessage(
              target.httpUrl,
              sender.tokens[0]!,
              group.id,
              makeBody(run, `k${k}`, now()),
              `${run}-${k}`,
            ).catch((error: unknown) => {
              failedSends++;
              firstError ||= String(error);
              return undefined;
            });
            if (!sent) continue;
            acked.push(sent.seq);
            const { count, maxLatency } = await pools.waitFor(`k${k}`, sockets.length, MESSAGE_TIMEOUT_MS);
            if (count < sockets.length) incomplete++;
            lastMember.push(maxLatency);
          }
          const { cores, machineCores } = cpu.stop();
          const collected = await pools.collect([[group.id, acked]]);
          const figures: RunFigures = {
            target: target.name,
            selection,
            round,
            messages: acked.length,
            lastMember: summarize(lastMember),
            all: summarize(collected.latencies),
            incomplete,
            failedSends,
            check: collected.check,
            frameBytes: collected.frameBytes,
            cpu: cores,
            machineCores,
          };
          runs.push(figures);
          const { check } = figures;
          if (check.lost || check.duplicates || check.outOfOrder || failedSends) {
            problems.push(
              `${run}: lost ${check.lost}, duplicates ${check.duplicates}, out of order ${check.outOfOrder}, failed sends ${failedSends} ${firstError}`,
            );
          }
          ctx.log(
            `fanout ${selection} ${target.name} #${round}: ${acked.length} messages, last member p50 ${figures.lastMember.p50.toFixed(1)} ms, ` +
              `p99 ${figures.lastMember.p99.toFixed(1)} ms; frame ${figures.frameBytes} B; lost ${check.lost}; cpu ${JSON.stringify(cores)}, machine ${machineCores}`,
          );
        }
      }
      await pools.close();
    }
  } finally {
    await pools.close().catch(() => undefined);
    await pools.stop();
    await raw.stop();
  }

  const med = (target: string, selection: string, pick: (run: RunFigures) => number) =>
    median(runs.filter((r) => r.target === target && r.selection === selection).map(pick));
  const rows: Row[] = (['web', 'own'] as const).map((selection) => ({
    measure: `1,000-member group, last member p99, ${selection === 'web' ? "web client's selection" : 'own fields only'}`,
    unit: 'ms',
    ours: med('ours', selection, (r) => r.lastMember.p99),
    references: { 'raw ws': med('raw-ws', selection, (r) => r.lastMember.p99) },
    ratio: ratio(
      med('ours', selection, (r) => r.lastMember.p99),
      med('raw-ws', selection, (r) => r.lastMember.p99),
    ),
    ratioOf: 'raw ws',
    goal: selection === 'web' ? '≤ 50 ms' : '≤ 30 ms',
  }));
  rows.push(
    ...(['web', 'own'] as const).map((selection) => ({
      measure: `1,000-member group, last member p50, ${selection}`,
      unit: 'ms',
      ours: med('ours', selection, (r) => r.lastMember.p50),
      references: { 'raw ws': med('raw-ws', selection, (r) => r.lastMember.p50) },
      ratio: null,
      goal: '—',
    })),
  );
  return resultOf('fanout', startedAt, {
    settings: {
      members: sockets.length,
      messagesPerRun: MESSAGES,
      runLimitMs: RUN_LIMIT_MS,
      messageTimeoutMs: MESSAGE_TIMEOUT_MS,
      rounds: ctx.rounds,
      selections: { web: 'web client (web/src/api/operations.ts ChatEvents)', own: OWN_CHAT_EVENTS },
      latency: 'send request start to the last of the 1,000 sockets receiving the frame; medians over rounds',
    },
    problems,
    rows,
    runs,
  });
}
