import type { WebSocket } from 'ws';
import type { Logger } from '../../lib/logger.js';
import { createSessionRecheck } from '../../lib/session-recheck.js';
import { watchRevocations } from '../../lib/session-verifier.js';
import type { Upstreams } from './clients.js';
import { closeCodes } from './ws-codes.js';

export interface LiveSessions {
  /** A socket authenticated for `sessionId`: closed with 4403 when the session is revoked. */
  addSocket(sessionId: string, socket: WebSocket): void;
  /**
   * Something else live of `sessionId` (a `chatEvents` stream over HTTP): `revoked` is called
   * when the session is revoked. Returns the registration's removal, for when it ends otherwise.
   */
  hold(sessionId: string, revoked: () => void): () => void;
  stop(): void;
}

/**
 * What each session holds live at this gateway: its WebSockets and its `chatEvents` streams over
 * HTTP (server-sent events, multipart). When a session stops working (logout, revokeSession,
 * refresh-token reuse), all of it ends: sockets are closed with 4403, streams end with an
 * UNAUTHENTICATED error. auth-service's WatchRevocations says so at once; a recheck of every
 * session held here (after each gap in that feed, and every `recheckMs`, one CheckSessions call
 * per batch of sessions) catches a revocation the feed missed.
 */
export function createLiveSessions(upstreams: Upstreams, logger: Logger, recheckMs: number): LiveSessions {
  /** session id → how to end each thing it holds. */
  const sessions = new Map<string, Set<() => void>>();

  function revoked(sessionId: string) {
    const held = sessions.get(sessionId);
    if (!held) return;
    sessions.delete(sessionId);
    for (const end of held) end();
  }

  const recheck = createSessionRecheck({
    auth: upstreams.auth,
    logger,
    live: () => sessions.keys(),
    onInactive: revoked,
    intervalMs: recheckMs,
  });
  const watch = watchRevocations({ auth: upstreams.auth, logger, onRevoked: revoked, onGap: () => recheck.now() });

  function hold(sessionId: string, end: () => void): () => void {
    let held = sessions.get(sessionId);
    if (!held) sessions.set(sessionId, (held = new Set()));
    held.add(end);
    return () => {
      held.delete(end);
      if (held.size === 0 && sessions.get(sessionId) === held) sessions.delete(sessionId);
    };
  }

  return {
    addSocket(sessionId, socket) {
      socket.once(
        'close',
        hold(sessionId, () => socket.close(closeCodes.forbidden, 'session revoked')),
      );
    },
    hold,
    stop() {
      watch.stop();
      recheck.stop();
    },
  };
}
