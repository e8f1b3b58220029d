// Results: one JSON file per scenario in bench/results/, and the table printed at the end, each
// row ours beside its reference, the ratio, and issue #10's goal for that row.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format as prettierFormat, resolveConfig } from 'prettier';
import { ROOT } from './children.js';
import { machine } from './proc.js';

export interface Row {
  /** What is measured, e.g. "p99 latency at 200 msg/s". */
  measure: string;
  unit: string;
  ours: number | null;
  /** The reference(s) measured in the same run, by name. */
  references: Record<string, number | null>;
  /** ours / the reference named in `ratioOf` (null when not meaningful). */
  ratio: number | null;
  ratioOf?: string;
  /** Issue #10's goal for the row, as it states it. */
  goal: string;
}

export interface ScenarioResult {
  scenario: string;
  date: string;
  machine: ReturnType<typeof machine>;
  durationSeconds: number;
  /** What the scenario did: sizes, rates, durations, selections. */
  settings: Record<string, unknown>;
  /** Every correctness check passed (nothing lost, doubled, out of order, no failed answer). */
  correct: boolean;
  problems: string[];
  rows: Row[];
  /** Every run's figures, CPU per process included, in the order they ran. */
  runs: unknown[];
}

export const RESULTS_DIR = join(ROOT, 'bench', 'results');

export async function writeResult(result: ScenarioResult): Promise<void> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${result.scenario}.json`);
  // In the repository's style, so that `npm run lint` (prettier --check) passes on committed results.
  const text = await prettierFormat(JSON.stringify(result), { ...(await resolveConfig(path)), filepath: path });
  await writeFile(path, text);
}

const format = (value: number | null | undefined, unit = ''): string => {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit ? ` ${unit}` : ''}`;
};

/** A plain-text table of every row of every result. */
export function renderTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'measure', 'ours', 'reference (same run)', 'ratio', 'goal (issue #10)', 'checks'];
  const lines: string[][] = [header];
  for (const result of results) {
    for (const row of result.rows) {
      const references = Object.entries(row.references)
        .map(([name, value]) => `${name} ${format(value, row.unit)}`)
        .join('; ');
      lines.push([
        result.scenario,
        row.measure,
        format(row.ours, row.unit),
        references || '—',
        row.ratio === null ? '—' : `${format(row.ratio)}×${row.ratioOf ? ` ${row.ratioOf}` : ''}`,
        row.goal,
        result.correct ? 'ok' : 'FAILED',
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const render = (line: string[]) => line.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  return [render(lines[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.slice(1).map(render)].join('\n');
}

/** A scenario's result with the machine and date filled in. */
export function resultOf(
  scenario: string,
  startedAt: number,
  fields: Pick<ScenarioResult, 'settings' | 'problems' | 'rows' | 'runs'>,
): ScenarioResult {
  return {
    scenario,
    date: new Date().toISOString(),
    machine: machine(),
    durationSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    correct: fields.problems.length === 0,
    ...fields,
  };
}
