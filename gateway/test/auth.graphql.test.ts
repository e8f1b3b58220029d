import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/support/database.js';
import { capturingLogger, newAccount, startAuth } from '../../test/support/auth.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { createLogger } from '../../lib/logger.js';
import { AuthServiceService } from '../../proto/gen/auth/v1/auth.js';
import { authEntities } from '../../services/auth/src/entities.js';
import { authMigrations } from '../../migrations/auth/index.js';
import type { AuthApp } from '../../test/support/auth.js';
import type { GatewayApp } from '../src/app.js';
import { createMaskError } from '../src/errors.js';
import { GraphQLError } from 'graphql';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let auth: AuthApp;
let gateway: GatewayApp;
let gql: ReturnType<typeof graphqlClient>['request'];
const disposers: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  db = await freshDatabase('gw_auth', { entities: authEntities, migrations: authMigrations });
  auth = await startAuth({ AUTH_DATABASE_URL: db.url });
  // Its tests sign up dozens of accounts from 127.0.0.1: more than `register` allows an address
  // in an hour (10). The rate limits have their own tests (rate-limits.test.ts).
  gateway = await startGateway([auth.port], { RATE_LIMIT_REGISTER: '1000/1h' });
  gql = graphqlClient(gateway.port).request;
});

afterAll(async () => {
  for (const dispose of disposers.reverse()) await dispose();
  await gateway?.stop();
  await auth?.stop();
  await db?.drop();
});

const PAYLOAD = `accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt user { id username email createdAt }`;
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${PAYLOAD} } }`;
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${PAYLOAD} } }`;
const REFRESH = `mutation ($t: String!) { refreshToken(refreshToken: $t) { ${PAYLOAD} } }`;

interface Payload {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  user: { id: string; username: string; email: string | null; createdAt: string };
}

async function register(account = newAccount()) {
  const { email, username, password } = account;
  const res = await gql<{ register: Payload }>(REGISTER, { input: { email, username, password } });
  expect(res.errors).toBeUndefined();
  return { ...res.data!.register, account };
}

const registration = () => {
  const { email, username, password } = newAccount();
  return { email, username, password };
};

const errorOf = (res: { errors?: { extensions?: { code?: string; field?: string } }[] }) => res.errors?.[0]?.extensions;

describe('accounts', () => {
  it('registers and returns a full AuthPayload', async () => {
    const account = newAccount();
    const payload = await register(account);
    expect(payload.user).toMatchObject({ username: account.username, email: account.email });
    expect(new Date(payload.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(new Date(payload.refreshTokenExpiresAt).getTime()).toBeGreaterThan(
      new Date(payload.accessTokenExpiresAt).getTime(),
    );
    expect(payload.user.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers a taken email or username with CONFLICT naming the field', async () => {
    const first = await register();
    const again = await gql(REGISTER, { input: { ...registration(), email: first.account.email } });
    expect(errorOf(again)).toEqual({ code: 'CONFLICT', field: 'email' });
    const { email, password } = newAccount();
    const sameName = await gql(REGISTER, {
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
      const res = await gql(REGISTER, { input });
      expect(errorOf(res), JSON.stringify(input)).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    // Nothing was written: the valid registration still goes through.
    const ok = await gql(REGISTER, { input: { email, username, password } });
    expect(ok.errors).toBeUndefined();
  });

  it('logs in, and answers an unknown email and a wrong password alike', async () => {
    const { account } = await register();
    const ok = await gql<{ login: Payload }>(LOGIN, { input: { email: account.email, password: account.password } });
    expect(ok.data?.login.user.username).toBe(account.username);
    const wrong = await gql(LOGIN, { input: { email: account.email, password: 'not the password' } });
    const unknown = await gql(LOGIN, { input: { email: `nobody${account.email}`, password: account.password } });
    expect(errorOf(wrong)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(errorOf(unknown)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });
});

describe('users', () => {
  it('me needs a token and returns the caller with their email', async () => {
    const a = await register();
    const me = await gql<{ me: { id: string; email: string } }>(
      '{ me { id username email } }',
      {},
      { token: a.accessToken },
    );
    expect(me.data?.me).toEqual({ id: a.user.id, username: a.user.username, email: a.user.email });
    const anonymous = await gql('{ me { id } }');
    expect(errorOf(anonymous)).toEqual({ code: 'UNAUTHENTICATED' });
    const garbage = await gql('{ me { id } }', {}, { token: 'not.a.token' });
    expect(errorOf(garbage)).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('user(id) shows another user without their email, and null when there is none', async () => {
    const a = await register();
    const b = await register();
    const res = await gql<Record<string, unknown>>(
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
    const a = await register({ ...newAccount(), username: `${tag}_one` });
    await register({ ...newAccount(), username: `${tag}_two` });
    const found = await gql<{ searchUsers: { username: string }[] }>(
      'query ($q: String!, $n: Int) { searchUsers(query: $q, first: $n) { username } }',
      { q: tag.toUpperCase(), n: 5 },
      { token: a.accessToken },
    );
    expect(found.data?.searchUsers.map((u) => u.username)).toEqual([`${tag}_one`, `${tag}_two`]);
    const search = (q: string, n: number) =>
      gql(
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
    const a = await register();
    const b = await register();
    let calls = 0;
    const original = gateway.upstreams.auth.unary.getUsers;
    gateway.upstreams.auth.unary.getUsers = (...args) => {
      calls++;
      return original(...args);
    };
    try {
      const res = await gql(
        `query ($a: ID!, $b: ID!) { x: user(id: $a) { id } y: user(id: $b) { id } z: user(id: $a) { id } me { id } }`,
        { a: a.user.id, b: b.user.id },
        { token: a.accessToken },
      );
      expect(res.errors).toBeUndefined();
      expect(calls).toBe(1);
    } finally {
      gateway.upstreams.auth.unary.getUsers = original;
    }
  });
});

describe('tokens and sessions', () => {
  it('refreshToken rotates; the spent token then revokes the session', async () => {
    const a = await register();
    const next = await gql<{ refreshToken: Payload }>(REFRESH, { t: a.refreshToken });
    expect(next.errors).toBeUndefined();
    const fresh = next.data!.refreshToken;
    expect(fresh.refreshToken).not.toBe(a.refreshToken);
    expect((await gql('{ me { id } }', {}, { token: fresh.accessToken })).errors).toBeUndefined();
    const reuse = await gql(REFRESH, { t: a.refreshToken });
    expect(errorOf(reuse)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(errorOf(await gql('{ me { id } }', {}, { token: fresh.accessToken }))).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('lists sessions, revokes one, and refuses another user’s with NOT_FOUND', async () => {
    const a = await register();
    const phone = (
      await gql<{ login: Payload }>(
        LOGIN,
        { input: { email: a.account.email, password: a.account.password } },
        { headers: { 'user-agent': 'PhoneApp/1.0' } },
      )
    ).data!.login;
    const list = await gql<{
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

    const stranger = await register();
    const theirs = await gql(
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: laptop.id },
      { token: stranger.accessToken },
    );
    expect(errorOf(theirs)).toEqual({ code: 'NOT_FOUND' });

    const revoked = await gql<{ revokeSession: boolean }>(
      'mutation ($id: ID!) { revokeSession(id: $id) }',
      { id: laptop.id },
      { token: phone.accessToken },
    );
    expect(revoked.data?.revokeSession).toBe(true);
    expect(errorOf(await gql('{ me { id } }', {}, { token: a.accessToken }))).toEqual({ code: 'UNAUTHENTICATED' });
    expect((await gql('{ me { id } }', {}, { token: phone.accessToken })).errors).toBeUndefined();
  });

  it('logout revokes the current session', async () => {
    const a = await register();
    const out = await gql<{ logout: boolean }>('mutation { logout }', {}, { token: a.accessToken });
    expect(out.data?.logout).toBe(true);
    expect(errorOf(await gql('{ me { id } }', {}, { token: a.accessToken }))).toEqual({ code: 'UNAUTHENTICATED' });
    expect(errorOf(await gql(REFRESH, { t: a.refreshToken }))).toEqual({ code: 'UNAUTHENTICATED' });
  });
});

describe('HTTP surface', () => {
  it('serves /healthz, and /readyz only when every upstream answers its health check', async () => {
    const base = `http://127.0.0.1:${gateway.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // This gateway has no chat-service to talk to.
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      services: { auth: true, chat: false, profiles: false },
    });
  });

  it('echoes a given x-request-id and makes one up otherwise', async () => {
    const given = await gql('{ __typename }', {}, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await gql('{ __typename }');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes the request id to the services, which log under it', async () => {
    const { logger, lines } = capturingLogger('auth-service');
    const traced = await startAuth({ AUTH_DATABASE_URL: db.url }, logger);
    disposers.push(() => traced.stop());
    const tracedGateway = await startGateway([traced.port]);
    disposers.push(() => tracedGateway.stop());
    await graphqlClient(tracedGateway.port).request(
      LOGIN,
      { input: { email: 'nobody@example.com', password: 'whatever1' } },
      {
        headers: { 'x-request-id': 'trace-login-1' },
      },
    );
    expect(lines.some((line) => line.requestId === 'trace-login-1' && line.method === 'Login')).toBe(true);
    expect(lines.every((line) => line.service === 'auth-service')).toBe(true);
    // Passwords never reach a log line.
    expect(JSON.stringify(lines)).not.toContain('whatever1');
  });

  it('serves Prometheus metrics per process', async () => {
    const res = await fetch(`http://127.0.0.1:${auth.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="Register"[^}]*grpc_code="OK"[^}]*\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${gateway.metricsPort}/metrics`)).status).toBe(200);
  });

  it('serves GraphiQL from the installed package, with no CDN', async () => {
    const res = await fetch(`http://127.0.0.1:${gateway.port}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdn\./);
    // Subscriptions over graphql-ws, with the headers pane's token (gateway/src/graphiql.ts).
    expect(html).toContain('graphqlWs.createClient');
  });
});

describe('WebSocket', () => {
  const connect = (authorization?: string) =>
    new Promise<{ code: number } | 'connected'>((resolve) => {
      const client = createClient({
        url: `ws://127.0.0.1:${gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {}, // the close is the result under test, reported through `closed`
        connectionParams: authorization ? { authorization } : {},
        on: {
          connected: () => {
            resolve('connected');
            void client.dispose();
          },
          closed: (event) => resolve({ code: (event as { code: number }).code }),
        },
      });
    });

  it('refuses connection_init without a valid token with 4403', async () => {
    expect(await connect()).toEqual({ code: 4403 });
    expect(await connect('Bearer garbage')).toEqual({ code: 4403 });
    const a = await register();
    await gql('mutation { logout }', {}, { token: a.accessToken });
    expect(await connect(`Bearer ${a.accessToken}`)).toEqual({ code: 4403 });
  });

  it('closes the sockets of a revoked session with 4403', async () => {
    const a = await register();
    const socket = new WebSocket(`ws://127.0.0.1:${gateway.port}/graphql`, 'graphql-transport-ws');
    disposers.push(() => socket.close());
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const acked = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${a.accessToken}` } }));
    expect(JSON.parse(String(await acked))).toEqual({ type: 'connection_ack' });
    await gql('mutation { logout }', {}, { token: a.accessToken });
    expect(await closed).toBe(4403);
  });

  it('closes its WebSockets with 1012 when it stops, so clients reconnect', async () => {
    const stopping = await startGateway([auth.port]);
    const a = await register();
    const socket = new WebSocket(`ws://127.0.0.1:${stopping.port}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const acked = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${a.accessToken}` } }));
    await acked;
    await stopping.stop();
    expect(await closed).toBe(1012);
  });

  it('pings an idle socket to keep it alive', async () => {
    const pinging = await startGateway([auth.port], {}, [1], { wsKeepAliveMs: 100 });
    disposers.push(() => pinging.stop());
    const a = await register();
    const socket = new WebSocket(`ws://127.0.0.1:${pinging.port}/graphql`, 'graphql-transport-ws');
    disposers.push(() => socket.close());
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${a.accessToken}` } }));
    const pings = await new Promise<number>((resolve) => {
      let count = 0;
      socket.on('ping', () => ++count === 3 && resolve(count));
    });
    expect(pings).toBe(3);
  });

  it('accepts a valid token and runs operations over the socket', async () => {
    const a = await register();
    expect(await connect(`Bearer ${a.accessToken}`)).toBe('connected');
    const client = createClient({
      url: `ws://127.0.0.1:${gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${a.accessToken}` },
    });
    disposers.push(() => client.dispose());
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: '{ me { id } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { me: { id: a.user.id } } });
  });
});

describe('upstream failures', () => {
  it('fails over to a live address and reports UNAVAILABLE when none answers', async () => {
    const dead = await startGateway([1]);
    disposers.push(() => dead.stop());
    const res = await graphqlClient(dead.port).request(REGISTER, { input: registration() });
    expect(errorOf(res)).toEqual({ code: 'UNAVAILABLE' });
    const ready = await fetch(`http://127.0.0.1:${dead.port}/readyz`);
    expect(ready.status).toBe(503);

    const mixed = await startGateway([1, auth.port]);
    disposers.push(() => mixed.stop());
    for (let i = 0; i < 4; i++) {
      const { email, username, password } = newAccount();
      const ok = await graphqlClient(mixed.port).request(REGISTER, { input: { email, username, password } });
      expect(ok.errors).toBeUndefined();
    }
  });

  it('puts a deadline on every call', async () => {
    // An auth-service that accepts calls and never answers them.
    const silent = new Server();
    const never = () => {};
    silent.addService(
      AuthServiceService,
      Object.fromEntries(Object.keys(AuthServiceService).map((name) => [name, never])),
    );
    const port = await new Promise<number>((resolve, reject) =>
      silent.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    disposers.push(() => silent.forceShutdown());
    const slow = await startGateway([port], { GRPC_DEADLINE: '300ms' });
    disposers.push(() => slow.stop());
    const res = await graphqlClient(slow.port).request(REGISTER, { input: registration() });
    expect(errorOf(res)).toEqual({ code: 'UNAVAILABLE' });
  });
});

describe('error masking', () => {
  const mask = createMaskError(createLogger('test', 'silent'));

  it('masks unexpected errors: no message, no stack', () => {
    const masked = mask(
      new GraphQLError('boom', { originalError: new Error('db password is hunter2') }),
      'Unexpected error.',
    );
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).message).toBe('Unexpected error.');
    expect(JSON.stringify((masked as GraphQLError).toJSON())).not.toMatch(/hunter2|stack/);
    expect((masked as GraphQLError).extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('masks an INTERNAL status from a service, and maps the known ones', () => {
    const internal = Object.assign(new Error('13 INTERNAL: internal error'), {
      code: status.INTERNAL,
      details: 'internal error',
      metadata: undefined,
    });
    expect(
      (mask(new GraphQLError('x', { originalError: internal }), 'Unexpected error.') as GraphQLError).extensions.code,
    ).toBe('INTERNAL_SERVER_ERROR');
    const denied = Object.assign(new Error('7 PERMISSION_DENIED: no'), {
      code: status.PERMISSION_DENIED,
      details: 'no',
      metadata: undefined,
    });
    const mapped = mask(new GraphQLError('x', { originalError: denied }), 'Unexpected error.') as GraphQLError;
    expect(mapped.message).toBe('no');
    expect(mapped.extensions.code).toBe('FORBIDDEN');
  });
});
