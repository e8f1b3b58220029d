import type { Redis } from '../../../lib/redis.js';

/** What ValidateSession needs to know about a session without asking PostgreSQL. */
export interface CachedSession {
  userId: string;
  /** Epoch ms; the session is over after this. */
  expiresAt: number;
  revoked: boolean;
}

/**
 * Session validity, shared by every auth-service instance when it lives in Redis.
 *
 * Race: instance A reads "active" from PostgreSQL while instance B revokes the session and marks
 * it revoked here; if A wrote its stale "active" afterwards, the revoked session would pass for a
 * whole TTL. So an active entry is only ever added (SET NX), while a revocation overwrites, and
 * the revoked mark lives until the session would have expired anyway.
 */
export interface SessionCache {
  get(sessionId: string): Promise<CachedSession | undefined>;
  /** Adds an entry unless one exists. */
  add(sessionId: string, entry: CachedSession, ttlMs: number): Promise<void>;
  markRevoked(sessionId: string, userId: string, expiresAt: number): Promise<void>;
  /** Drops an entry, e.g. when a refresh moved the session's expiry. */
  delete(sessionId: string): Promise<void>;
}

/** How long an active session is trusted from the cache before PostgreSQL is asked again. */
export const ACTIVE_TTL_MS = 60_000;

const revokedTtl = (expiresAt: number) => Math.max(1_000, expiresAt - Date.now());

export function redisSessionCache(redis: Redis, prefix: string): SessionCache {
  const key = (sessionId: string) => `${prefix}auth:session:${sessionId}`;
  return {
    async get(sessionId) {
      const raw = await redis.get(key(sessionId));
      return raw ? (JSON.parse(raw) as CachedSession) : undefined;
    },
    async add(sessionId, entry, ttlMs) {
      await redis.set(key(sessionId), JSON.stringify(entry), 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    },
    async markRevoked(sessionId, userId, expiresAt) {
      const entry: CachedSession = { userId, expiresAt, revoked: true };
      await redis.set(key(sessionId), JSON.stringify(entry), 'PX', revokedTtl(expiresAt));
    },
    async delete(sessionId) {
      await redis.del(key(sessionId));
    },
  };
}

/** The single-instance cache: a bounded Map with per-entry expiry. */
export function memorySessionCache(maxEntries = 100_000): SessionCache {
  const entries = new Map<string, { entry: CachedSession; until: number }>();
  const live = (sessionId: string) => {
    const found = entries.get(sessionId);
    if (found && found.until <= Date.now()) {
      entries.delete(sessionId);
      return undefined;
    }
    return found;
  };
  const put = (sessionId: string, entry: CachedSession, ttlMs: number) => {
    entries.delete(sessionId);
    // Map iteration is insertion order: the first key is the oldest write.
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(sessionId, { entry, until: Date.now() + ttlMs });
  };
  return {
    get: async (sessionId) => live(sessionId)?.entry,
    add: async (sessionId, entry, ttlMs) => {
      if (!live(sessionId)) put(sessionId, entry, ttlMs);
    },
    markRevoked: async (sessionId, userId, expiresAt) =>
      put(sessionId, { userId, expiresAt, revoked: true }, revokedTtl(expiresAt)),
    delete: async (sessionId) => {
      entries.delete(sessionId);
    },
  };
}
