/**
 * How every process is put together (as graphql-yoga's examples are): its entry point (index.ts)
 * opens the resources — database, Redis, gRPC clients — and hands them to a factory that builds
 * the app; `start` binds its ports, `stop` ends what it serves. The tests compose a process the
 * same way, through `launch`.
 */
export interface App<Bound> {
  /** Listens; resolves with what it bound (ports picked for port 0). */
  start(): Promise<Bound>;
  /** Stops serving; the resources stay open for whoever opened them to close. */
  stop(): Promise<void>;
}

/** What an app is built over: opened before it, closed after it has stopped. */
export interface Resources {
  close(): Promise<void>;
}

/** What `start` of app `A` resolves with. */
export type BoundOf<A extends App<unknown>> = Awaited<ReturnType<A['start']>>;

export interface Launched<R extends Resources, A extends App<unknown>> {
  app: A;
  resources: R;
  bound: BoundOf<A>;
  /** Stops the app, then closes its resources (a function: callers pass it on). */
  stop: () => Promise<void>;
}

/**
 * Builds the app over `resources` and starts it. A failed start closes what it opened and the
 * resources; `stop` stops the app before it closes them (streams end while the database is there).
 */
export async function launch<R extends Resources, A extends App<unknown>>(
  resources: R,
  create: (resources: R) => A,
): Promise<Launched<R, A>> {
  let app: A;
  try {
    app = create(resources);
  } catch (error) {
    await resources.close();
    throw error;
  }
  const stop = async () => {
    try {
      await app.stop();
    } finally {
      await resources.close();
    }
  };
  let bound: BoundOf<A>;
  try {
    bound = (await app.start()) as BoundOf<A>;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { app, resources, bound, stop };
}
