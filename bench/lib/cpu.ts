// CPU of each process over a measured window, from /proc: how many cores each one used, so that
// a result says where the time went (gateway, services, PostgreSQL, reference, load generator).
import { machineBusySeconds, treeCpuSecondsOf } from './proc.js';

/** Named process trees by their root pid. */
export type ProcessSet = Record<string, number>;

export interface CpuWindow {
  /** Cores used per process over the window (CPU seconds / wall seconds), and the window's length. */
  stop(): { seconds: number; cores: Record<string, number>; machineCores: number };
}

export function measureCpu(processes: ProcessSet): CpuWindow {
  const started = performance.now();
  const machineBefore = machineBusySeconds();
  const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, treeCpuSecondsOf(pid)]));
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const cores = Object.fromEntries(
        Object.entries(processes).map(([name, pid]) => [
          name,
          Math.round(((treeCpuSecondsOf(pid) - before[name]!) / seconds) * 100) / 100,
        ]),
      );
      // The whole machine's busy cores too: the machine is shared, and what others ran in the
      // window (machineCores minus ours) explains a slow run.
      const machineCores = Math.round(((machineBusySeconds() - machineBefore) / seconds) * 100) / 100;
      return { seconds, cores, machineCores };
    },
  };
}

/**
 * Waits until the processes together use less than `belowCores` over a 1 s window (at most
 * `timeoutMs`): a run must not start while the previous one's backlog is still being worked off.
 */
export async function waitQuiet(processes: ProcessSet, belowCores = 0.15, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const window = measureCpu(processes);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const used = Object.values(window.stop().cores).reduce((sum, cores) => sum + cores, 0);
    if (used < belowCores) return;
  }
}
