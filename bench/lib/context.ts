// What every scenario is handed by bench/run.ts.
import type { Fixtures } from './fixtures.js';
import type { ScenarioResult } from './report.js';
import type { System } from './system.js';

export interface BenchContext {
  system: System;
  fixtures: Fixtures;
  /** Alternating rounds per scenario (ours, reference, ours, …); BENCH_ROUNDS overrides. */
  rounds: number;
  log(line: string): void;
}

export type Scenario = (ctx: BenchContext) => Promise<ScenarioResult>;
