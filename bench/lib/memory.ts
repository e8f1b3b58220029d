// Resident memory of black-box processes. A server's garbage collector cannot be triggered from
// outside, so "after a GC settle" means: sampled until it stops moving.
import { rssMbOf } from './proc.js';
import { median } from './stats.js';

/**
 * VmRSS of each process once it is steady: sampled every 500 ms until the last 6 samples of
 * every process lie within 1 MB (or `timeoutMs`), then the median of those samples.
 */
export async function settledRssMb(
  processes: Record<string, number>,
  timeoutMs = 20_000,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(processes).map((name) => [name, []]));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const [name, pid] of Object.entries(processes)) samples[name]!.push(rssMbOf(pid));
    const recent = Object.values(samples).map((list) => list.slice(-6));
    const steady = recent.every((list) => list.length === 6 && Math.max(...list) - Math.min(...list) < 1);
    if (steady || Date.now() > deadline) {
      return Object.fromEntries(
        Object.entries(samples).map(([name, list]) => [name, Math.round(median(list.slice(-6)) * 10) / 10]),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
