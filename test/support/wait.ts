import { status } from '@grpc/grpc-js';

/**
 * Polls `check` until it holds; rejects naming `what` after `timeoutMs`. For states that no
 * event announces (a stream count, a process gone, a service serving again), never as a fixed
 * sleep. `what` may be a function, for a message made when it is needed.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How a gRPC call ended: 'OK' or the status name, e.g. 'UNAUTHENTICATED'. */
export const statusOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => 'OK',
    (error: { code: number }) => status[error.code],
  );
