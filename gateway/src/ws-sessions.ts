import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { WebSocket } from 'ws';
import { isServiceError } from '../../lib/errors.js';
import { callMetadata } from '../../lib/grpc/metadata.js';
import type { Logger } from '../../lib/logger.js';
import { watchRevocations } from '../../lib/session-verifier.js';
import type { Upstreams } from './clients.js';
import { closeCodes } from './ws-codes.js';

/**
 * The WebSockets of each session. When auth-service announces a session revoked (logout,
 * revokeSession, refresh-token reuse), its sockets are closed with 4403 at once. When the
 * revocation feed had a gap, every session with an open socket is checked again.
 */
export function createSocketSessions(upstreams: Upstreams, logger: Logger) {
  /** session id → its sockets, each with the authorization it connected with. */
  const sessions = new Map<string, Map<WebSocket, string>>();

  function close(sessionId: string) {
    const sockets = sessions.get(sessionId);
    if (!sockets) return;
    sessions.delete(sessionId);
    for (const socket of sockets.keys()) socket.close(closeCodes.forbidden, 'session revoked');
  }

  async function recheck() {
    await Promise.all(
      [...sessions].map(async ([sessionId, sockets]) => {
        const authorization = sockets.values().next().value;
        if (authorization === undefined) return;
        const metadata = callMetadata({ authorization, requestId: randomUUID() });
        await upstreams.auth.unary.validateSession({ allowExpired: true }, { metadata }).catch((error: unknown) => {
          if (isServiceError(error) && error.code === status.UNAUTHENTICATED) close(sessionId);
        });
      }),
    );
  }

  const watch = watchRevocations({
    auth: upstreams.auth,
    logger,
    onRevoked: close,
    onGap: () => void recheck().catch((error: unknown) => logger.warn({ err: error }, 'session recheck failed')),
  });

  return {
    add(sessionId: string, socket: WebSocket, authorization: string) {
      let sockets = sessions.get(sessionId);
      if (!sockets) sessions.set(sessionId, (sockets = new Map<WebSocket, string>()));
      sockets.set(socket, authorization);
      socket.once('close', () => {
        sockets.delete(socket);
        if (sockets.size === 0 && sessions.get(sessionId) === sockets) sessions.delete(sessionId);
      });
    },
    stop: () => watch.stop(),
  };
}
