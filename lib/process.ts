import type { Logger } from './logger.js';

/**
 * Runs a service process: starts the app, and on SIGTERM or SIGINT stops it once and exits.
 * A second signal, or a stop that hangs past `forceAfterMs`, exits at once.
 */
export function runService(
  logger: Logger,
  start: () => Promise<{ stop(): Promise<void> }>,
  { forceAfterMs = 4_000 }: { forceAfterMs?: number } = {},
): void {
  let app: { stop(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('stop took too long; exiting');
      process.exit(1);
    }, forceAfterMs).unref();
    (app ? app.stop() : Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Started by `npm start` with an IPC channel: if the launcher dies without stopping us (it was
  // killed with SIGKILL), the channel closes and this process stops instead of living on orphaned.
  if (process.connected) process.on('disconnect', () => shutdown('launcher exited'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
  start().then(
    (started) => {
      app = started;
      if (stopping) void started.stop().finally(() => process.exit(0));
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'failed to start');
      process.exit(1);
    },
  );
}
