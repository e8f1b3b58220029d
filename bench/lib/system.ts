// The system under test, started the way a new user starts it: `scripts/start.ts` (what
// `npm start` runs) in embedded mode, on a fresh DATA_DIR and free ports. Only its public
// interface (GraphQL over HTTP and WebSocket) and its processes (/proc) are used.
import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import { spawnTracked, stopChild } from './children.js';
import { cmdlineOf, treeOf } from './proc.js';

const READY_TIMEOUT_MS = 120_000;

/** The processes whose CPU and memory the bench reports; postgres is the postmaster's whole tree. */
export type ProcessName = 'gateway' | 'auth' | 'chat' | 'profiles' | 'postgres';

export interface System {
  gatewayUrl: string;
  wsUrl: string;
  chatGrpcAddr: string;
  /** The embedded PostgreSQL: port and superuser password (for the reference's own database). */
  postgres: { port: number; password: string };
  pids: Record<ProcessName, number>;
  /** PIDs to sample for each process: the process itself, or every postgres process now. */
  pidsOf(name: ProcessName): number[];
  stop(): Promise<void>;
}

/** Settings a developer's environment or .env might hold that would point the system elsewhere. */
const CLEARED = [
  'AUTH_DATABASE_URL',
  'CHAT_DATABASE_URL',
  'PROFILES_DATABASE_URL',
  'JWT_PRIVATE_KEY_FILE',
  'JWT_PUBLIC_KEY_FILE',
  'REDIS_URL',
  'AUTH_GRPC_ADDR',
  'CHAT_GRPC_ADDR',
  'PROFILES_GRPC_ADDR',
  'CHAT_INSTANCES',
  'WEB_ROOT',
  'TEST_DATABASE_URL',
];

export async function startSystem(): Promise<System> {
  const dir = await mkdtemp(join(tmpdir(), 'messenger-bench-'));
  // The embedded PostgreSQL runs as a `postgres` user when we are root: it must pass through.
  await chmod(dir, 0o755);
  const gatewayPort = await freePort();
  const chatListen = `127.0.0.1:${await freePort()}`;
  const pgPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // An empty value counts as unset, and dotenv does not replace a variable that is present.
    ...Object.fromEntries(CLEARED.map((key) => [key, ''])),
    DATA_DIR: join(dir, 'data'),
    WEB_ROOT: join(dir, 'web'),
    EMBEDDED_PG_PORT: String(pgPort),
    GATEWAY_PORT: String(gatewayPort),
    AUTH_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    CHAT_GRPC_LISTEN: chatListen,
    PROFILES_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    // Setup registers thousands of sessions and a run lasts minutes: no token may expire in it.
    ACCESS_TOKEN_TTL: '2h',
    // The gateway's rate limits would refuse the bench's load.
    RATE_LIMITS: 'off',
  };
  // The system's own log (warnings and errors only) goes to a file: BENCH_SYSTEM_LOG, else none.
  const logFile = process.env.BENCH_SYSTEM_LOG ? openSync(process.env.BENCH_SYSTEM_LOG, 'a') : 'ignore';
  const launcher = spawnTracked(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env,
    stdio: ['ignore', logFile, logFile],
  });
  const stop = async () => {
    await stopChild(launcher);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(launcher, `http://127.0.0.1:${gatewayPort}/readyz`);
    const pids = findProcesses(launcher.pid!);
    const password = (await readFile(join(dir, 'data', 'pg-password'), 'utf8')).trim();
    return {
      gatewayUrl: `http://127.0.0.1:${gatewayPort}/graphql`,
      wsUrl: `ws://127.0.0.1:${gatewayPort}/graphql`,
      chatGrpcAddr: chatListen,
      postgres: { port: pgPort, password },
      pids,
      pidsOf: (name) => (name === 'postgres' ? treeOf(pids.postgres) : [pids[name]]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitReady(launcher: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (launcher.exitCode !== null || launcher.signalCode !== null) throw new Error('npm start exited before ready');
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the system was not ready after ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The launcher's processes by what they run: each service's entry file, and the postmaster. */
function findProcesses(launcherPid: number): Record<ProcessName, number> {
  const found: Partial<Record<ProcessName, number>> = {};
  const entries: [ProcessName, RegExp][] = [
    ['gateway', /gateway\/src\/index\.ts/],
    ['auth', /services\/auth\/src\/index\.ts/],
    ['chat', /services\/chat\/src\/index\.ts/],
    ['profiles', /services\/profiles\/src\/index\.ts/],
    ['postgres', /\/bin\/postgres\b/],
  ];
  // PostgreSQL runs below its own supervised process (scripts/postgres-process.ts): search the
  // whole tree, breadth-first, keeping the first (ancestor-most) match of each.
  for (const pid of treeOf(launcherPid).slice(1)) {
    const cmdline = cmdlineOf(pid);
    for (const [name, pattern] of entries) if (pattern.test(cmdline)) found[name] ??= pid;
  }
  const missing = entries.map(([name]) => name).filter((name) => found[name] === undefined);
  if (missing.length > 0) throw new Error(`processes not found under the launcher: ${missing.join(', ')}`);
  return found as Record<ProcessName, number>;
}
