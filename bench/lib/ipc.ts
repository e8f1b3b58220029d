// Typed request/response over a forked child's IPC channel: the bench's load generators and
// reference servers are separate processes, driven by the orchestrating process.
import type { ChildProcess } from 'node:child_process';

/** A worker's methods: each takes one serialisable argument and returns a serialisable result. */
export type Api = Record<string, (arg: never) => unknown>;

interface Request {
  id: number;
  method: string;
  arg: unknown;
}
interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** In the child: answers the parent's calls with `handlers`; exits when the parent goes away. */
export function serve<A extends Api>(handlers: A): void {
  process.on('message', (message: Request) => {
    const handler = handlers[message.method] as ((arg: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no method ${message.method}`);
        return handler(message.arg);
      })
      .then(
        (result) => process.send?.({ id: message.id, result } satisfies Reply),
        (error: unknown) =>
          process.send?.({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies Reply),
      );
  });
  // The orchestrator died (or was killed): nothing may stay behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, result: 'ready' } satisfies Reply);
}

/** In the parent: a handle on a forked child that serves `A`. */
export interface Worker<A extends Api> {
  child: ChildProcess;
  pid: number;
  call<K extends keyof A & string>(method: K, arg: Parameters<A[K]>[0]): Promise<Awaited<ReturnType<A[K]>>>;
}

/** Wraps a child forked with an IPC channel; resolves once it said it is ready. */
export async function connectWorker<A extends Api>(child: ChildProcess, name: string): Promise<Worker<A>> {
  let next = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const error = new Error(`${name} exited (code ${code}, signal ${signal})`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
    child.on('message', (reply: Reply) => {
      if (reply.id === 0) return resolve();
      const call = pending.get(reply.id);
      if (!call) return;
      pending.delete(reply.id);
      if (reply.error !== undefined) call.reject(new Error(`${name}: ${reply.error}`));
      else call.resolve(reply.result);
    });
  });
  await ready;
  return {
    child,
    pid: child.pid!,
    call(method, arg) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve, reject });
        child.send({ id, method, arg } satisfies Request);
      });
    },
  };
}
