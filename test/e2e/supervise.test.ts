import { spawn, type ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { alive, descendants, embeddedLauncherEnv, findBelow } from '../support/processes.js';
import { until } from '../support/wait.js';

/**
 * `npm start` supervises: after the first start, any process it runs — a service, the gateway,
 * the embedded PostgreSQL — that is SIGKILLed is restarted while the others keep serving, and the
 * system serves again; one that keeps dying makes the launcher give up loudly. A SIGKILLed
 * launcher leaves nothing running, and the next start recovers the data folder even when its
 * PostgreSQL was left running.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const ENTRIES = {
  chat: /services\/chat\/src\/index\.ts/,
  auth: /services\/auth\/src\/index\.ts/,
  gateway: /gateway\/src\/index\.ts/,
  keeper: /scripts\/postgres-process\.ts/,
  postmaster: /bin\/postgres\b/,
};

let env: NodeJS.ProcessEnv;
let gatewayPort: number;

beforeAll(async () => {
  const launcher = await embeddedLauncherEnv('supervise', {
    LOG_LEVEL: 'info',
    RESTART_BACKOFF: '100ms',
    RESTART_MAX_PER_MINUTE: '3',
    // Each check registers an account, more often than the per-address limit allows.
    RATE_LIMITS: 'off',
  });
  leftover(launcher.dispose);
  ({ env, gatewayPort } = launcher);
});

interface Launcher {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function start(): Promise<Launcher> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The test kills each launcher; one a failed test left running is stopped as Ctrl-C would stop it.
  leftover(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  await until(
    () => output.includes('Messenger is up') || child.exitCode !== null,
    () => `npm start ready:\n${output}`,
    60_000,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (!output.includes('Messenger is up')) throw new Error(`npm start exited before ready:\n${output}`);
  return { child, output: () => output, exited };
}

const gql = () => graphqlClient(gatewayPort).request;

/** Answers (retried until it does): the whole path, gateway → services → PostgreSQL, serves. */
async function serves(email: string): Promise<string> {
  let token: string | undefined;
  await until(
    async () => {
      const answer = await gql()<{ register: { accessToken: string } }>(
        'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }',
        { input: { email, username: email.split('@')[0], password: 'a long password' } },
      ).catch(() => undefined);
      token = answer?.data?.register.accessToken;
      return token !== undefined;
    },
    `a registration through the restarted system (${email})`,
    60_000,
  );
  return token!;
}

function pidOf(launcher: Launcher, entry: RegExp): number {
  const pid = findBelow(launcher.child.pid!, entry);
  if (pid === undefined) throw new Error(`no process matching ${String(entry)} below the launcher`);
  return pid;
}

/** Kills one process with SIGKILL and waits until the launcher has started a new one. */
async function killAndAwaitRestart(launcher: Launcher, entry: RegExp): Promise<number> {
  const old = pidOf(launcher, entry);
  process.kill(old, 'SIGKILL');
  let fresh: number | undefined;
  await until(
    () => {
      fresh = findBelow(launcher.child.pid!, entry);
      return fresh !== undefined && fresh !== old;
    },
    `a new process matching ${String(entry)}`,
    60_000,
  );
  return fresh!;
}

describe('npm start supervises its processes', () => {
  it(
    'restarts whatever is SIGKILLed, gives up on one that keeps dying, and leaves nothing behind',
    { timeout: 300_000 },
    async () => {
      const first = await start();
      await serves('first@example.com');

      for (const name of ['chat', 'auth', 'gateway', 'postmaster'] as const) {
        await killAndAwaitRestart(first, ENTRIES[name]);
        await serves(`after_${name}@example.com`);
      }
      expect(first.output()).toMatch(/a process exited unexpectedly; restarting it/);
      // The restarted gateway says how often it was restarted, as a metric.
      const metricsPort = [...first.output().matchAll(/"service":"gateway".*?"metricsPort":(\d+)/g)].at(-1)?.[1];
      expect(metricsPort).toBeDefined();
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^messenger_process_restarts\{[^}]*\} 1$/m);

      // The launcher is SIGKILLed: its processes notice and stop, the embedded PostgreSQL included.
      const tree = descendants(first.child.pid!);
      first.child.kill('SIGKILL');
      await until(() => !tree.some(alive), 'every process of the killed launcher gone', 30_000);

      // Launcher and PostgreSQL's keeper killed at once: the postmaster is left running, holding
      // the data folder. The next start stops it and starts afresh, with the data kept.
      const second = await start();
      await serves('second@example.com');
      const orphan = pidOf(second, ENTRIES.postmaster);
      process.kill(pidOf(second, ENTRIES.keeper), 'SIGKILL');
      second.child.kill('SIGKILL');
      await second.exited;
      expect(alive(orphan)).toBe(true);
      const third = await start();
      expect(alive(orphan)).toBe(false);
      const login = await gql()<{ login: { accessToken: string } }>(
        'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
        { input: { email: 'first@example.com', password: 'a long password' } },
      );
      expect(login.errors).toBeUndefined();

      // chat-service dies more often than RESTART_MAX_PER_MINUTE (3): the launcher gives up,
      // loudly, with everything stopped.
      const thirdTree = descendants(third.child.pid!);
      for (let i = 0; i < 3; i++) await killAndAwaitRestart(third, ENTRIES.chat);
      process.kill(pidOf(third, ENTRIES.chat), 'SIGKILL');
      expect(await third.exited).toBe(1);
      expect(third.output()).toMatch(/giving up/);
      await until(() => !thirdTree.some(alive), 'every process stopped after giving up', 30_000);
    },
  );
});
