// `npm run bench [scenario…]` (or BENCH=delivery,read npm run bench): every row of issue #10's
// table, each beside its reference in the same run, then a table of ours vs reference vs goal.
// Results go to bench/results/<scenario>.json. Every process started here is stopped at the end,
// also on failure or Ctrl-C.
import { stopAll, stopAllOnSignal } from './lib/children.js';
import type { BenchContext, Scenario } from './lib/context.js';
import { createFixtures } from './lib/fixtures.js';
import { renderTable, writeResult, type ScenarioResult } from './lib/report.js';
import { startSystem, type System } from './lib/system.js';
import { delivery } from './scenarios/delivery.js';
import { fanout } from './scenarios/fanout.js';
import { memory } from './scenarios/memory.js';
import { read } from './scenarios/read.js';
import { send } from './scenarios/send.js';
import { slowConsumer, startup } from './scenarios/existing.js';

/** Scenarios that start their own processes (the benches that were here before). */
const STANDALONE: Record<string, () => Promise<ScenarioResult>> = { startup, 'slow-consumer': slowConsumer };
/** Scenarios against one system started with `npm start`'s launcher, in this order. */
const ON_SYSTEM: Record<string, Scenario> = { delivery, fanout, read, send, memory };
const ALL = [...Object.keys(STANDALONE), ...Object.keys(ON_SYSTEM)];

const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function selected(): string[] {
  const named = [...process.argv.slice(2), ...(process.env.BENCH ?? '').split(',')]
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = named.filter((name) => !ALL.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}\n`);
    process.exit(2);
  }
  return named.length > 0 ? ALL.filter((name) => named.includes(name)) : ALL;
}

stopAllOnSignal();
const names = selected();
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const results: ScenarioResult[] = [];
const failures: string[] = [];
const began = performance.now();

async function attempt(name: string, run: () => Promise<ScenarioResult>): Promise<void> {
  log(`${name}: starting`);
  try {
    const result = await run();
    await writeResult(result);
    results.push(result);
    log(
      `${name}: done in ${result.durationSeconds} s${result.correct ? '' : `; CHECKS FAILED: ${result.problems.join('; ')}`}`,
    );
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    log(`${name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let system: System | undefined;
try {
  for (const name of names.filter((n) => n in STANDALONE)) await attempt(name, STANDALONE[name]!);
  const onSystem = names.filter((n) => n in ON_SYSTEM);
  if (onSystem.length > 0) {
    log('starting the system (scripts/start.ts, embedded PostgreSQL)');
    system = await startSystem();
    log(`system ready: ${JSON.stringify(system.pids)}`);
    const ctx: BenchContext = { system, fixtures: createFixtures(system, log), rounds, log };
    for (const name of onSystem) await attempt(name, () => ON_SYSTEM[name]!(ctx));
  }
} catch (error) {
  failures.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await system?.stop().catch(() => undefined);
  await stopAll();
}

process.stdout.write(`\n${renderTable(results)}\n\n`);
log(`${names.join(', ')}: ${((performance.now() - began) / 1000).toFixed(0)} s in all; results in bench/results/`);
if (failures.length > 0) {
  process.stderr.write(`\nfailed:\n${failures.join('\n')}\n`);
  process.exitCode = 1;
}
