// Read: one chat with 50 messages from 20 senders; 50 keep-alive connections post the history
// page for a fixed time (autocannon, its own process). Ours twice (with sender and profile, and
// the messages' own fields only), Hive Gateway + Mesh gRPC over the same chat-service (own
// fields), and a bare node:http → grpc-js → JSON server (own fields), alternating.
import type { BenchContext } from '../lib/context.js';
import { autocannon, type LoadResult } from '../lib/autocannon.js';
import { forkTs, stopChild } from '../lib/children.js';
import { measureCpu, waitQuiet } from '../lib/cpu.js';
import { connectWorker } from '../lib/ipc.js';
import { READ_HIVE, READ_OWN, READ_WITH_SENDERS } from '../lib/queries.js';
import { resultOf, type Row, type ScenarioResult } from '../lib/report.js';
import { median, ratio } from '../lib/stats.js';
import { startHiveGateway } from '../refs/hive-gateway.js';
import type { BareReadApi } from '../refs/bare-read-server.js';

const CONNECTIONS = 50;
const SECONDS = 5;
const WARM_SECONDS = 2;

interface ReadTarget {
  name: string;
  url: string;
  body: string;
  processes: Record<string, number>;
  /** Checks one answer; returns what is wrong with it, if anything. */
  validate(answer: unknown): string | undefined;
}

type Page = {
  id: string;
  seq: number;
  body: string;
  createdAt?: unknown;
  sender?: { username: string; profile: { displayName: string } };
}[];

/** The page must hold the chat's 50 messages in seq order, with 20 distinct senders when asked. */
function checkPage(page: Page | undefined, withSenders: boolean): string | undefined {
  if (!page || page.length !== 50) return `expected 50 messages, got ${page?.length}`;
  for (let i = 1; i < page.length; i++) if (page[i]!.seq <= page[i - 1]!.seq) return 'messages out of seq order';
  if (withSenders) {
    const senders = new Set(page.map((m) => m.sender?.profile.displayName));
    if (senders.size !== 20 || senders.has(undefined)) return `expected 20 senders with profiles, got ${senders.size}`;
  }
  return undefined;
}

interface RunFigures extends LoadResult {
  target: string;
  round: number;
  cpu: Record<string, number>;
  machineCores: number;
}

export async function read(ctx: BenchContext): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const { chatId, reader } = await ctx.fixtures.history();
  const token = reader.tokens[0]!;
  const system = ctx.system;
  const services = {
    auth: system.pids.auth,
    chat: system.pids.chat,
    profiles: system.pids.profiles,
    postgres: system.pids.postgres,
  };
  const hive = await startHiveGateway(system.chatGrpcAddr);
  const bareWorker = await connectWorker<BareReadApi>(forkTs('bench/refs/bare-read-server.ts'), 'bare-read');
  const barePort = await bareWorker.call('listen', { chatGrpcAddr: system.chatGrpcAddr });
  type Gql = { data?: { chat?: { messages: { edges: { node: Page[number] }[] } } } };
  const edges = (answer: unknown) => (answer as Gql).data?.chat?.messages.edges.map((e) => e.node);
  const targets: ReadTarget[] = [
    {
      name: 'ours (sender, profile)',
      url: system.gatewayUrl,
      body: JSON.stringify({ query: READ_WITH_SENDERS, variables: { id: chatId } }),
      processes: { gateway: system.pids.gateway, ...services },
      validate: (answer) => checkPage(edges(answer), true),
    },
    {
      name: 'ours (own fields)',
      url: system.gatewayUrl,
      body: JSON.stringify({ query: READ_OWN, variables: { id: chatId } }),
      processes: { gateway: system.pids.gateway, ...services },
      validate: (answer) => checkPage(edges(answer), false),
    },
    {
      name: 'Hive Gateway (own fields)',
      url: hive.url,
      body: JSON.stringify({ query: READ_HIVE, variables: { id: chatId } }),
      processes: { 'hive-gateway': hive.pid, ...services },
      validate: (answer) =>
        checkPage(
          (answer as { data?: { messenger_chat_v1_ChatService_ListMessages?: { messages: Page } } }).data
            ?.messenger_chat_v1_ChatService_ListMessages?.messages,
          false,
        ),
    },
    {
      name: 'bare node:http + grpc-js',
      url: `http://127.0.0.1:${barePort}/`,
      body: JSON.stringify({ chatId, last: 50 }),
      processes: { 'bare-read': bareWorker.pid, ...services },
      validate: (answer) => checkPage((answer as { messages?: Page }).messages, false),
    },
  ];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const everything = Object.assign({}, ...targets.map((t) => t.processes)) as Record<string, number>;
  const runs: RunFigures[] = [];
  const problems: string[] = [];
  try {
    // The exact answer each target gives, checked once; autocannon then compares every answer to it.
    const expected = new Map<string, string>();
    for (const target of targets) {
      const res = await fetch(target.url, { method: 'POST', headers, body: target.body });
      const text = await res.text();
      const wrong = res.ok ? target.validate(JSON.parse(text)) : `HTTP ${res.status}`;
      if (wrong) throw new Error(`${target.name}: ${wrong}: ${text.slice(0, 300)}`);
      expected.set(target.name, text);
      // A short unmeasured run first: JIT and connection pools warm, as in a long-running server.
      await autocannon({
        url: target.url,
        body: target.body,
        headers,
        connections: CONNECTIONS,
        seconds: WARM_SECONDS,
        expectBody: text,
      });
    }
    for (let round = 1; round <= ctx.rounds + 1; round++) {
      for (const target of targets) {
        await waitQuiet(everything, 0.15, 15_000);
        // autocannon's own CPU is not among them: it has exited (and its /proc entry with it)
        // when the window closes; the machine's busy cores include it.
        const cpu = measureCpu(target.processes);
        const result = await autocannon({
          url: target.url,
          body: target.body,
          headers,
          connections: CONNECTIONS,
          seconds: SECONDS,
          expectBody: expected.get(target.name)!,
        });
        const { cores, machineCores } = cpu.stop();
        const figures = result;
        runs.push({ target: target.name, round, ...figures, cpu: cores, machineCores });
        const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
        if (failed > 0)
          problems.push(
            `${target.name} #${round}: ${failed} failed answers of ${result.requests} (${JSON.stringify(figures)})`,
          );
        ctx.log(
          `read ${target.name} #${round}: ${result.rps.toFixed(0)} rps, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
            `failed ${failed}; cpu ${JSON.stringify(cores)}, machine ${machineCores}`,
        );
      }
    }
  } finally {
    await hive.stop();
    await stopChild(bareWorker.child, 2_000);
  }
  const rps = (name: string) => median(runs.filter((r) => r.target === name).map((r) => r.rps));
  const p99 = (name: string) => median(runs.filter((r) => r.target === name).map((r) => r.latency.p99));
  const [withSenders, own, hiveName, bare] = targets.map((t) => t.name) as [string, string, string, string];
  const rows: Row[] = [
    {
      measure: 'history page with sender { username profile { displayName } }, 50 connections',
      unit: 'rps',
      ours: rps(withSenders),
      references: { 'Hive Gateway (own fields)': rps(hiveName) },
      ratio: ratio(rps(withSenders), rps(hiveName)),
      ratioOf: 'Hive Gateway',
      goal: '≥ 1.5× Hive Gateway',
    },
    {
      measure: "history page, the messages' own fields only",
      unit: 'rps',
      ours: rps(own),
      references: { 'Hive Gateway': rps(hiveName), 'bare http+grpc-js': rps(bare) },
      ratio: ratio(rps(own), rps(hiveName)),
      ratioOf: 'Hive Gateway',
      goal: '≥ 2.5× Hive Gateway',
    },
    {
      measure: 'history page, own fields, vs bare node:http + grpc-js',
      unit: 'rps',
      ours: rps(own),
      references: { 'bare http+grpc-js': rps(bare) },
      ratio: ratio(rps(own), rps(bare)),
      ratioOf: 'bare',
      goal: '≥ 0.8× bare',
    },
    {
      measure: 'history page p99 latency (with senders / own fields)',
      unit: 'ms',
      ours: p99(withSenders),
      references: { 'ours own fields': p99(own), 'Hive Gateway': p99(hiveName), bare: p99(bare) },
      ratio: null,
      goal: '—',
    },
  ];
  return resultOf('read', startedAt, {
    settings: {
      messages: 50,
      senders: 20,
      connections: CONNECTIONS,
      secondsPerRun: SECONDS,
      warmSeconds: WARM_SECONDS,
      rounds: ctx.rounds + 1,
      queries: {
        withSenders: READ_WITH_SENDERS,
        own: READ_OWN,
        hive: READ_HIVE,
        bare: 'POST {chatId, last: 50} → ListMessages → JSON',
      },
      loadGenerator: 'autocannon CLI, every answer compared byte for byte with a checked one',
    },
    problems,
    rows,
    runs,
  });
}
