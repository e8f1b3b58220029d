// Memory: 10,000 idle `chatEvents` subscriptions (10,000 sockets from 5 client processes of
// 2,000), 1,000 users × 10 sockets, all members of one group. Reported: the resident memory each
// server process gained (VmRSS once steady, before vs after), per 1,000 subscriptions. Reference:
// the raw `ws` server holding the same 10,000 sockets. After the figure is taken, one message to
// the group proves every subscription was live (10,000 deliveries).
import type { BenchContext } from '../lib/context.js';
import { settledRssMb } from '../lib/memory.js';
import { sendMessage, withRetry } from '../lib/graphql.js';
import { makeBody, now } from '../lib/message-body.js';
import { startPools } from '../lib/pools.js';
import { WEB_CHAT_EVENTS } from '../lib/queries.js';
import { resultOf, type Row, type ScenarioResult } from '../lib/report.js';
import { directoryOf, startRawWs, type Target } from '../lib/targets.js';

const SOCKETS_PER_USER = 10;
const POOLS = 5;

interface RunFigures {
  target: string;
  sockets: number;
  connectSeconds: number;
  before: Record<string, number>;
  after: Record<string, number>;
  addedMb: Record<string, number>;
  live: number;
}

export async function memory(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = performance.now();
  // The delivery users bring 10 sessions each; the others' sockets share their one session
  // (signing 9,000 more devices in would cost minutes of argon2 on this machine).
  await ctx.fixtures.delivery();
  const group = await ctx.fixtures.group();
  const sockets = group.members.flatMap((member) =>
    Array.from({ length: SOCKETS_PER_USER }, (_, i) => ({
      token: member.tokens[i % member.tokens.length]!,
      chats: [group.id],
    })),
  );
  const ours: Target = {
    name: 'ours',
    httpUrl: ctx.system.gatewayUrl,
    wsUrl: ctx.system.wsUrl,
    processes: {
      gateway: ctx.system.pids.gateway,
      chat: ctx.system.pids.chat,
      auth: ctx.system.pids.auth,
      profiles: ctx.system.pids.profiles,
    },
    stop: async () => {},
  };
  const raw = await startRawWs(
    directoryOf(group.members, [{ id: group.id, memberIds: group.members.map((m) => m.id) }]),
  );
  const runs: RunFigures[] = [];
  const problems: string[] = [];
  const pools = await startPools(POOLS);
  try {
    for (const target of [ours, raw]) {
      const before = await settledRssMb(target.processes);
      const began = performance.now();
      await pools.connect(target.wsUrl, sockets, WEB_CHAT_EVENTS, target.name);
      const connectSeconds = (performance.now() - began) / 1000;
      const after = await settledRssMb(target.processes);
      // Live check, after the figure: one message must reach all 10,000 subscriptions.
      const run = `mem-${target.name}`;
      await pools.track(run, target.name);
      // Idempotent on its clientMessageId, so safe to retry when the busy system misses its deadline.
      const body = makeBody(run, 'live', now());
      await withRetry(() => sendMessage(target.httpUrl, group.members[0]!.tokens[0]!, group.id, body, run));
      const { count: live } = await pools.waitFor('live', sockets.length, 120_000);
      if (live < sockets.length)
        problems.push(`${target.name}: only ${live} of ${sockets.length} subscriptions got the live check`);
      const addedMb = Object.fromEntries(
        Object.keys(before).map((name) => [name, Math.round((after[name]! - before[name]!) * 10) / 10]),
      );
      runs.push({ target: target.name, sockets: sockets.length, connectSeconds, before, after, addedMb, live });
      ctx.log(
        `memory ${target.name}: +${JSON.stringify(addedMb)} MB for ${sockets.length} subscriptions (connected in ${connectSeconds.toFixed(1)} s); live ${live}`,
      );
      await pools.close();
    }
  } finally {
    await pools.close().catch(() => undefined);
    await pools.stop();
    await raw.stop();
  }
  const per1000 = (mb: number | undefined) =>
    mb === undefined ? null : Math.round((mb / (sockets.length / 1000)) * 10) / 10;
  const oursRun = runs.find((r) => r.target === 'ours');
  const rawRun = runs.find((r) => r.target === 'raw-ws');
  const gatewayPlusChat = oursRun ? oursRun.addedMb.gateway! + oursRun.addedMb.chat! : undefined;
  const rows: Row[] = [
    {
      measure: `${sockets.length.toLocaleString('en-US')} idle subscriptions: memory added to gateway + chat-service`,
      unit: 'MB',
      ours: gatewayPlusChat ?? null,
      references: { 'raw ws server': rawRun?.addedMb['raw-ws'] ?? null },
      ratio:
        gatewayPlusChat !== undefined && rawRun
          ? Math.round((gatewayPlusChat / rawRun.addedMb['raw-ws']!) * 10) / 10
          : null,
      ratioOf: 'raw ws',
      goal: '≤ 150 MB',
    },
    {
      measure: 'per 1,000 idle subscriptions: gateway / chat-service',
      unit: 'MB',
      ours: per1000(oursRun?.addedMb.gateway),
      references: { 'chat-service': per1000(oursRun?.addedMb.chat), 'raw ws': per1000(rawRun?.addedMb['raw-ws']) },
      ratio: null,
      goal: '≤ 15 MB (both)',
    },
  ];
  return resultOf('memory', startedAt, {
    settings: {
      users: group.members.length,
      socketsPerUser: SOCKETS_PER_USER,
      sockets: sockets.length,
      clientProcesses: POOLS,
      selection: 'web client (web/src/api/operations.ts ChatEvents)',
      measure: 'VmRSS from /proc/<pid>/status once steady (6 samples 500 ms apart within 1 MB), after minus before',
      sessions: 'the 100 delivery users have 10 sessions each; the other 900 users one, shared by their 10 sockets',
    },
    problems,
    rows,
    runs,
  });
}
