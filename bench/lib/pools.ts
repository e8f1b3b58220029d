// WebSocket client pools in their own processes (never in a process that serves), and the
// sender: started on demand, addressed as one.
import { addChecks, emptyCheck, type DeliveryCheck } from './checks.js';
import { forkTs, stopChild } from './children.js';
import { connectWorker, type Worker } from './ipc.js';
import type { WsClientsApi } from '../workers/ws-clients.js';
import type { SenderApi } from '../workers/sender.js';

export interface SocketSpec {
  token: string;
  chats: string[];
}

export interface Pools {
  pids: number[];
  /** Opens every socket (spread over the pools) with one subscription each; throws if any fails. */
  connect(url: string, sockets: SocketSpec[], query: string, group: string): Promise<void>;
  /** Starts a run on `group`'s sockets (one server's). */
  track(run: string, group: string): Promise<void>;
  /** Message events of the current run received so far, all sockets together. */
  received(): Promise<number>;
  /**
   * Waits until `expected` deliveries arrived, or none arrived for `idleMs`, or `timeoutMs` passed.
   */
  drain(expected: number, idleMs: number, timeoutMs: number): Promise<number>;
  /** Resolves once `count` sockets in all got message `label`; the slowest latency, and how many. */
  waitFor(label: string, count: number, timeoutMs: number): Promise<{ count: number; maxLatency: number }>;
  collect(
    acked: [string, number[]][],
  ): Promise<{ check: DeliveryCheck; latencies: number[]; open: number; lastError: string; frameBytes: number }>;
  close(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPools(count: number): Promise<Pools> {
  const workers: Worker<WsClientsApi>[] = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      connectWorker<WsClientsApi>(forkTs('bench/workers/ws-clients.ts'), `ws-clients#${i}`),
    ),
  );
  return {
    pids: workers.map((worker) => worker.pid),
    async connect(url, sockets, query, group) {
      const parts = workers.map((_, i) => sockets.filter((__, k) => k % workers.length === i));
      const results = await Promise.all(
        workers.map((worker, i) => worker.call('connect', { url, group, sockets: parts[i]!, query, concurrency: 25 })),
      );
      const failed = results.reduce((sum, r) => sum + r.failed, 0);
      if (failed > 0)
        throw new Error(`${failed} of ${sockets.length} sockets failed: ${results.find((r) => r.failed)?.firstError}`);
    },
    async track(run, group) {
      await Promise.all(workers.map((worker) => worker.call('track', { run, group })));
    },
    async received() {
      const counts = await Promise.all(workers.map((worker) => worker.call('received', undefined)));
      return counts.reduce((sum, n) => sum + n, 0);
    },
    async drain(expected, idleMs, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last = -1;
      let lastChange = Date.now();
      for (;;) {
        const counts = await Promise.all(workers.map((worker) => worker.call('received', undefined)));
        const now = counts.reduce((sum, n) => sum + n, 0);
        if (now !== last) lastChange = Date.now();
        last = now;
        if (now >= expected || Date.now() - lastChange > idleMs || Date.now() > deadline) return now;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async waitFor(label, total, timeoutMs) {
      // Polled: the latency is computed from the arrival times, so the poll's granularity only
      // delays what comes next, never the figure.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(workers.map((worker) => worker.call('label', { label })));
        const count = states.reduce((sum, s) => sum + s.count, 0);
        if (count >= total || Date.now() > deadline) {
          return { count, maxLatency: Math.max(...states.map((s) => (Number.isNaN(s.maxLatency) ? 0 : s.maxLatency))) };
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async collect(acked) {
      const results = await Promise.all(workers.map((worker) => worker.call('collect', { acked })));
      return {
        check: results.reduce((sum, r) => addChecks(sum, r.check), emptyCheck()),
        latencies: results.flatMap((r) => r.latencies),
        open: results.reduce((sum, r) => sum + r.open, 0),
        lastError: results.map((r) => r.lastError).find(Boolean) ?? '',
        frameBytes: Math.max(...results.map((r) => r.counters.lastFrameBytes)),
      };
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.call('close', undefined)));
    },
    async stop() {
      await Promise.all(workers.map((worker) => stopChild(worker.child, 2_000)));
    },
  };
}

export async function startSender(): Promise<Worker<SenderApi>> {
  return connectWorker<SenderApi>(forkTs('bench/workers/sender.ts'), 'sender');
}
