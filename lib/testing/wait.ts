import { status } from '@grpc/grpc-js';

/**
 * Polls `check` until it holds; rejects naming `what` after `timeoutMs`. For states that no
 * event announces (a stream count, a process gone), never as a fixed sleep.
 */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How a gRPC call ended: 'OK' or the status name, e.g. 'UNAUTHENTICATED'. */
export const statusOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => 'OK',
    (error: { code: number }) => status[error.code],
  );
