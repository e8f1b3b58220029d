import type { WebSocket } from 'ws';
import type { Logger } from '../../lib/logger.js';
import { createSessionRecheck } from '../../lib/session-recheck.js';
import { watchRevocations } from '../../lib/session-verifier.js';
import type { Upstreams } from './clients.js';
import { closeCodes } from './ws-codes.js';

export interface LiveSessions {
  /**
   * A socket authenticated for `sessionId` with a token signed by `keyId`: closed with 4403 when
   * the session is revoked or the key retired (the client refreshes its token and reconnects).
   */
  addSocket(sessionId: string, keyId: string | undefined, socket: WebSocket): void;
  /**
   * Something else live of `sessionId` (a `chatEvents` stream over HTTP): `revoked` is called
   * when the session is revoked or `keyId` retired. Returns the registration's removal, for when
   * it ends otherwise.
   */
  hold(sessionId: string, keyId: string | undefined, revoked: (why: string) => void): () => void;
  /** Ends what rests on tokens signed by these keys. */
  retireKeys(keyIds: string[]): void;
  stop(): void;
}

interface Held {
  keyId: string | undefined;
  end: (why: string) => void;
}

/**
 * What each session holds live at this gateway: its WebSockets and its `chatEvents` streams over
 * HTTP (server-sent events). When a session stops working (logout, revokeSession, refresh-token
 * reuse), all of it ends: sockets are closed with 4403, streams end with an UNAUTHENTICATED
 * error. auth-service's WatchRevocations says so at once; a recheck of every session held here
 * (after each gap in that feed, and every `recheckMs`, one CheckSessions call per batch of
 * sessions) catches a revocation the feed missed.
 */
export function createLiveSessions(upstreams: Upstreams, logger: Logger, recheckMs: number): LiveSessions {
  /** session id → what it holds, and how to end each. */
  const sessions = new Map<string, Set<Held>>();

  function revoked(sessionId: string) {
    const held = sessions.get(sessionId);
    if (!held) return;
    sessions.delete(sessionId);
    for (const { end } of held) end('session revoked');
  }

  const recheck = createSessionRecheck({
    auth: upstreams.auth,
    logger,
    live: () => sessions.keys(),
    onInactive: revoked,
    intervalMs: recheckMs,
  });
  const watch = watchRevocations({ auth: upstreams.auth, logger, onRevoked: revoked, onGap: () => recheck.now() });

  function hold(sessionId: string, keyId: string | undefined, end: (why: string) => void): () => void {
    let held = sessions.get(sessionId);
    if (!held) sessions.set(sessionId, (held = new Set()));
    const entry = { keyId, end };
    held.add(entry);
    return () => {
      held.delete(entry);
      if (held.size === 0 && sessions.get(sessionId) === held) sessions.delete(sessionId);
    };
  }

  return {
    addSocket(sessionId, keyId, socket) {
      socket.once(
        'close',
        hold(sessionId, keyId, (why) => socket.close(closeCodes.forbidden, why)),
      );
    },
    hold,
    retireKeys(keyIds) {
      const retired = new Set(keyIds);
      for (const held of sessions.values()) {
        for (const entry of [...held]) {
          if (entry.keyId !== undefined && retired.has(entry.keyId)) entry.end('token key retired');
        }
      }
    },
    stop() {
      watch.stop();
      recheck.stop();
    },
  };
}
