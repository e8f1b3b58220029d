import { describe, expect, it } from 'vitest';
import { useAuthGateway, LOGIN, REFRESH, errorOf, type Payload } from './helpers.js';

// Refresh tokens, sessions and logout over GraphQL.

const stack = useAuthGateway('gw_auth_sessions');

describe('tokens and sessions', () => {
  it('refreshToken rotates; the spent token then revokes the session', async () => {
    const a = await stack.register();
    const next = await stack.gql<{ refreshToken: Payload }>(REFRESH, { t: a.refreshToken });
    expect(next.errors).toBeUndefined();
    const fresh = next.data!.refreshToken;
    expect(fresh.refreshToken).not.toBe(a.refreshToken);
    expect((await stack.gql('{ me { id } }', {}, { token: fresh.accessToken })).errors).toBeUndefined();
    const reuse = await stack.gql(REFRESH, { t: a.refreshToken });
    expect(errorOf(reuse)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(errorOf(await stack.gql('{ me { id } }', {}, { token: fresh.accessToken }))).toEqual({
      code: 'UNAUTHENTICATED',
    });
  });

  it('lists sessions, revokes one, and refuses another user’s with NOT_FOUND', async () => {
    const a = await stack.register();
    const phone = (
      await stack.gql<{ login: Payload }>(
        LOGIN,
        { input: { email: a.account.email, password: a.account.password } },
        { headers: { 'user-agent': 'PhoneApp/1.0' } },
      )
    ).data!.login;
    const list = await stack.gql<{
      sessions: {
        id: string;
        current: boolean;
        userAgent: string;
        lastUsedAt: string;
        expiresAt: string;
        createdAt: string;
      }[];
    }>('{ sessions { id current userAgent createdAt lastUsedAt expiresAt } }', {}, { token: phone.accessToken });
    expect(list.data?.sessions).toHaveLength(2);
    const current = list.data!.sessions.find((s) => s.current)!;
    expect(current.userAgent).toBe('PhoneApp/1.0');
    const laptop = list.data!.sessions.find((s) => !s.current)!;

    const stranger = await stack.register();
    const theirs = await stack.gql(
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: laptop.id },
      { token: stranger.accessToken },
    );
    expect(errorOf(theirs)).toEqual({ code: 'NOT_FOUND' });

    const revoked = await stack.gql<{ revokeSession: boolean }>(
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: laptop.id },
      { token: phone.accessToken },
    );
    expect(revoked.data?.revokeSession).toBe(true);
    expect(errorOf(await stack.gql('{ me { id } }', {}, { token: a.accessToken }))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect((await stack.gql('{ me { id } }', {}, { token: phone.accessToken })).errors).toBeUndefined();
  });

  it('logout revokes the current session', async () => {
    const a = await stack.register();
    const out = await stack.gql<{ logout: boolean }>('mutation { logout }', {}, { token: a.accessToken });
    expect(out.data?.logout).toBe(true);
    expect(errorOf(await stack.gql('{ me { id } }', {}, { token: a.accessToken }))).toEqual({
      code: 'UNAUTHENTICATED',
    });
    expect(errorOf(await stack.gql(REFRESH, { t: a.refreshToken }))).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
