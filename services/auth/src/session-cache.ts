import type { Logger } from '../../../lib/logger.js';
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
/** How often a write Redis refused while connected (out of memory, read-only) is tried again. */
const RETRY_REFUSED_MS = 1_000;

/**
 * The Redis cache, and what happens while Redis is away: PostgreSQL is the truth and the cache
 * only spares it reads, so nothing may fail or wait for Redis. While the connection is not ready,
 * every read is a miss (validation asks PostgreSQL, which also sees every revocation) and
 * nothing is added; a revoked mark (or a drop) that could not be written is kept here and
 * written as soon as Redis is back, before any entry from before the outage could be trusted
 * again by another instance for long. A write Redis refused while connected (out of memory, a
 * read-only replica) is tried again every RETRY_REFUSED_MS, as no reconnection will announce
 * that it takes writes again.
 */
export function redisSessionCache(redis: Redis, prefix: string, logger: Logger): SessionCache {
  const cache = redisEntries(redis, prefix);
  const owed = new Map<string, () => Promise<void>>();
  const ready = () => redis.status === 'ready';
  let retryTimer: NodeJS.Timeout | undefined;
  const settle = async (sessionId: string, write: () => Promise<void>, again = false) => {
    if (!ready()) {
      owed.set(sessionId, write);
      return;
    }
    await write().catch((error: unknown) => {
      owed.set(sessionId, write);
      if (!again) logger.warn({ err: error, sessionId }, 'session cache not updated; written again when Redis is back');
      retryTimer ??= setTimeout(writeOwed, RETRY_REFUSED_MS).unref();
    });
  };
  function writeOwed() {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    for (const [sessionId, write] of owed) {
      owed.delete(sessionId);
      void settle(sessionId, write, true);
    }
  }
  redis.on('ready', writeOwed);
  return {
    get: (sessionId) =>
      ready() && !owed.has(sessionId) ? cache.get(sessionId).catch(() => undefined) : Promise.resolve(undefined),
    add: (sessionId, entry, ttlMs) =>
      ready() ? cache.add(sessionId, entry, ttlMs).catch(() => undefined) : Promise.resolve(),
    markRevoked: (sessionId, userId, expiresAt) =>
      settle(sessionId, () => cache.markRevoked(sessionId, userId, expiresAt)),
    delete: (sessionId) => settle(sessionId, () => cache.delete(sessionId)),
  };
}

function redisEntries(redis: Redis, prefix: string): SessionCache {
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
