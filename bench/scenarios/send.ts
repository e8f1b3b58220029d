// Send: sendMessage over HTTP with 50 requests in flight for a fixed time, (a) spread over 100
// chats, (b) all into one hot chat. Every answer must carry a seq, and per chat the seqs must be
// exactly the ones after the chat's seq before the run (gapless, none twice). Reference in the
// same run, alternating: PostgreSQL's own gapless insert on the same server (bench/refs/pg-gapless.ts).
import type { BenchContext } from '../lib/context.js';
import { checkGapless } from '../lib/checks.js';
import { forkTs, stopChild } from '../lib/children.js';
import { measureCpu, waitQuiet } from '../lib/cpu.js';
import { gql, inBatches } from '../lib/graphql.js';
import { connectWorker } from '../lib/ipc.js';
import { startSender } from '../lib/pools.js';
import { resultOf, type Row, type ScenarioResult } from '../lib/report.js';
import { median, ratio } from '../lib/stats.js';
import type { PgGaplessApi } from '../refs/pg-gapless.js';

const IN_FLIGHT = 50;
const DURATION_MS = 5_000;
const VARIANTS = [
  { name: '100 chats', chats: 100, goal: '≥ 0.22× PostgreSQL', goalRatio: 0.22 },
  { name: 'one hot chat', chats: 1, goal: '≥ 0.4× PostgreSQL', goalRatio: 0.4 },
] as const;

interface RunFigures {
  target: 'ours' | 'postgres';
  variant: string;
  round: number;
  rate: number;
  acked: number;
  failures: number;
  duplicates: number;
  gaps: number;
  latency?: { p50: number; p99: number; max: number };
  cpu: Record<string, number>;
  machineCores: number;
  firstError: string;
}

export async function send(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const chats = await ctx.fixtures.sendChats();
  const system = ctx.system;
  const sender = await startSender();
  const pgWorker = await connectWorker<PgGaplessApi>(forkTs('bench/refs/pg-gapless.ts'), 'pg-gapless');
  const ours = {
    gateway: system.pids.gateway,
    auth: system.pids.auth,
    chat: system.pids.chat,
    profiles: system.pids.profiles,
    postgres: system.pids.postgres,
  };
  const everything = { ...ours, sender: sender.pid, 'pg-clients': pgWorker.pid };
  const lastSeqs = (ids: { id: string; token: string }[]) =>
    inBatches(
      ids,
      10,
      async ({ id, token }) =>
        (
          await gql<{ chat: { lastSeq: number } }>(
            system.gatewayUrl,
            'query ($id: ID!) { chat(id: $id) { lastSeq } }',
            { id },
            token,
          )
        ).chat.lastSeq,
    );
  const runs: RunFigures[] = [];
  const problems: string[] = [];
  try {
    for (const variant of VARIANTS) {
      const used = chats.slice(0, variant.chats);
      const targets = used.map((chat) => ({ chatId: chat.id, tokens: chat.members.map((m) => m.tokens[0]!) }));
      for (let round = 1; round <= ctx.rounds; round++) {
        // Ours.
        const before = await lastSeqs(used.map((chat) => ({ id: chat.id, token: chat.members[0].tokens[0]! })));
        await waitQuiet(everything, 0.15, 15_000);
        const run = `s-${variant.chats}-${round}`;
        let cpu = measureCpu({ ...ours, sender: sender.pid });
        const sent = await sender.call('closedLoop', {
          url: system.gatewayUrl,
          concurrency: IN_FLIGHT,
          durationMs: DURATION_MS,
          targets,
          run,
        });
        let window = cpu.stop();
        const seqsOf = new Map(sent.ackedSeqs);
        let duplicates = 0;
        let gaps = 0;
        used.forEach((chat, i) => {
          const check = checkGapless(before[i]!, seqsOf.get(chat.id) ?? []);
          duplicates += check.duplicates;
          gaps += check.gaps;
        });
        const oursRun: RunFigures = {
          target: 'ours',
          variant: variant.name,
          round,
          rate: sent.rate,
          acked: sent.acked,
          failures: sent.failures,
          duplicates,
          gaps,
          latency: sent.latency,
          cpu: window.cores,
          machineCores: window.machineCores,
          firstError: sent.firstError,
        };
        runs.push(oursRun);
        // PostgreSQL alone.
        await pgWorker.call('prepare', {
          port: system.postgres.port,
          password: system.postgres.password,
          chats: variant.chats,
        });
        await waitQuiet(everything, 0.15, 15_000);
        cpu = measureCpu({ postgres: system.pids.postgres, 'pg-clients': pgWorker.pid });
        const floor = await pgWorker.call('run', {
          concurrency: IN_FLIGHT,
          chats: variant.chats,
          durationMs: DURATION_MS,
        });
        window = cpu.stop();
        const pgRun: RunFigures = {
          target: 'postgres',
          variant: variant.name,
          round,
          rate: floor.rate,
          acked: floor.committed,
          failures: floor.failures,
          duplicates: floor.duplicates,
          gaps: floor.gaps + Math.abs(floor.rows - floor.committed),
          cpu: window.cores,
          machineCores: window.machineCores,
          firstError: floor.firstError,
        };
        runs.push(pgRun);
        for (const r of [oursRun, pgRun]) {
          if (r.failures || r.duplicates || r.gaps) {
            problems.push(
              `${r.target} ${r.variant} #${round}: failed ${r.failures}, duplicate seqs ${r.duplicates}, gaps ${r.gaps} ${r.firstError}`,
            );
          }
          ctx.log(
            `send ${r.variant} ${r.target} #${round}: ${r.rate.toFixed(0)}/s (${r.acked}), failed ${r.failures}, dup ${r.duplicates}, gaps ${r.gaps}; ` +
              `cpu ${JSON.stringify(r.cpu)}, machine ${r.machineCores}`,
          );
        }
      }
    }
  } finally {
    await stopChild(sender.child, 2_000);
    await stopChild(pgWorker.child, 2_000);
  }
  const rate = (target: string, variant: string) =>
    median(runs.filter((r) => r.target === target && r.variant === variant).map((r) => r.rate));
  const rows: Row[] = VARIANTS.map((variant) => ({
    measure: `sendMessage over HTTP, ${IN_FLIGHT} in flight, ${variant.name}`,
    unit: 'msg/s',
    ours: rate('ours', variant.name),
    references: { 'PostgreSQL gapless insert (tx/s)': rate('postgres', variant.name) },
    ratio: ratio(rate('ours', variant.name), rate('postgres', variant.name)),
    ratioOf: 'PostgreSQL',
    goal: variant.goal,
  }));
  return resultOf('send', startedAt, {
    settings: {
      inFlight: IN_FLIGHT,
      durationMs: DURATION_MS,
      rounds: ctx.rounds,
      variants: VARIANTS.map((v) => v.name),
      selection: 'sendMessage(input) { id chatId seq }',
      reference:
        'one prepared statement per transaction (autocommit): UPDATE chats SET last_seq = last_seq + 1 … RETURNING, INSERT the message with that seq; 50 node-postgres clients; synchronous_commit as the server has it (on)',
    },
    problems,
    rows,
    runs,
  });
}
