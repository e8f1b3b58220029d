import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Every process below `pid` (children, grandchildren, …), from `ps`. */
export function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The one process below `root` whose command line matches `pattern`, if there is one. */
export function findBelow(root: number, pattern: RegExp): number | undefined {
  const matching = descendants(root).filter((pid) => pattern.test(cmdlineOf(pid)));
  // A postmaster's own children (backends, checkpointer) carry its data folder too: take the
  // ancestor-most, i.e. the first found breadth-first.
  return matching[0];
}

/**
 * The environment of an `npm start` of its own in embedded mode: a fresh DATA_DIR (enterable by
 * the `postgres` user the embedded server runs as under root), free ports for every process, no
 * database URL, secret or Redis from the caller's environment, and `settings` on top. `dispose`
 * removes the folder.
 */
export async function embeddedLauncherEnv(
  label: string,
  settings: Record<string, string> = {},
): Promise<{ env: NodeJS.ProcessEnv; gatewayPort: number; dataDir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `messenger-${label}-`));
  await chmod(dir, 0o755);
  const gatewayPort = await freePort();
  const {
    TEST_DATABASE_URL: _t,
    AUTH_DATABASE_URL: _a,
    CHAT_DATABASE_URL: _c,
    PROFILES_DATABASE_URL: _p,
    ...rest
  } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...rest,
    JWT_PRIVATE_KEY_FILE: '',
    JWT_PUBLIC_KEY_FILE: '',
    REDIS_URL: '',
    DATA_DIR: join(dir, 'data'),
    // Built here rather than into the repository's web/dist, which a running `npm start` may serve.
    WEB_ROOT: join(dir, 'web'),
    GATEWAY_PORT: String(gatewayPort),
    AUTH_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    CHAT_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    PROFILES_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    EMBEDDED_PG_PORT: String(await freePort()),
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...settings,
  };
  return {
    env,
    gatewayPort,
    dataDir: join(dir, 'data'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
