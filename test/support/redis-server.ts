import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { leftover } from './leftovers.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1', () => {
      socket.write('PING\r\n');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
  });

/** Whether this machine has a redis-server binary; prints why not when it has none. */
export function haveRedisServer(label: string): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found) process.stdout.write(`[skip] ${label}: there is no redis-server on this machine\n`);
  return found;
}

/**
 * A private redis-server for tests that restart Redis (the shared one must stay up). Undefined,
 * with the reason printed, when there is no redis-server on this machine.
 */
export async function startRedisServer(port: number, label: string): Promise<RedisServer | undefined> {
  let child: ChildProcess | undefined;
  const launch = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const failed = new Promise<Error>((resolve) => started.once('error', resolve));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const outcome = await Promise.race([answers(port), failed, new Promise((r) => setTimeout(() => r(false), 50))]);
      if (outcome instanceof Error) throw outcome;
      if (outcome === true) break;
      if (Date.now() > deadline) throw new Error('redis-server did not answer');
    }
    child = started;
  };
  try {
    await launch();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stdout.write(`[skip] ${label}: there is no redis-server on this machine\n`);
      return undefined;
    }
    throw error;
  }
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  // Killed after the file's tests (leftovers.ts) unless a test did it first.
  const stop = leftover(kill);
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: launch, stop };
}
