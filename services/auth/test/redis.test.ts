import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/support/database.js';
import { as, authClient, newAccount, startAuth } from '../../../test/support/auth.js';
import { testKeys } from '../../../test/support/keys.js';
import { leftover } from '../../../test/support/leftovers.js';
import { testRedis } from '../../../test/support/redis.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import type { WatchRevocationsResponse } from '../../../proto/gen/auth/v1/auth.js';
import type { AuthApp } from '../../../test/support/auth.js';
import { authEntities } from '../src/entities.js';
import { ACTIVE_TTL_MS, type CachedSession } from '../src/session-cache.js';
import { statusOf as code } from '../../../test/support/wait.js';

// Two auth-service instances sharing one database and one Redis (same REDIS_URL and
// REDIS_PREFIX): the session cache and the revocation bus must make them behave as one service.

const redis = testRedis('auth-redis');

describe.skipIf(!redis)('two auth-service instances over Redis', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: AuthApp;
  let b: AuthApp;
  let clientA: ReturnType<typeof authClient>;
  let clientB: ReturnType<typeof authClient>;
  /** Our own connection, to look at (and tamper with) what the instances keep in Redis. */
  let kv: Redis;

  const settings = () => {
    if (!redis) throw new Error('unreachable: the suite is skipped without Redis');
    return redis;
  };
  const sessionKey = (sessionId: string) => `${settings().prefix}auth:session:${sessionId}`;
  const cached = async (sessionId: string) => {
    const raw = await kv.get(sessionKey(sessionId));
    return raw === null ? undefined : (JSON.parse(raw) as CachedSession);
  };

  beforeAll(async () => {
    const { url, prefix } = settings();
    db = await freshDatabase('auth_redis', { entities: authEntities, migrations: authMigrations });
    const env = {
      AUTH_DATABASE_URL: db.url,
      JWT_PRIVATE_KEY_FILE: testKeys().privateKeyFile,
      REDIS_URL: url,
      REDIS_PREFIX: prefix,
    };
    kv = new Redis(url, { maxRetriesPerRequest: 2 });
    // After the instances have stopped (leftovers run the last made first): what they left in the
    // shared Redis goes too.
    leftover(async () => {
      let cursor = '0';
      do {
        const [next, keys] = await kv.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 100);
        if (keys.length > 0) await kv.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await kv.quit();
    });
    a = await startAuth(env);
    b = await startAuth(env);
    clientA = authClient(a.port);
    leftover(() => clientA.close());
    clientB = authClient(b.port);
    leftover(() => clientB.close());
  });

  const validateOn = (client: ReturnType<typeof authClient>, accessToken: string | undefined) =>
    code(client.unary.validateSession({ allowExpired: false }, as(accessToken)));

  it('a session cached by A and revoked through B is refused by A on the next call', async () => {
    const { tokens, user } = await clientA.unary.register(newAccount('rds'), as());
    const sessionId = tokens!.sessionId;
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('OK');
    // A cached it in Redis: active, for at most the active TTL.
    await expect(cached(sessionId)).resolves.toMatchObject({ userId: user?.id, revoked: false });
    const activeTtl = await kv.pttl(sessionKey(sessionId));
    expect(activeTtl).toBeGreaterThan(0);
    expect(activeTtl).toBeLessThanOrEqual(ACTIVE_TTL_MS);

    await clientB.unary.logout({}, as(tokens?.accessToken));

    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    await expect(code(clientA.unary.listSessions({}, as(tokens?.accessToken)))).resolves.toBe('UNAUTHENTICATED');
    // The revoked mark overwrote the active entry and outlives the active TTL.
    await expect(cached(sessionId)).resolves.toMatchObject({ userId: user?.id, revoked: true });
    expect(await kv.pttl(sessionKey(sessionId))).toBeGreaterThan(ACTIVE_TTL_MS);
  });

  it('a revocation made through B reaches a WatchRevocations stream opened on A', async () => {
    const { tokens } = await clientB.unary.register(newAccount('rds'), as());
    const stream = clientA.pick().watchRevocations({});
    leftover(() => stream.cancel());
    const received: string[][] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no revocation within 10 s; got ${JSON.stringify(received)}`)),
        10_000,
      );
      stream.on('data', (message: WatchRevocationsResponse) => {
        received.push(message.sessionIds);
        // The first, empty message means A is watching: only now is the revocation sure to be seen.
        if (received.length === 1) void clientB.unary.logout({}, as(tokens?.accessToken)).catch(reject);
        if (message.sessionIds.includes(tokens!.sessionId)) {
          clearTimeout(timer);
          resolve();
        }
      });
      stream.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    expect(received[0]).toEqual([]);
    expect(received.at(-1)).toEqual([tokens!.sessionId]);
  });

  it('refresh-token reuse on B revokes the session on A too', async () => {
    const { tokens } = await clientA.unary.register(newAccount('rds'), as());
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('OK');
    const rotated = await clientA.unary.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as());
    await expect(validateOn(clientA, rotated.tokens?.accessToken)).resolves.toBe('OK');
    await expect(cached(tokens!.sessionId)).resolves.toMatchObject({ revoked: false });

    await expect(
      code(clientB.unary.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as())),
    ).resolves.toBe('UNAUTHENTICATED');

    await expect(validateOn(clientA, rotated.tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    await expect(cached(tokens!.sessionId)).resolves.toMatchObject({ revoked: true });
    await expect(
      code(clientA.unary.refresh({ refreshToken: rotated.tokens!.refreshToken, userAgent: '' }, as())),
    ).resolves.toBe('UNAUTHENTICATED');
  });

  it('both instances answer from the shared entry: a revoked mark written there is honoured', async () => {
    const { tokens, user } = await clientA.unary.register(newAccount('rds'), as());
    await expect(validateOn(clientB, tokens?.accessToken)).resolves.toBe('OK');
    await expect(cached(tokens!.sessionId)).resolves.toMatchObject({ revoked: false });
    // PostgreSQL still says active; only the cache says revoked.
    const entry: CachedSession = {
      userId: user!.id,
      expiresAt: tokens!.refreshTokenExpiresAt!.getTime(),
      revoked: true,
    };
    await kv.set(sessionKey(tokens!.sessionId), JSON.stringify(entry), 'PX', ACTIVE_TTL_MS);
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    await expect(validateOn(clientB, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    // Without the entry both fall back to PostgreSQL, where the session is active.
    await kv.del(sessionKey(tokens!.sessionId));
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('OK');
    await expect(validateOn(clientB, tokens?.accessToken)).resolves.toBe('OK');
  });

  it('falls back to PostgreSQL when the cache entry is deleted by hand, and caches it again', async () => {
    const { tokens, user } = await clientA.unary.register(newAccount('rds'), as());
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('OK');
    expect(await kv.exists(sessionKey(tokens!.sessionId))).toBe(1);

    expect(await kv.del(sessionKey(tokens!.sessionId))).toBe(1);
    const me = await clientA.unary.validateSession({ allowExpired: false }, as(tokens?.accessToken));
    expect(me).toMatchObject({ userId: user?.id, sessionId: tokens?.sessionId });
    await expect(cached(tokens!.sessionId)).resolves.toMatchObject({ userId: user?.id, revoked: false });

    // A revoked session stays refused when its revoked mark is lost: PostgreSQL says so.
    await clientB.unary.logout({}, as(tokens?.accessToken));
    expect(await kv.del(sessionKey(tokens!.sessionId))).toBe(1);
    await expect(validateOn(clientA, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
    await expect(validateOn(clientB, tokens?.accessToken)).resolves.toBe('UNAUTHENTICATED');
  });
});
