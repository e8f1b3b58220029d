import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { as, newAccount, useAuthService } from '../../../test/support/auth.js';
import { leftover } from '../../../test/support/leftovers.js';
import { statusOf as code } from '../../../test/support/wait.js';

const svc = useAuthService('auth');

describe('register and login', () => {
  it('registers, stores email and username lower-case, and signs in', async () => {
    const account = newAccount();
    const res = await svc.auth.register(
      { ...account, email: account.email.toUpperCase(), username: account.username.toUpperCase() },
      as(),
    );
    expect(res.user).toMatchObject({ username: account.username, email: account.email });
    expect(res.tokens?.accessToken).toBeTruthy();
    expect(res.tokens?.refreshToken).toMatch(/^[\w-]{43}$/); // 256 bits, base64url
    const me = await svc.auth.validateSession({ allowExpired: false }, as(res.tokens?.accessToken));
    expect(me.userId).toBe(res.user?.id);
    expect(me.sessionId).toBe(res.tokens?.sessionId);
  });

  it('stores an argon2id hash and never the password', async () => {
    const account = newAccount();
    const res = await svc.auth.register(account, as());
    const rows = await svc.app.orm.em
      .fork()
      .execute<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE id = ?', [res.user?.id]);
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0]?.password_hash).not.toContain(account.password);
  });

  it('refuses a taken email or username with ALREADY_EXISTS naming the field', async () => {
    const account = newAccount();
    await svc.auth.register(account, as());
    const sameEmail = await svc.auth.register({ ...newAccount(), email: account.email }, as()).catch((e: unknown) => e);
    expect(sameEmail).toMatchObject({ code: status.ALREADY_EXISTS });
    expect((sameEmail as { metadata: { get(k: string): unknown[] } }).metadata.get('field')).toEqual(['email']);
    const sameName = await svc.auth
      .register({ ...newAccount(), username: account.username }, as())
      .catch((e: unknown) => e);
    expect(sameName).toMatchObject({ code: status.ALREADY_EXISTS });
    expect((sameName as { metadata: { get(k: string): unknown[] } }).metadata.get('field')).toEqual(['username']);
  });

  it('registers the same email once when two registrations race', async () => {
    const account = newAccount();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        code(svc.auth.register({ ...account, username: `${account.username.slice(0, 28)}r${i}` }, as())),
      ),
    );
    expect(results.filter((r) => r === 'OK')).toHaveLength(1);
    expect(results.filter((r) => r === 'ALREADY_EXISTS')).toHaveLength(3);
  });

  it('answers an unknown email and a wrong password with the same error', async () => {
    const account = newAccount();
    await svc.auth.register(account, as());
    const unknown = await svc.auth
      .login({ ...newAccount(), password: account.password }, as())
      .catch((e: unknown) => e);
    const wrong = await svc.auth.login({ ...account, password: 'wrong password!' }, as()).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(wrong).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((unknown as Error).message).toBe((wrong as Error).message);
  });

  it('opens a new session per login, case-insensitive on email', async () => {
    const account = newAccount();
    const first = await svc.auth.register(account, as());
    const second = await svc.auth.login(
      { email: account.email.toUpperCase(), password: account.password, userAgent: 'phone' },
      as(),
    );
    expect(second.tokens?.sessionId).not.toBe(first.tokens?.sessionId);
    const { sessions } = await svc.auth.listSessions({}, as(second.tokens?.accessToken));
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.current)?.id).toBe(second.tokens?.sessionId);
    expect(sessions.find((s) => s.id === second.tokens?.sessionId)?.userAgent).toBe('phone');
  });
});

describe('refresh tokens', () => {
  it('rotates: the new pair works, the session id stays, the old refresh token is spent', async () => {
    const { tokens } = await svc.auth.register(newAccount(), as());
    const next = await svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as());
    expect(next.tokens?.sessionId).toBe(tokens?.sessionId);
    expect(next.tokens?.refreshToken).not.toBe(tokens?.refreshToken);
    expect(next.tokens!.refreshTokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(
      tokens!.refreshTokenExpiresAt!.getTime(),
    );
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(next.tokens?.accessToken)))).resolves.toBe(
      'OK',
    );
    const third = await svc.auth.refresh({ refreshToken: next.tokens!.refreshToken, userAgent: '' }, as());
    expect(third.tokens?.sessionId).toBe(tokens?.sessionId);
  });

  it('revokes the whole session when a spent refresh token is presented again', async () => {
    const { tokens } = await svc.auth.register(newAccount(), as());
    const next = await svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as());
    await expect(code(svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as()))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    // Every token of the session is dead now: the newest refresh token and both access tokens.
    await expect(
      code(svc.auth.refresh({ refreshToken: next.tokens!.refreshToken, userAgent: '' }, as())),
    ).resolves.toBe('UNAUTHENTICATED');
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(next.tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
  });

  it('lets exactly one of two concurrent refreshes win, then revokes the session', async () => {
    const { tokens } = await svc.auth.register(newAccount(), as());
    const attempts = await Promise.allSettled([
      svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as()),
      svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as()),
    ]);
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a) => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: status.UNAUTHENTICATED });
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof svc.auth.refresh>>>).value;
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(winner.tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses an unknown refresh token', async () => {
    await expect(code(svc.auth.refresh({ refreshToken: 'x'.repeat(43), userAgent: '' }, as()))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    await expect(code(svc.auth.refresh({ refreshToken: '', userAgent: '' }, as()))).resolves.toBe('UNAUTHENTICATED');
  });
});

describe('sessions', () => {
  it('logout revokes the current session at once', async () => {
    const { tokens } = await svc.auth.register(newAccount(), as());
    await svc.auth.logout({}, as(tokens?.accessToken));
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    await expect(code(svc.auth.refresh({ refreshToken: tokens!.refreshToken, userAgent: '' }, as()))).resolves.toBe(
      'UNAUTHENTICATED',
    );
  });

  it('revokes one of the caller’s sessions; another user’s is NOT_FOUND', async () => {
    const account = newAccount();
    const laptop = await svc.auth.register(account, as());
    const phone = await svc.auth.login(account, as());
    const stranger = await svc.auth.register(newAccount(), as());
    await expect(
      code(svc.auth.revokeSession({ sessionId: laptop.tokens!.sessionId }, as(stranger.tokens?.accessToken))),
    ).resolves.toBe('NOT_FOUND');
    await expect(
      code(svc.auth.revokeSession({ sessionId: 'not-a-uuid' }, as(phone.tokens?.accessToken))),
    ).resolves.toBe('NOT_FOUND');
    await svc.auth.revokeSession({ sessionId: laptop.tokens!.sessionId }, as(phone.tokens?.accessToken));
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(laptop.tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    const { sessions } = await svc.auth.listSessions({}, as(phone.tokens?.accessToken));
    expect(sessions.map((s) => s.id)).toEqual([phone.tokens?.sessionId]);
  });
});

describe('users', () => {
  it('GetUsers keeps order, reports missing ids, and shows an email only to its owner', async () => {
    const a = await svc.auth.register(newAccount('ga'), as());
    const b = await svc.auth.register(newAccount('gb'), as());
    const missing = '00000000-0000-4000-8000-000000000000';
    const { results } = await svc.auth.getUsers(
      { ids: [b.user!.id, missing, a.user!.id, 'junk', b.user!.id] },
      as(a.tokens?.accessToken),
    );
    expect(results.map((r) => r.id)).toEqual([b.user!.id, missing, a.user!.id, 'junk', b.user!.id]);
    expect(results.map((r) => r.user?.id)).toEqual([b.user!.id, undefined, a.user!.id, undefined, b.user!.id]);
    expect(results[0]?.user?.email).toBeUndefined();
    expect(results[2]?.user?.email).toBe(a.user?.email);
  });

  it('SearchUsers matches a username prefix case-insensitively, treating _ literally', async () => {
    const tag = `s${Date.now().toString(36)}`;
    const me = await svc.auth.register({ ...newAccount(), username: `${tag}_alpha` }, as());
    await svc.auth.register({ ...newAccount(), username: `${tag}_beta` }, as());
    await svc.auth.register({ ...newAccount(), username: `${tag}xgamma` }, as());
    const { users } = await svc.auth.searchUsers(
      { query: `${tag.toUpperCase()}_`, limit: 10 },
      as(me.tokens?.accessToken),
    );
    expect(users.map((u) => u.username)).toEqual([`${tag}_alpha`, `${tag}_beta`]);
    const limited = await svc.auth.searchUsers({ query: tag, limit: 1 }, as(me.tokens?.accessToken));
    expect(limited.users).toHaveLength(1);
  });

  it('requires a valid access token', async () => {
    await expect(code(svc.auth.getUsers({ ids: [] }, as()))).resolves.toBe('UNAUTHENTICATED');
    await expect(code(svc.auth.searchUsers({ query: 'a', limit: 1 }, as('garbage')))).resolves.toBe('UNAUTHENTICATED');
    await expect(code(svc.auth.listSessions({}, as()))).resolves.toBe('UNAUTHENTICATED');
  });
});

describe('WatchRevocations', () => {
  it('announces a revoked session to a watcher', async () => {
    const { tokens } = await svc.auth.register(newAccount(), as());
    const stream = svc.client.pick().watchRevocations({});
    const cancelStream = leftover(() => stream.cancel());
    const received: string[][] = [];
    const revoked = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: { sessionIds: string[] }) => {
        received.push(message.sessionIds);
        if (message.sessionIds.length === 0) void svc.auth.logout({}, as(tokens?.accessToken)).catch(reject);
        if (message.sessionIds.includes(tokens!.sessionId)) resolve();
      });
      stream.on('error', reject);
    });
    await revoked;
    await cancelStream();
    expect(received[0]).toEqual([]);
  });

  it('announces a session revoked by its id in upper case under its own id, as the others know it', async () => {
    const account = newAccount();
    const phone = await svc.auth.register(account, as());
    const laptop = await svc.auth.login(
      { email: account.email, password: account.password, userAgent: 'laptop' },
      as(),
    );
    const stream = svc.client.pick().watchRevocations({});
    const cancelStream = leftover(() => stream.cancel());
    const revoked = new Promise<string[]>((resolve, reject) => {
      stream.on('data', (message: { sessionIds: string[] }) => {
        if (message.sessionIds.length === 0) {
          const sessionId = laptop.tokens!.sessionId.toUpperCase();
          void svc.auth.revokeSession({ sessionId }, as(phone.tokens?.accessToken)).catch(reject);
        } else resolve(message.sessionIds);
      });
      stream.on('error', reject);
    });
    expect(await revoked).toEqual([laptop.tokens!.sessionId]);
    await cancelStream();
    await expect(code(svc.auth.validateSession({ allowExpired: false }, as(laptop.tokens?.accessToken)))).resolves.toBe(
      'UNAUTHENTICATED',
    );
  });
});
