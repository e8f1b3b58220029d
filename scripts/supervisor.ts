import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../lib/logger.js';

/** What happens when a supervised process dies after the system has started. */
export interface RestartPolicy {
  /** Wait before the first restart; doubled for each further restart within a minute. */
  backoffMs: number;
  /** The longest wait between restarts. */
  maxBackoffMs: number;
  /** Restarts of one process within a minute past which the launcher gives up. */
  maxPerMinute: number;
}

export interface ChildSpec {
  name: string;
  /** A TypeScript entry file, run with `node --import tsx` (or JavaScript, run with `node`). */
  entry: string;
  env: Record<string, string>;
  /** Its own process group: a Ctrl-C in the terminal does not reach it (the launcher stops it). */
  detached?: boolean;
}

/** The environment variable that tells a process how often it was restarted (a metric). */
export const RESTARTS_ENV = 'MESSENGER_RESTARTS';

interface Supervised {
  spec: ChildSpec;
  process: ChildProcess;
  exited: Promise<void>;
  restarts: number;
  /** When it was restarted within the last minute. */
  recent: number[];
  timer?: NodeJS.Timeout;
}

/**
 * Runs the system's processes and keeps them running. Until `started()` is called (the first
 * start), a process that exits is fatal: a system that cannot come up says so and stops. After
 * that, a process that exits unexpectedly is logged and started again after a backoff, while the
 * others keep serving; one that keeps dying (more than `maxPerMinute` restarts in a minute) is
 * fatal, loudly. Every process gets an IPC channel, through which it notices the launcher's
 * death (lib/process.ts) and stops instead of living on orphaned.
 */
export class Supervisor {
  private readonly children = new Map<string, Supervised>();
  private running = false;
  private stopping = false;

  constructor(
    private readonly options: {
      root: string;
      logger: Logger;
      policy: RestartPolicy;
      /** Called once when the system cannot go on; the launcher stops everything. */
      fatal: (reason: string) => void;
    },
  ) {}

  /** Starts a process; `onMessage` hears what it sends over IPC (e.g. "ready"). */
  start(spec: ChildSpec, onMessage?: (message: unknown) => void): ChildProcess {
    const supervised: Supervised = { spec, restarts: 0, recent: [], ...this.launch(spec, 0, onMessage) };
    this.children.set(spec.name, supervised);
    this.watch(supervised, onMessage);
    return supervised.process;
  }

  /** The first start is over: from now on, a process that dies is restarted. */
  started(): void {
    this.running = true;
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.process.pid;
  }

  /** Stops the named processes (all of them by default) with SIGTERM, SIGKILL after `graceMs`. */
  async stop(names: string[] = [...this.children.keys()], graceMs = 3_000): Promise<void> {
    this.stopping = true;
    const stopping = names.flatMap((name) => {
      const child = this.children.get(name);
      if (!child) return [];
      clearTimeout(child.timer);
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
      return [child];
    });
    const grace = setTimeout(() => {
      for (const child of stopping) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }, graceMs);
    await Promise.all(stopping.map((child) => child.exited));
    clearTimeout(grace);
  }

  private launch(spec: ChildSpec, restarts: number, onMessage?: (message: unknown) => void) {
    const args = spec.entry.endsWith('.ts') ? ['--import', 'tsx', spec.entry] : [spec.entry];
    const child = spawn(process.execPath, args, {
      cwd: this.options.root,
      env: { ...process.env, ...spec.env, [RESTARTS_ENV]: String(restarts) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: spec.detached ?? false,
    });
    if (onMessage) child.on('message', onMessage);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { process: child, exited };
  }

  private watch(supervised: Supervised, onMessage?: (message: unknown) => void) {
    const { spec } = supervised;
    supervised.process.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (!this.running) {
        this.options.fatal(`${spec.name} exited during the first start (code ${code}, signal ${signal})`);
        return;
      }
      const now = Date.now();
      supervised.recent = supervised.recent.filter((at) => now - at < 60_000);
      const { policy } = this.options;
      if (supervised.recent.length >= policy.maxPerMinute) {
        this.options.fatal(
          `${spec.name} exited again (code ${code}, signal ${signal}) after ${supervised.recent.length} restarts ` +
            `within a minute (RESTART_MAX_PER_MINUTE=${policy.maxPerMinute}); giving up`,
        );
        return;
      }
      const waitMs = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** supervised.recent.length);
      supervised.recent.push(now + waitMs);
      supervised.restarts++;
      this.options.logger.error(
        { child: spec.name, code, signal, restartInMs: waitMs, restarts: supervised.restarts },
        'a process exited unexpectedly; restarting it',
      );
      supervised.timer = setTimeout(() => {
        if (this.stopping) return;
        Object.assign(supervised, this.launch(spec, supervised.restarts, onMessage));
        this.options.logger.info({ child: spec.name, pid: supervised.process.pid }, 'process restarted');
        this.watch(supervised, onMessage);
      }, waitMs);
    });
  }
}
