// The embedded PostgreSQL as a process of its own, so that `npm start` supervises it like every
// other one: it starts the server (recovering the data folder after a crash), says `ready` over
// IPC, and exits when the server does; SIGTERM, SIGINT, or the launcher's death (the IPC channel
// closing) stop the server first.
import { configOrExit } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { loadLauncherEnv } from './config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

const config = configOrExit(loadLauncherEnv);
const logger = createLogger('postgres', config.LOG_LEVEL);
const starting = startEmbeddedPostgres(config, logger);
let stopping = false;

async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, 'stopping PostgreSQL');
  // A stop during start waits for the server, so that none is left running.
  const running = await starting.catch(() => undefined);
  await running?.stop().catch((error: unknown) => logger.error({ err: error }, 'stopping PostgreSQL failed'));
  process.exit(0);
}

process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('disconnect', () => void stop('launcher exited'));

try {
  const running = await starting;
  running.postmaster.once('exit', (code, signal) => {
    if (stopping) return;
    logger.error({ code, signal }, 'PostgreSQL exited unexpectedly');
    process.exit(1);
  });
  if (!stopping) process.send?.({ type: 'ready', baseUrl: running.baseUrl });
} catch (error) {
  if (!stopping) {
    logger.fatal({ err: error }, 'PostgreSQL did not start');
    process.exit(1);
  }
}
