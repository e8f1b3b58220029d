import type { Writable } from 'node:stream';

/**
 * Writes to a server-streaming gRPC call with a bound on what waits to be sent (counted in
 * messages). Live events are written as they come: past `maxBuffered`, the client is reading too
 * slowly and `onOverflow` cuts it (it resumes from its cursors). Replays are paced instead: they
 * wait for `room()` before each page, so a long replay never counts as a slow client.
 */
export function callWriter(call: Writable, maxBuffered: number, onOverflow: () => void) {
  /** Replays waiting for the buffer to drain; one listener for all of them. */
  let waiting: (() => void)[] = [];
  const low = Math.max(1, Math.floor(maxBuffered / 4));
  const release = () => {
    const ready = waiting;
    waiting = [];
    for (const resolve of ready) resolve();
  };
  call.on('drain', release);
  call.once('close', release);
  return {
    /** Writes one message; `paced` (a replay that waited for room) is never cut. */
    write(message: unknown, paced = false) {
      call.write(message);
      if (!paced && call.writableLength > maxBuffered) onOverflow();
    },
    /** Resolves once the buffer is low enough for a replay page (or the call is gone). */
    room(): Promise<void> {
      // 'drain' comes only after a write found the buffer full (its high-water mark, 16
      // messages): below that, there is room whatever `low` says.
      if (call.writableLength <= low || !call.writableNeedDrain || call.destroyed) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    /** Lets waiting replays go (the call is over). */
    release,
  };
}
