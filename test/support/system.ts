import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { dropDatabase } from '../../lib/db.js';
import { testKeys } from './keys.js';
import { leftover } from './leftovers.js';
import { freePort } from './ports.js';

/**
 * The whole system as `npm start` runs it (scripts/start.ts: web client build, migrations,
 * every service and the gateway as processes), against three new databases on the test
 * PostgreSQL server (or, with `embeddedPostgres`, on its own embedded PostgreSQL, supervised by
 * the launcher like every other process), on free ports, for end-to-end and browser tests.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
/** The launcher stops its processes within 3 s (SIGKILL after that); this is its own limit. */
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 200_000;

/** Every setting in .env.example, so that neither the environment nor a developer's .env leaks in. */
const SETTINGS = readFileSync(join(ROOT, '.env.example'), 'utf8')
  .split('\n')
  .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
  .map((line) => line.slice(0, line.indexOf('=')));

export interface System {
  /** The web client's address, `http://127.0.0.1:<gatewayPort>/` (GraphQL at `graphql`). */
  url: string;
  gatewayPort: number;
  /** What the launcher and its processes have printed (the last 200 kB), for failure messages. */
  output(): string;
  /** The launcher's process id (its processes are found below it: test/support/processes.ts). */
  pid(): number | undefined;
  /**
   * Stops every process (SIGTERM, as Ctrl-C does) and starts them again on the same ports,
   * databases and token key, so sessions survive; resolves once /readyz answers again.
   */
  restart(): Promise<void>;
  /** Stops every process, drops the databases and removes the temporary folder. Idempotent. */
  stop(): Promise<void>;
}

export interface SystemOptions {
  /**
   * Run the launcher's own embedded PostgreSQL (own port, own DATA_DIR in the temporary folder)
   * instead of databases on the test PostgreSQL server: for tests that kill PostgreSQL.
   */
  embeddedPostgres?: boolean;
}

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Starts the system and resolves once the gateway's /readyz answers 200. `env` overrides any
 * setting (LOG_LEVEL defaults to `warn`, so that failures are explained in `output()`). Register
 * `stop` only to stop it early: it is stopped after the file's tests (leftovers.ts).
 */
export async function startSystem(
  label: string,
  env: Record<string, string> = {},
  { embeddedPostgres = false }: SystemOptions = {},
): Promise<System> {
  const tag = label
    .toLowerCase()
    .replace(/\W+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  const name = `s_${tag}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = (service: string) => {
    const url = new URL(inject('postgresUrl'));
    url.pathname = `/${name}_${service}`; // created by the launcher's migrations (lib/db.ts)
    return url.toString();
  };
  const databases = embeddedPostgres
    ? undefined
    : { auth: databaseUrl('auth'), chat: databaseUrl('chat'), profiles: databaseUrl('profiles') };
  const dir = await mkdtemp(join(tmpdir(), 'messenger-system-'));
  // The embedded PostgreSQL runs as `postgres` when tests run as root: its DATA_DIR must be enterable.
  if (embeddedPostgres) await chmod(dir, 0o755);
  const gatewayPort = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    // An empty value counts as unset, and dotenv does not replace a variable that is present.
    ...Object.fromEntries(SETTINGS.map((key) => [key, ''])),
    LOG_LEVEL: 'warn',
    DATA_DIR: join(dir, 'data'),
    WEB_ROOT: join(dir, 'web'),
    ...(databases
      ? {
          AUTH_DATABASE_URL: databases.auth,
          CHAT_DATABASE_URL: databases.chat,
          PROFILES_DATABASE_URL: databases.profiles,
        }
      : { EMBEDDED_PG_PORT: String(await freePort()) }),
    JWT_PRIVATE_KEY_FILE: testKeys().privateKeyFile,
    GATEWAY_PORT: String(gatewayPort),
    AUTH_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    CHAT_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    PROFILES_GRPC_LISTEN: `127.0.0.1:${await freePort()}`,
    METRICS_PORT: '0',
    ...env,
  };
  delete childEnv.TEST_DATABASE_URL;

  let output = '';
  const record = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };

  function launch(): Launched {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', record);
    child.stderr.on('data', record);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited };
  }

  async function waitReady({ child }: Launched): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the system (${label}) stopped before it was ready:\n${output}`);
      }
      const ready = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`the system (${label}) was not ready after 60 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function terminate({ child, exited }: Launched): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  let current = launch();
  let stopped: Promise<void> | undefined;
  const stop = leftover(
    () =>
      (stopped ??= (async () => {
        await terminate(current);
        if (databases) await Promise.all(Object.values(databases).map((url) => dropDatabase(url)));
        await rm(dir, { recursive: true, force: true });
      })()),
  );

  try {
    await waitReady(current);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${gatewayPort}/`,
    gatewayPort,
    output: () => output,
    pid: () => current.child.pid,
    async restart() {
      await terminate(current);
      current = launch();
      await waitReady(current);
    },
    stop,
  };
}
