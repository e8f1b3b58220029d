// Every process the bench starts is registered here, so that a failure, Ctrl-C or a normal end
// stops all of them: a benchmark must not leave servers or clients running on a shared machine.
import { fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const running = new Set<ChildProcess>();
/** How long a child has after SIGTERM before SIGKILL; the launcher needs ~3 s to stop PostgreSQL. */
const STOP_GRACE_MS = 8_000;

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Forks a TypeScript module (under tsx) with an IPC channel; its stdout/stderr go to ours. */
export function forkTs(modulePath: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return track(
    fork(modulePath, args, {
      cwd: ROOT,
      env,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
}

/** Spawns any command as a tracked child. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, { cwd: ROOT, ...options }));
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Stops every child still running (each by its own pid). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

let installed = false;
/** On Ctrl-C or SIGTERM: stop every child, then exit non-zero. */
export function stopAllOnSignal(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping every process the bench started…\n`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort on an unexpected exit: no await is possible here, so SIGKILL what is left.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
