// What the bench writes into each message body: the run it belongs to, a label for waiting on
// it, and the time its send request started, so that any receiving process can compute the
// latency without asking the sender. All processes read the same clock (see `now`).

/**
 * Milliseconds since the epoch with sub-millisecond resolution, comparable across processes of
 * one machine: each process's `timeOrigin` is read from the same system clock.
 */
export const now = (): number => performance.timeOrigin + performance.now();

export const makeBody = (run: string, label: string, sentAt: number): string => `${run}|${label}|${sentAt.toFixed(3)}`;

export function parseBody(body: string): { run: string; label: string; sentAt: number } | undefined {
  const [run, label, sentAt] = body.split('|');
  if (run === undefined || label === undefined || sentAt === undefined) return undefined;
  return { run, label, sentAt: Number(sentAt) };
}
