// The two benches that were here before issue #10, run as they always ran (own processes, own
// PostgreSQL), their one-line reports read into the same result format.
import { resultOf, type ScenarioResult } from '../lib/report.js';
import { exited, spawnTracked } from '../lib/children.js';

async function runScript(args: string[]): Promise<string> {
  const child = spawnTracked(process.execPath, args, { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  await exited(child);
  if (child.exitCode !== 0) throw new Error(`${args.at(-1)} exited with ${child.exitCode}`);
  return output;
}

const num = (match: RegExpExecArray | null, group: number): number | null => (match ? Number(match[group]) : null);

/** bench/startup.ts: first start (fresh DATA_DIR) and restarts of `npm start`, until /readyz. */
export async function startup(): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const output = await runScript(['--import', 'tsx', 'bench/startup.ts']);
  const match = /first start ([\d.]+) s; restarts \(n=(\d+)\) median ([\d.]+) s, min ([\d.]+) s, max ([\d.]+) s/.exec(
    output,
  );
  return resultOf('startup', startedAt, {
    settings: { restarts: num(match, 2), mode: 'embedded PostgreSQL, fresh DATA_DIR, until GET /readyz is 200' },
    problems: match ? [] : [`unexpected output: ${output.trim()}`],
    rows: [
      {
        measure: 'first start (cluster creation, migrations)',
        unit: 's',
        ours: num(match, 1),
        references: {},
        ratio: null,
        goal: '≤ 30 s',
      },
      {
        measure: 'restart, median',
        unit: 's',
        ours: num(match, 3),
        references: { min: num(match, 4), max: num(match, 5) },
        ratio: null,
        goal: '≤ 10 s',
      },
    ],
    runs: [{ output: output.trim() }],
  });
}

/** bench/slow-consumer.ts: chat-service's heap under a Subscribe stream that stops reading. */
export async function slowConsumer(): Promise<ScenarioResult> {
  const startedAt = performance.now();
  const output = await runScript(['--expose-gc', '--import', 'tsx', 'bench/slow-consumer.ts']);
  const match =
    /heap baseline ([\d.]+) MB; after 2,000 messages to a paused stream ([\d.]+) MB, after 8,000 ([\d.]+) MB \(ratio ([\d.]+) for 4x the messages\); stream cut at its bound: (\w+); every message delivered after resuming: (\w+)/.exec(
      output,
    );
  const problems = !match
    ? [`unexpected output: ${output.trim()}`]
    : [
        ...(match[5] === 'true' ? [] : ['the stream was not cut at its bound']),
        ...(match[6] === 'true' ? [] : ['messages missing after resuming']),
      ];
  return resultOf('slow-consumer', startedAt, {
    settings: { messages: [2_000, 8_000], body: '1,000 characters' },
    problems,
    rows: [
      {
        measure: 'heap after 8,000 vs 2,000 messages to a paused stream',
        unit: 'MB',
        ours: num(match, 3),
        references: { 'after 2,000': num(match, 2) },
        ratio: num(match, 4),
        ratioOf: '(8,000 / 2,000)',
        goal: 'bounded (ratio ≈ 1)',
      },
    ],
    runs: [{ output: output.trim() }],
  });
}
