import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { as, authClient, newAccount, startAuth } from '../../../test/support/auth.js';
import { testKeys } from '../../../test/support/keys.js';
import { freshDatabase } from '../../../test/support/database.js';
import { leftover } from '../../../test/support/leftovers.js';
import { freePort } from '../../../test/support/ports.js';
import { haveRedisServer, startRedisServer, type RedisServer } from '../../../test/support/redis-server.js';
import { statusOf, until } from '../../../test/support/wait.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import type { AuthApp } from '../../../test/support/auth.js';
import { authEntities } from '../src/entities.js';

// A revocation the session cache could not take (Redis, still connected, refused the write) must
// not leave an "active" entry, cached before, to vouch for the revoked session for the rest of its
// TTL (60 s): the revoking instance reads that session from PostgreSQL meanwhile, and writes the
// revoked mark as soon as Redis takes writes again (tried every second, since no reconnection
// announces it), so every instance refuses it from then on.

const available = haveRedisServer('auth-revocation-cache');

describe.skipIf(!available)('a revocation the cache refused', () => {
  let redis: RedisServer | undefined;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let a: AuthApp;
  let b: AuthApp;
  let clientA: ReturnType<typeof authClient>;
  let clientB: ReturnType<typeof authClient>;
  /** Our own connection to the Redis of this file, to make it refuse writes. */
  let kv: Redis;

  beforeAll(async () => {
    redis = await startRedisServer(await freePort(), 'auth-revocation-cache');
    db = await freshDatabase('auth_revocation_cache', { entities: authEntities, migrations: authMigrations });
    const env = {
      AUTH_DATABASE_URL: db.url,
      JWT_PRIVATE_KEY_FILE: testKeys().privateKeyFile,
      REDIS_URL: redis!.url,
      REDIS_PREFIX: 'rc:',
    };
    a = await startAuth(env);
    b = await startAuth(env);
    clientA = authClient(a.port);
    leftover(() => clientA.close());
    clientB = authClient(b.port);
    leftover(() => clientB.close());
    kv = new Redis(redis!.url, { maxRetriesPerRequest: 2 });
    leftover(() => kv.disconnect());
  });

  it('is refused by the revoking instance at once, and by every instance once Redis takes writes again', async () => {
    const { tokens } = await clientA.unary.register(newAccount('rc'), as());
    const md = as(tokens!.accessToken);
    // b caches the session as active.
    expect(await statusOf(clientB.unary.validateSession({ allowExpired: false }, md))).toBe('OK');

    // Redis refuses writes (out of memory) but keeps what it has, and still publishes.
    await kv.config('SET', 'maxmemory-policy', 'noeviction');
    await kv.config('SET', 'maxmemory', '1');
    try {
      await clientA.unary.logout({}, md);
      expect(await statusOf(clientA.unary.validateSession({ allowExpired: false }, md))).toBe('UNAUTHENTICATED');
    } finally {
      await kv.config('SET', 'maxmemory', '0');
    }
    // b is asked again and again (its cached entry lives 60 s) until it refuses.
    let answer: string | undefined;
    let asking = true;
    const poll = (async () => {
      while (asking) answer = await statusOf(clientB.unary.validateSession({ allowExpired: false }, md));
    })();
    try {
      await until(() => answer === 'UNAUTHENTICATED', 'b to refuse the revoked session', 20_000);
    } finally {
      asking = false;
      await poll;
    }
  });
});
