import { randomUUID } from 'node:crypto';
import type { ServiceClient } from './grpc/client.js';
import { callMetadata } from './grpc/metadata.js';
import type { Logger } from './logger.js';
import type { AuthServiceClient } from '../proto/gen/auth/v1/auth.js';

/** Session ids per CheckSessions call; auth-service refuses more (INVALID_ARGUMENT). */
export const MAX_CHECK_SESSIONS = 1_000;

export interface SessionRecheck {
  /** Checks every live session again as soon as possible (after a gap in the revocation feed). */
  now(): void;
  stop(): void;
}

/**
 * The floor under revocation. WatchRevocations ends a revoked session's subscriptions at once,
 * but a revocation can miss it (the Redis publish failed on another auth-service instance, or it
 * was made while the feed was down). So the sessions that hold something live here are checked
 * with auth-service, which answers from PostgreSQL, after every gap in the feed and every
 * `intervalMs`: one CheckSessions call per batch of at most MAX_CHECK_SESSIONS ids, never one per
 * session. `onInactive` ends what each session found inactive holds.
 *
 * A check that fails (auth-service unreachable) ends nothing and is tried again at the next tick:
 * an auth-service outage must not end every subscription of every user.
 */
export function createSessionRecheck(options: {
  auth: ServiceClient<AuthServiceClient>;
  logger: Logger;
  /** The sessions with something live (subscribers, sockets, streams), read at each check. */
  live: () => Iterable<string>;
  onInactive: (sessionId: string) => void;
  /** Time between two periodic checks. @default 1000 */
  intervalMs?: number;
}): SessionRecheck {
  const { auth, logger, live, onInactive, intervalMs = 1_000 } = options;
  let running = false;
  /** A gap was seen while a check ran: revocations of that gap may have been read too early. */
  let again = false;
  let stopped = false;

  async function check() {
    const ids = [...live()];
    for (let start = 0; start < ids.length && !stopped; start += MAX_CHECK_SESSIONS) {
      const { inactiveSessionIds } = await auth.unary.checkSessions(
        { sessionIds: ids.slice(start, start + MAX_CHECK_SESSIONS) },
        { metadata: callMetadata({ requestId: randomUUID() }) },
      );
      for (const sessionId of inactiveSessionIds) onInactive(sessionId);
    }
  }

  function run() {
    if (stopped) return;
    running = true;
    void check()
      .catch((error: unknown) => logger.warn({ err: error }, 'session recheck failed; trying again'))
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  }

  // A tick while a check runs is skipped: checks never pile up behind a slow auth-service.
  const timer = setInterval(() => {
    if (!running) run();
  }, intervalMs);
  timer.unref();

  return {
    now() {
      if (running) again = true;
      else run();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
