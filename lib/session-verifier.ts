import { status, type Metadata } from '@grpc/grpc-js';
import { isServiceError, unauthenticated, unavailable } from './errors.js';
import type { ServiceClient } from './grpc/client.js';
import { bearerToken, callMetadata, forSubscription, REQUEST_ID_METADATA_KEY } from './grpc/metadata.js';
import type { AccessTokenKeys } from './jwt.js';
import type { Logger } from './logger.js';
import type { AuthServiceClient, WatchRevocationsResponse } from '../proto/gen/auth/v1/auth.js';
import { createSessionRecheck, type SessionRecheck } from './session-recheck.js';

/** Who is calling, from a verified access token of an active session. */
export interface Caller {
  userId: string;
  sessionId: string;
  /** The `kid` of the key that signed the caller's token. */
  keyId: string;
  /** The caller's own `authorization` value, for calls made on their behalf. */
  authorization: string;
  /** The call is a read for a live subscription (see SUBSCRIPTION_METADATA_KEY). */
  forSubscription: boolean;
  /** The request id the call came with: calls made on the caller's behalf carry it on. */
  requestId: string | undefined;
}

export interface SessionVerifier {
  /**
   * The caller of a gRPC call: the token is checked locally (signature, claims), then its session
   * with auth-service's ValidateSession, whose answer is trusted for at most `cacheMs`.
   */
  verify(metadata: Metadata, options?: { allowExpired?: boolean }): Promise<Caller>;
  /**
   * Calls `listener` with every session id auth-service announces as revoked. With `live` (the
   * sessions the caller holds something live for, e.g. subscribers), those are also checked
   * again after every gap in the feed and every `recheckMs` (see session-recheck.ts), and
   * `listener` is called for each found inactive: whatever failed, what a revoked session holds
   * ends within about `recheckMs`.
   */
  onRevoked(listener: (sessionId: string) => void, live?: () => Iterable<string>): () => void;
  /** Calls `listener` with the ids of token keys that were retired (see lib/jwt.ts). */
  onKeysRetired(listener: (keyIds: string[]) => void): () => void;
  stop(): void;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

/**
 * Session checks for the services other than auth-service. Revocations come from
 * auth-service's WatchRevocations stream and evict at once; when that stream is down, nothing
 * is trusted for longer than `cacheMs` anyway, so a missed revocation lasts at most that long.
 */
export function createSessionVerifier(options: {
  keys: AccessTokenKeys;
  auth: ServiceClient<AuthServiceClient>;
  logger: Logger;
  /** How long a ValidateSession answer is trusted. @default 1000 */
  cacheMs?: number;
  /** Time between two rechecks of the live sessions (`onRevoked` with `live`). @default 1000 */
  recheckMs?: number;
}): SessionVerifier {
  const { keys, auth, logger, cacheMs = 1_000, recheckMs = 1_000 } = options;
  const valid = new Map<string, { userId: string; until: number }>();
  const inFlight = new Map<string, Promise<void>>();
  const listeners = new Set<(sessionId: string) => void>();
  const rechecks = new Set<SessionRecheck>();

  const watch = watchRevocations({
    auth,
    logger,
    // Revocations made while the feed is or was down are unknown: trust nothing cached, and
    // check every live session again.
    onGap: () => {
      valid.clear();
      for (const recheck of rechecks) recheck.now();
    },
    onRevoked: (sessionId) => {
      valid.delete(sessionId);
      for (const listener of listeners) listener(sessionId);
    },
  });

  async function validate(token: string, sessionId: string, allowExpired: boolean, requestId: string | undefined) {
    try {
      const answer = await auth.unary.validateSession(
        { allowExpired },
        {
          metadata: callMetadata({
            authorization: `Bearer ${token}`,
            requestId,
          }),
        },
      );
      valid.set(sessionId, { userId: answer.userId, until: Date.now() + cacheMs });
      if (valid.size > 50_000) {
        const now = Date.now();
        for (const [id, entry] of valid) if (entry.until <= now) valid.delete(id);
      }
    } catch (error) {
      if (isServiceError(error) && error.code === status.UNAUTHENTICATED)
        throw unauthenticated('session is not active');
      throw unavailable('cannot check the session now; try again');
    }
  }

  return {
    async verify(metadata, { allowExpired = false } = {}) {
      const token = bearerToken(metadata);
      if (!token) throw unauthenticated('missing access token');
      const claims = await keys.verify(token, { allowExpired });
      if (!claims) throw unauthenticated('access token is invalid or expired');
      const given = metadata.get(REQUEST_ID_METADATA_KEY)[0];
      const requestId = typeof given === 'string' ? given : undefined;
      const cached = valid.get(claims.sessionId);
      if (!cached || cached.until <= Date.now()) {
        // Concurrent calls of one session share one ValidateSession.
        const key = `${claims.sessionId}:${allowExpired}`;
        let pending = inFlight.get(key);
        if (!pending) {
          pending = validate(token, claims.sessionId, allowExpired, requestId).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        await pending;
      }
      const entry = valid.get(claims.sessionId);
      if (!entry || entry.userId !== claims.userId) throw unauthenticated('session is not active');
      return {
        userId: claims.userId,
        sessionId: claims.sessionId,
        keyId: claims.keyId,
        authorization: `Bearer ${token}`,
        forSubscription: forSubscription(metadata),
        requestId,
      };
    },
    onRevoked(listener, live) {
      listeners.add(listener);
      const recheck =
        live &&
        createSessionRecheck({
          auth,
          logger,
          live,
          intervalMs: recheckMs,
          onInactive: (sessionId) => {
            valid.delete(sessionId);
            listener(sessionId);
          },
        });
      if (recheck) rechecks.add(recheck);
      return () => {
        listeners.delete(listener);
        recheck?.stop();
        if (recheck) rechecks.delete(recheck);
      };
    },
    onKeysRetired: (listener) => keys.onRetired(listener),
    stop() {
      watch.stop();
      keys.stop();
      for (const recheck of rechecks) recheck.stop();
      rechecks.clear();
      valid.clear();
    },
  };
}

/**
 * Follows auth-service's WatchRevocations stream for as long as it runs, reconnecting with
 * backoff. `onGap` runs whenever revocations may have been missed: when the feed drops, and when
 * it is established again (before any revocation of that connection).
 */
export function watchRevocations(options: {
  auth: ServiceClient<AuthServiceClient>;
  logger: Logger;
  onRevoked: (sessionId: string) => void;
  onGap?: () => void;
}): { stop(): void } {
  const { auth, logger, onRevoked, onGap } = options;
  let stopped = false;
  let cancel: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  function connect(delayMs: number) {
    if (stopped) return;
    const stream = auth.pick().watchRevocations({});
    cancel = () => stream.cancel();
    let healthy = false;
    stream.on('data', ({ sessionIds }: WatchRevocationsResponse) => {
      if (!healthy) {
        healthy = true;
        onGap?.();
      }
      for (const sessionId of sessionIds) onRevoked(sessionId);
    });
    const reconnect = () => {
      stream.removeAllListeners();
      stream.on('error', () => {}); // a late error of the abandoned call
      onGap?.();
      if (stopped) return;
      const next = healthy ? RECONNECT_MIN_MS : Math.min(delayMs * 2, RECONNECT_MAX_MS);
      retryTimer = setTimeout(() => connect(next), next);
    };
    stream.on('error', (error: Error) => {
      if (!stopped) logger.warn({ err: error }, 'revocation feed interrupted; reconnecting');
      reconnect();
    });
    stream.on('end', reconnect);
  }
  connect(RECONNECT_MIN_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      cancel?.();
    },
  };
}
