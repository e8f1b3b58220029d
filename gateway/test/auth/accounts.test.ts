import { describe, expect, it } from 'vitest';
import { newAccount } from '../../../test/support/auth.js';
import { useAuthGateway, LOGIN, REGISTER, errorOf, registration, type Payload } from './helpers.js';

// Registering, logging in and looking users up over GraphQL.

const stack = useAuthGateway('gw_auth_accounts');

describe('accounts', () => {
  it('registers and returns a full AuthPayload', async () => {
    const account = newAccount();
    const payload = await stack.register(account);
    expect(payload.user).toMatchObject({ username: account.username, email: account.email });
    expect(new Date(payload.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(payload.refreshTokenExpiresAt).getTime()).toBeGreaterThan(
      new Date(payload.accessTokenExpiresAt).getTime(),
    );
    expect(payload.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers a taken email or username with CONFLICT naming the field', async () => {
    const first = await stack.register();
    const again = await stack.gql(REGISTER, { input: { ...registration(), email: first.account.email } });
    expect(errorOf(again)).toEqual({ code: 'CONFLICT', field: 'email' });
    const { email, password } = newAccount();
    const sameName = await stack.gql(REGISTER, {
      input: { email, password, username: first.account.username.toUpperCase() },
    });
    expect(errorOf(sameName)).toEqual({ code: 'CONFLICT', field: 'username' });
  });

  it('answers bad input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
    const { email, username, password } = newAccount();
    const cases = [
      [{ email: 'not-an-email', username, password }, 'email'],
      [{ email, username: 'ab', password }, 'username'],
      [{ email, username: 'has-dash', password }, 'username'],
      [{ email, username, password: 'short' }, 'password'],
      [{ email, username, password: 'x'.repeat(129) }, 'password'],
    ] as const;
    for (const [input, field] of cases) {
      const res = await stack.gql(REGISTER, { input });
      expect(errorOf(res), JSON.stringify(input)).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    // Nothing was written: the valid registration still goes through.
    const ok = await stack.gql(REGISTER, { input: { email, username, password } });
    expect(ok.errors).toBeUndefined();
  });

  it('logs in, and answers an unknown email and a wrong password alike', async () => {
    const { account } = await stack.register();
    const ok = await stack.gql<{ login: Payload }>(LOGIN, {
      input: { email: account.email, password: account.password },
    });
    expect(ok.data?.login.user.username).toBe(account.username);
    const wrong = await stack.gql(LOGIN, { input: { email: account.email, password: 'not the password' } });
    const unknown = await stack.gql(LOGIN, { input: { email: `nobody${account.email}`, password: account.password } });
    expect(wrong.errors).toMatchInlineSnapshot(`
      [
        {
          "extensions": {
            "code": "UNAUTHENTICATED",
          },
          "locations": [
            {
              "column": 34,
              "line": 1,
            },
          ],
          "message": "email or password is incorrect",
          "path": [
            "login",
          ],
        },
      ]
    `);
    expect(unknown.errors).toEqual(wrong.errors);
  });
});

describe('users', () => {
  it('me needs a token and returns the caller with their email', async () => {
    const a = await stack.register();
    const me = await stack.gql<{ me: { id: string; email: string } }>(
      '{ me { id username email } }',
      {},
      { token: a.accessToken },
    );
    expect(me.data?.me).toEqual({ id: a.user.id, username: a.user.username, email: a.user.email });
    const anonymous = await stack.gql('{ me { id } }');
    expect(errorOf(anonymous)).toEqual({ code: 'UNAUTHENTICATED' });
    const garbage = await stack.gql('{ me { id } }', {}, { token: 'not.a.token' });
    expect(errorOf(garbage)).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('user(id) shows another user without their email, and null when there is none', async () => {
    const a = await stack.register();
    const b = await stack.register();
    const res = await stack.gql<Record<string, unknown>>(
      `query ($b: ID!, $a: ID!) {
        other: user(id: $b) { id username email }
        self: user(id: $a) { email }
        missing: user(id: "00000000-0000-4000-8000-000000000000") { id }
        junk: user(id: "junk") { id }
      }`,
      { a: a.user.id, b: b.user.id },
      { token: a.accessToken },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      other: { id: b.user.id, username: b.user.username, email: null },
      self: { email: a.user.email },
      missing: null,
      junk: null,
    });
  });

  it('searchUsers finds by username prefix, within its limits', async () => {
    const tag = `q${Date.now().toString(36)}`;
    const a = await stack.register({ ...newAccount(), username: `${tag}_one` });
    await stack.register({ ...newAccount(), username: `${tag}_two` });
    const found = await stack.gql<{ searchUsers: { username: string }[] }>(
      'query ($q: String!, $n: Int) { searchUsers(query: $q, first: $n) { username } }',
      { q: tag.toUpperCase(), n: 5 },
      { token: a.accessToken },
    );
    expect(found.data?.searchUsers.map((u) => u.username)).toEqual([`${tag}_one`, `${tag}_two`]);
    const search = (q: string, n: number) =>
      stack.gql(
        'query ($q: String!, $n: Int) { searchUsers(query: $q, first: $n) { id } }',
        { q, n },
        { token: a.accessToken },
      );
    expect(errorOf(await search(tag, 0))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(errorOf(await search(tag, 51))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(errorOf(await search('', 5))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
    expect(errorOf(await search('x'.repeat(65), 5))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
  });

  it('loads every user of an operation with one GetUsers call', async () => {
    const a = await stack.register();
    const b = await stack.register();
    let calls = 0;
    const original = stack.gateway.upstreams.auth.unary.getUsers;
    stack.gateway.upstreams.auth.unary.getUsers = (...args) => {
      calls++;
      return original(...args);
    };
    try {
      const res = await stack.gql(
        `query ($a: ID!, $b: ID!) { x: user(id: $a) { id } y: user(id: $b) { id } z: user(id: $a) { id } me { id } }`,
        { a: a.user.id, b: b.user.id },
        { token: a.accessToken },
      );
      expect(res.errors).toBeUndefined();
      expect(calls).toBe(1);
    } finally {
      stack.gateway.upstreams.auth.unary.getUsers = original;
    }
  });
});
