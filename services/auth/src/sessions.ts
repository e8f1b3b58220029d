import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { unauthenticated, notFound } from '../../../lib/errors.js';
import type { AccessTokenSigner } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import type { MikroORM } from '../../../lib/db.js';
import { RefreshToken, Session } from './entities.js';
import type { RevocationBus } from './revocations.js';
import { ACTIVE_TTL_MS, type CachedSession, type SessionCache } from './session-cache.js';
import { hashRefreshToken, newRefreshToken } from './refresh-tokens.js';
import { isUuid } from './validation.js';

export interface IssuedTokens {
  sessionId: string;
  userId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export interface ValidSession {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

export interface SessionsDeps {
  orm: MikroORM;
  cache: SessionCache;
  bus: RevocationBus;
  keys: AccessTokenSigner;
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  /** Active sessions a user may have (MAX_SESSIONS_PER_USER); a new one past it revokes the least recently used. */
  maxSessionsPerUser: number;
  logger: Logger;
}

export type Sessions = ReturnType<typeof createSessions>;

const INVALID_REFRESH = 'refresh token is invalid or expired';

/** Sessions (devices), their refresh-token rotation, revocation and validation. */
export function createSessions(deps: SessionsDeps) {
  const { orm, cache, bus, keys, logger } = deps;

  async function signAccess(userId: string, sessionId: string) {
    return keys.sign({ userId, sessionId }, deps.accessTokenTtlMs);
  }

  /** Opens a session inside the caller's transaction; tokens are signed by `issue` after commit. */
  function open(em: EntityManager, userId: string, userAgent: string) {
    const now = new Date();
    const refreshToken = newRefreshToken();
    const session = em.create(Session, {
      id: randomUUID(),
      userId,
      userAgent,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + deps.refreshTokenTtlMs),
      revokedAt: null,
    });
    em.create(RefreshToken, {
      hash: hashRefreshToken(refreshToken),
      sessionId: session.id,
      createdAt: now,
      spentAt: null,
    });
    return { sessionId: session.id, userId, refreshToken, refreshTokenExpiresAt: session.expiresAt };
  }

  async function issue(opened: ReturnType<typeof open>): Promise<IssuedTokens> {
    await revokeBeyondCap(opened.userId);
    const access = await signAccess(opened.userId, opened.sessionId);
    return { ...opened, accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
  }

  /**
   * Marks the session revoked everywhere: PostgreSQL (done by the caller), the cache, and every
   * watcher. Both are sent at once, the mark first: with Redis they share one connection, whose
   * commands Redis runs in order, so a watcher told of the revocation never reads the session as
   * active from the cache afterwards. This instance's watchers are told before Redis is waited
   * for (see RevocationBus.publish), so a Redis outage delays nothing here; other instances'
   * watchers then learn of it from their periodic recheck (CheckSessions).
   */
  async function revokeNow(sessionId: string, userId: string, expiresAt: Date): Promise<void> {
    const [marked, published] = await Promise.allSettled([
      cache.markRevoked(sessionId, userId, expiresAt.getTime()),
      bus.publish([sessionId]),
    ]);
    if (marked.status === 'rejected') {
      logger.error({ err: marked.reason as unknown, sessionId }, 'could not mark a revoked session in the cache');
    }
    if (published.status === 'rejected') {
      logger.error({ err: published.reason as unknown, sessionId }, 'could not publish a revocation');
    }
  }

  /**
   * A user keeps at most `maxSessionsPerUser` active sessions: once a login (after its commit)
   * makes one more, the least recently used are revoked, by the same path as RevokeSession, so
   * their live subscriptions end and their refresh tokens stop working. Logging in again and
   * again thus never grows a user's sessions without bound, and evicts idle devices first.
   */
  async function revokeBeyondCap(userId: string): Promise<void> {
    const rows = await orm.em.fork().execute<{ id: string; expires_at: Date }[]>(
      `UPDATE sessions SET revoked_at = now()
        WHERE id IN (SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > now()
                      ORDER BY last_used_at DESC, created_at DESC, id OFFSET ?)
          AND revoked_at IS NULL
        RETURNING id, expires_at`,
      [userId, deps.maxSessionsPerUser],
    );
    for (const row of rows) {
      logger.info({ sessionId: row.id, userId }, 'revoking the least recently used session: too many sessions');
      await revokeNow(row.id, userId, new Date(row.expires_at));
    }
  }

  async function revokeAny(sessionId: string): Promise<void> {
    const rows = await orm.em
      .fork()
      .execute<{ user_id: string; expires_at: Date }[]>(
        'UPDATE sessions SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL RETURNING user_id, expires_at',
        [sessionId],
      );
    const row = rows[0];
    if (row) await revokeNow(sessionId, row.user_id, new Date(row.expires_at));
  }

  type RefreshOutcome =
    | { kind: 'rotated'; userId: string; sessionId: string; refreshToken: string; expiresAt: Date }
    | { kind: 'reused'; sessionId: string }
    | { kind: 'invalid' };

  return {
    open,
    issue,

    /**
     * Rotates a refresh token. The token is spent by a conditional UPDATE, so of two concurrent
     * refreshes exactly one wins; the loser finds the token spent, which is reuse: the session is
     * revoked (the design's reuse detection), and the winner's new tokens die with it.
     */
    async refresh(refreshToken: string): Promise<IssuedTokens> {
      const hash = hashRefreshToken(refreshToken);
      const outcome = await orm.em.fork().transactional(async (em): Promise<RefreshOutcome> => {
        const spent = await em.execute<{ session_id: string }[]>(
          'UPDATE refresh_tokens SET spent_at = now() WHERE hash = ? AND spent_at IS NULL RETURNING session_id',
          [hash],
        );
        const sessionId = spent[0]?.session_id;
        if (!sessionId) {
          const known = await em.findOne(RefreshToken, { hash });
          return known ? { kind: 'reused', sessionId: known.sessionId } : { kind: 'invalid' };
        }
        const expiresAt = new Date(Date.now() + deps.refreshTokenTtlMs);
        const active = await em.execute<{ user_id: string }[]>(
          `UPDATE sessions SET expires_at = ?, last_used_at = now()
           WHERE id = ? AND revoked_at IS NULL AND expires_at > now() RETURNING user_id`,
          [expiresAt, sessionId],
        );
        const userId = active[0]?.user_id;
        if (!userId) return { kind: 'invalid' };
        const next = newRefreshToken();
        em.create(RefreshToken, { hash: hashRefreshToken(next), sessionId, createdAt: new Date(), spentAt: null });
        await em.flush();
        return { kind: 'rotated', userId, sessionId, refreshToken: next, expiresAt };
      });
      if (outcome.kind === 'reused') {
        logger.warn({ sessionId: outcome.sessionId }, 'spent refresh token presented again: revoking its session');
        await revokeAny(outcome.sessionId);
      }
      if (outcome.kind !== 'rotated') throw unauthenticated(INVALID_REFRESH);
      // The cached entry holds the old expiry; drop it rather than serve a stale one.
      await cache
        .delete(outcome.sessionId)
        .catch((error: unknown) => logger.warn({ err: error }, 'session cache delete failed'));
      const access = await signAccess(outcome.userId, outcome.sessionId);
      return {
        sessionId: outcome.sessionId,
        userId: outcome.userId,
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt,
        refreshToken: outcome.refreshToken,
        refreshTokenExpiresAt: outcome.expiresAt,
      };
    },

    /** Revokes one of `userId`'s sessions; revoking one already revoked changes nothing. */
    async revoke(userId: string, id: string): Promise<void> {
      if (!isUuid(id)) throw notFound('no such session');
      // Every process knows a session by its id as stored (lower case): the revocation is
      // announced, cached and compared under that one.
      const sessionId = id.toLowerCase();
      const em = orm.em.fork();
      const rows = await em.execute<{ expires_at: Date }[]>(
        'UPDATE sessions SET revoked_at = now() WHERE id = ? AND user_id = ? AND revoked_at IS NULL RETURNING expires_at',
        [sessionId, userId],
      );
      const row = rows[0];
      if (row) {
        await revokeNow(sessionId, userId, new Date(row.expires_at));
        return;
      }
      if (!(await em.findOne(Session, { id: sessionId, userId }))) throw notFound('no such session');
    },

    /**
     * Checks an access token and its session. The session's state comes from the cache, else
     * from PostgreSQL (which also records the session as used, at most once per cache period).
     */
    async validate(token: string, { allowExpired = false } = {}): Promise<ValidSession> {
      const claims = await keys.verify(token, { allowExpired });
      if (!claims || !isUuid(claims.sessionId)) throw unauthenticated('access token is invalid or expired');
      let entry: CachedSession | undefined;
      try {
        entry = await cache.get(claims.sessionId);
      } catch (error) {
        logger.warn({ err: error }, 'session cache unavailable; asking PostgreSQL');
      }
      if (!entry) {
        const rows = await orm.em
          .fork()
          .execute<{ user_id: string; expires_at: Date; revoked_at: Date | null }[]>(
            'UPDATE sessions SET last_used_at = now() WHERE id = ? RETURNING user_id, expires_at, revoked_at',
            [claims.sessionId],
          );
        const row = rows[0];
        if (!row) throw unauthenticated('session is not active');
        entry = {
          userId: row.user_id,
          expiresAt: new Date(row.expires_at).getTime(),
          revoked: row.revoked_at !== null,
        };
        const ttl = Math.min(ACTIVE_TTL_MS, entry.expiresAt - Date.now());
        if (!entry.revoked && ttl > 0) {
          await cache
            .add(claims.sessionId, entry, ttl)
            .catch((error: unknown) => logger.warn({ err: error }, 'session cache write failed'));
        }
      }
      if (entry.revoked || entry.expiresAt <= Date.now() || entry.userId !== claims.userId) {
        throw unauthenticated('session is not active');
      }
      return { userId: claims.userId, sessionId: claims.sessionId, expiresAt: new Date(entry.expiresAt) };
    },

    /**
     * Those of `sessionIds` whose session does not work (revoked, expired or unknown), as given.
     * Read from PostgreSQL in one query, never from the cache: a recheck exists for the
     * revocations a cache or a feed may have missed.
     */
    async inactive(sessionIds: string[]): Promise<string[]> {
      const wanted = [...new Set(sessionIds.filter(isUuid).map((id) => id.toLowerCase()))];
      const rows =
        wanted.length === 0
          ? []
          : await orm.em
              .fork()
              .execute<{ id: string }[]>(
                'SELECT id FROM sessions WHERE id = ANY(?::uuid[]) AND revoked_at IS NULL AND expires_at > now()',
                [`{${wanted.join(',')}}`],
              );
      const active = new Set(rows.map((row) => row.id));
      return sessionIds.filter((id) => !active.has(id.toLowerCase()));
    },

    /** The user's active sessions, most recently used first. */
    async list(userId: string): Promise<Session[]> {
      return orm.em
        .fork()
        .find(
          Session,
          { userId, revokedAt: null, expiresAt: { $gt: new Date() } },
          { orderBy: { lastUsedAt: 'desc', id: 'asc' } },
        );
    },
  };
}
