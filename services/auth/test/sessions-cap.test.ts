import { describe, expect, it } from 'vitest';
import { as, newAccount, useAuthService } from '../../../test/support/auth.js';
import { leftover } from '../../../test/support/leftovers.js';
import { statusOf as code } from '../../../test/support/wait.js';
import { loadAuthConfig } from '../src/config.js';

// MAX_SESSIONS_PER_USER: a login past the cap revokes the user's least recently used session,
// through the revocation path RevokeSession takes (so watchers — gateways, chat-service — end
// its live subscriptions). A cap of 3 here; the default is checked from the configuration.

const CAP = 3;
const svc = useAuthService('auth_sessions_cap', { MAX_SESSIONS_PER_USER: String(CAP) });

const sql = <T>(query: string, params: unknown[] = []) => svc.app.orm.em.fork().execute<T[]>(query, params);

/** Waits for WatchRevocations to be ready, and collects what it announces. */
async function watchRevocations() {
  const stream = svc.client.pick().watchRevocations({});
  const close = leftover(() => stream.cancel());
  const revoked = new Set<string>();
  const waiters: { id: string; resolve: () => void }[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (message: { sessionIds: string[] }) => {
      if (message.sessionIds.length === 0) resolve(); // its first message: ready
      for (const id of message.sessionIds) revoked.add(id);
      for (const waiter of waiters.filter((w) => revoked.has(w.id))) waiter.resolve();
    });
    stream.on('error', reject);
  });
  return {
    revoked,
    announced: (id: string) =>
      revoked.has(id) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ id, resolve })),
    close,
  };
}

describe('sessions per user', () => {
  it('defaults to 100', () => {
    const config = loadAuthConfig({ AUTH_DATABASE_URL: 'postgres://x/y', JWT_PRIVATE_KEY_FILE: 'keys.pem' });
    expect(config.maxSessionsPerUser).toBe(100);
  });

  it('a login past the cap revokes the least recently used session, announced as any revocation', async () => {
    const account = newAccount('cap');
    const first = await svc.auth.register(account, as());
    const second = await svc.auth.login(account, as());
    const third = await svc.auth.login(account, as());
    // The second device has been idle the longest; the first was used a moment ago.
    await sql("UPDATE sessions SET last_used_at = now() - interval '2 days' WHERE id = ?", [second.tokens!.sessionId]);
    await sql("UPDATE sessions SET last_used_at = now() - interval '1 day' WHERE id = ?", [third.tokens!.sessionId]);
    const other = await svc.auth.register(newAccount('other'), as());
    const watch = await watchRevocations();
    try {
      const fourth = await svc.auth.login(account, as());
      await watch.announced(second.tokens!.sessionId);
      expect([...watch.revoked]).toEqual([second.tokens!.sessionId]);

      const { sessions } = await svc.auth.listSessions({}, as(fourth.tokens?.accessToken));
      expect(sessions.map((s) => s.id).sort()).toEqual(
        [first.tokens!.sessionId, third.tokens!.sessionId, fourth.tokens!.sessionId].sort(),
      );
      await expect(
        code(svc.auth.validateSession({ allowExpired: false }, as(second.tokens?.accessToken))),
      ).resolves.toBe('UNAUTHENTICATED');
      await expect(
        code(svc.auth.refresh({ refreshToken: second.tokens!.refreshToken, userAgent: '' }, as())),
      ).resolves.toBe('UNAUTHENTICATED');
      // The others work on, and another user is untouched.
      for (const tokens of [first.tokens, third.tokens, fourth.tokens]) {
        expect((await svc.auth.validateSession({ allowExpired: false }, as(tokens?.accessToken))).userId).toBe(
          first.user!.id,
        );
      }
      expect((await svc.auth.validateSession({ allowExpired: false }, as(other.tokens?.accessToken))).userId).toBe(
        other.user!.id,
      );
      const active = await sql<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = ? AND revoked_at IS NULL',
        [first.user!.id],
      );
      expect(active[0]?.n).toBe(CAP);
    } finally {
      await watch.close();
    }
  });

  it('logging in over and over keeps the user at the cap, the newest sessions kept', async () => {
    const account = newAccount('loop');
    await svc.auth.register(account, as());
    const logins = [];
    for (let i = 0; i < 8; i++) logins.push(await svc.auth.login(account, as()));
    const last = logins.at(-1)!;
    const { sessions } = await svc.auth.listSessions({}, as(last.tokens?.accessToken));
    expect(sessions).toHaveLength(CAP);
    expect(sessions.map((s) => s.id).sort()).toEqual(
      logins
        .slice(-CAP)
        .map((login) => login.tokens!.sessionId)
        .sort(),
    );
  });
});
