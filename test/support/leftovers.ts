import { afterAll } from 'vitest';

/**
 * Everything a test file started and has not stopped yet, as graphql-ws's tests keep their
 * `leftovers`: one list for every server, client and database a test or fixture opens. Each is
 * stopped after the file's tests (`test/support/setup.ts`), the last opened first, also when a
 * test failed half-way; stopping one earlier (a test that kills an instance) takes it off the list.
 */
const leftovers: (() => unknown)[] = [];

/**
 * Puts `stop` on the list and returns it, made to run at most once: call it to stop the thing
 * early; otherwise it runs after the file's tests.
 */
export function leftover(stop: () => unknown): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  const once = () => {
    const index = leftovers.indexOf(once);
    if (index >= 0) leftovers.splice(index, 1);
    stopped ??= Promise.resolve()
      .then(stop)
      .then(() => undefined);
    return stopped;
  };
  leftovers.push(once);
  return once;
}

/** Stops what is left, the last opened first; reports every failure, not only the first. */
export async function disposeLeftovers(): Promise<void> {
  const errors: unknown[] = [];
  // Each stop takes itself off the list.
  for (let stop = leftovers.at(-1); stop; stop = leftovers.at(-1)) {
    await Promise.resolve(stop()).catch((error: unknown) => errors.push(error));
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} leftovers failed to stop`);
}

/** Registered once per test file by the setup file: runs after the file's own `afterAll` hooks. */
export function disposeLeftoversAfterAll(): void {
  afterAll(disposeLeftovers);
}
