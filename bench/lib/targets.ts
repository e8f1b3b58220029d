// Reference servers as the scenarios start them: each in its own process, told the same users,
// tokens and chats as the real system has.
import { forkTs, stopChild } from './children.js';
import { connectWorker } from './ipc.js';
import type { User } from './graphql.js';
import type { RawWsApi } from '../refs/raw-ws-server.js';
import type { YogaMemoryApi } from '../refs/yoga-memory-server.js';
import type { DirectoryInput } from '../refs/directory.js';

/** Somewhere sendMessage can be POSTed and chatEvents subscribed to. */
export interface Target {
  name: string;
  httpUrl: string;
  wsUrl: string;
  /** The processes that serve it, for CPU and memory. */
  processes: Record<string, number>;
  stop(): Promise<void>;
}

export const directoryOf = (users: User[], chats: { id: string; memberIds: string[] }[]): DirectoryInput => ({
  users: users.map(({ id, username, tokens }) => ({ id, username, tokens })),
  chats,
});

async function startRef<A extends RawWsApi | YogaMemoryApi>(
  name: string,
  module: string,
  directory: DirectoryInput,
): Promise<Target> {
  const worker = await connectWorker<A>(forkTs(module), name);
  await worker.call('setup', directory);
  const port = await worker.call('listen', undefined);
  return {
    name,
    httpUrl: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    processes: { [name]: worker.pid },
    stop: () => stopChild(worker.child, 2_000),
  };
}

/** The bare `node:http` + `ws` broadcast server. */
export const startRawWs = (directory: DirectoryInput) =>
  startRef<RawWsApi>('raw-ws', 'bench/refs/raw-ws-server.ts', directory);

/** graphql-yoga + graphql-ws with the repository's schema, in memory. */
export const startYogaMemory = (directory: DirectoryInput) =>
  startRef<YogaMemoryApi>('yoga-memory', 'bench/refs/yoga-memory-server.ts', directory);
