import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { as, newAccount } from '../../test/support/auth.js';
import { useChatService } from '../../test/support/chat.js';
import { graphqlClient, startGateway, type GraphQLResponse } from '../../test/support/gateway.js';
import { freePort } from '../../test/support/ports.js';
import { testRedis } from '../../test/support/redis.js';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../lib/jwt.js';
import { addressKey, clientAddressOf, parseTrustProxy, type TrustProxy } from '../src/limits/client-address.js';
import type { GatewayApp } from '../src/app.js';

// The gateway's rate limits, black-box: real gateways (HTTP and graphql-ws) in front of real
// auth- and chat-services. Each gateway counts in its own memory unless given Redis, so each
// scenario runs on a gateway, or from an address (X-Forwarded-For behind TRUST_PROXY), of its own.

const services = useChatService('gw_rate');
const gateways: GatewayApp[] = [];
const cleanups: (() => unknown)[] = [];

/** Default limits, as `npm start` runs the gateway. */
let plain: GatewayApp;
/** Default limits behind a trusted proxy at 127.0.0.1: each test picks its client address. */
let proxied: GatewayApp;

async function gateway(env: Record<string, string> = {}) {
  const started = await startGateway([services.authService.app.port], env, [services.app.port]);
  gateways.push(started);
  return started;
}

beforeAll(async () => {
  plain = await gateway({});
  proxied = await gateway({ TRUST_PROXY: '127.0.0.1' });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  for (const started of gateways) await started.stop();
});

type Result = GraphQLResponse & { status?: number };

/** A GraphQL request over HTTP, from `from` (an X-Forwarded-For value) when given. */
function gql(
  on: GatewayApp,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; from?: string } = {},
) {
  return graphqlClient(on.port).request(query, variables, {
    token: options.token,
    headers: options.from ? { 'x-forwarded-for': options.from } : {},
  }) as Promise<Result>;
}

/** A graphql-ws client signed in with `token`, its upgrade sent with `headers`. */
function wsClient(on: GatewayApp, token: string, headers: Record<string, string> = {}): Client {
  class WithHeaders extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const client = createClient({
    url: `ws://127.0.0.1:${on.port}/graphql`,
    webSocketImpl: WithHeaders,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  cleanups.push(() => client.dispose());
  return client;
}

/** One query or mutation over graphql-ws: its result. */
function overWs(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    let result: Result | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => void (result = value as Result),
        error: reject,
        complete: () => resolve(result!),
      },
    );
  });
}

/** A new account, registered with auth-service directly (no gateway limit involved). */
async function account(tag: string) {
  const details = newAccount(tag);
  const res = await services.authService.auth.register(details, as());
  return {
    ...details,
    id: res.user!.id,
    token: res.tokens!.accessToken,
    refreshToken: res.tokens!.refreshToken,
  };
}

const LOGIN = 'mutation ($i: LoginInput!) { login(input: $i) { accessToken } }';
const REGISTER = 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }';
const REFRESH = 'mutation ($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }';
const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id body } }';
const SEARCH = 'query ($q: String!) { searchUsers(query: $q) { id } }';

const login = (on: GatewayApp, email: string, password: string, from?: string) =>
  gql(on, LOGIN, { i: { email, password } }, { ...(from ? { from } : {}) });
const register = (on: GatewayApp, from?: string) => {
  const { userAgent: _, ...input } = newAccount('rg');
  return gql(on, REGISTER, { i: input }, { ...(from ? { from } : {}) }).then((res) => ({ res, input }));
};
const codeOf = (res: Result) => res.errors?.[0]?.extensions?.code ?? 'OK';
const codesOf = (res: Result) => (res.errors ?? []).map((error) => error.extensions?.code);

/** A refusal: RATE_LIMITED, whole seconds to wait, and a message naming the limit. */
function expectRefused(res: Result, limit: RegExp, path?: string) {
  const error = res.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
  expect(error, JSON.stringify(res.errors)).toBeDefined();
  expect(error!.message).toMatch(limit);
  const retryAfter = error!.extensions!.retryAfter;
  expect(Number.isInteger(retryAfter) && (retryAfter as number) >= 1, `retryAfter ${String(retryAfter)}`).toBe(true);
  if (path) expect(error!.path).toEqual([path]);
  return retryAfter as number;
}

/** Opens a bare WebSocket: 'open', or the HTTP status (and Retry-After) that refused the upgrade. */
function upgrade(on: GatewayApp, headers: Record<string, string> = {}) {
  return new Promise<'open' | { status: number; retryAfter: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${on.port}/graphql`, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      resolve('open');
      socket.close();
    });
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] });
      res.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

describe('failed logins', () => {
  it('refuses a brute force with RATE_LIMITED and a growing wait, while others sign in', async () => {
    const victim = await account('victim');
    const other = await account('other');
    const attacker = '203.0.113.7';
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await login(proxied, victim.email, `guess ${i}`, attacker))).toBe('UNAUTHENTICATED');
    }
    // Locked for this account from this address: even the right password (and the same email
    // typed in other case) waits the lockout out (15 min) and creates no session.
    const refused = await login(proxied, victim.email.toUpperCase(), victim.password, attacker);
    const wait = expectRefused(refused, /failed logins.*per account and address/, 'login');
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    const sessions = await services.authService.auth.listSessions({}, as(victim.token));
    expect(sessions.sessions).toHaveLength(1);
    // The owner signs in from elsewhere, and another account from the attacker's address.
    expect(codeOf(await login(proxied, victim.email, victim.password, '198.51.100.2'))).toBe('OK');
    expect(codeOf(await login(proxied, other.email, other.password, attacker))).toBe('OK');
  });

  it('counts failed logins over WebSocket as over HTTP, from the address of the upgrade', async () => {
    const victim = await account('alias');
    const from = '203.0.113.20';
    const socket = wsClient(proxied, victim.token, { 'x-forwarded-for': from });
    const wrong = { i: { email: victim.email, password: 'wrong' } };
    for (let i = 0; i < 3; i++)
      expect(codeOf(await login(proxied, victim.email, 'wrong', from))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 2; i++) expect(codeOf(await overWs(socket, LOGIN, wrong))).toBe('UNAUTHENTICATED');
    const right = { i: { email: victim.email, password: victim.password } };
    expectRefused(await overWs(socket, LOGIN, right), /per account and address/, 'login');
    expectRefused(await login(proxied, victim.email, victim.password, from), /per account and address/, 'login');
  });

  it('limits failed logins per address, whatever the accounts', async () => {
    const from = '203.0.113.30';
    for (let i = 0; i < 20; i++) {
      expect(codeOf(await login(proxied, `nobody${i}x${randomUUID()}@example.com`, 'nope nope', from))).toBe(
        'UNAUTHENTICATED',
      );
    }
    const known = await account('addr');
    expectRefused(await login(proxied, known.email, known.password, from), /failed logins: 20 per 1 min per address/);
    expect(codeOf(await login(proxied, known.email, known.password, '203.0.113.31'))).toBe('OK');
  });

  it('limits failed logins per account, except from an address that signed in to it', async () => {
    const limited = await gateway({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_LOGIN_ACCOUNT: '6/1d' });
    const victim = await account('ceiling');
    expect(codeOf(await login(limited, victim.email, victim.password, '192.0.2.1'))).toBe('OK');
    for (let i = 0; i < 6; i++) {
      expect(codeOf(await login(limited, victim.email, 'wrong', `198.51.100.${100 + i}`))).toBe('UNAUTHENTICATED');
    }
    expectRefused(await login(limited, victim.email, victim.password, '198.51.100.200'), /per account/);
    // Where the owner signed in before, the ceiling does not lock them out.
    expect(codeOf(await login(limited, victim.email, victim.password, '192.0.2.1'))).toBe('OK');
  });
});

describe('sendMessage', () => {
  it('refuses a flood past the burst, serves another user meanwhile, and stores nothing refused', async () => {
    // The default 20/1s and 30/10s, over windows long enough that how fast this machine sends
    // cannot change the count.
    const stretched = await gateway({ RATE_LIMIT_SEND: '20/1m', RATE_LIMIT_SEND_BURST: '30/1m' });
    const flooder = await account('flood');
    const other = await account('calm');
    const created = await gql(
      stretched,
      'mutation ($u: ID!) { createDirectChat(userId: $u) { id } }',
      { u: other.id },
      { token: flooder.token },
    );
    const chatId = (created.data as { createDirectChat: { id: string } }).createDirectChat.id;
    const send = (token: string, body: string) =>
      gql(stretched, SEND, { i: { chatId, body, clientMessageId: randomUUID() } }, { token });

    const flood = await Promise.all(Array.from({ length: 70 }, (_, i) => send(flooder.token, `flood ${i}`)));
    const served = flood.filter((res) => codeOf(res) === 'OK');
    expect(served).toHaveLength(50);
    for (const res of flood.filter((r) => codeOf(r) !== 'OK')) expectRefused(res, /sendMessage: 20 per 1 min per user/);
    // Over the socket too, the same user's count.
    const socket = wsClient(stretched, flooder.token);
    const send0 = { i: { chatId, body: 'over ws', clientMessageId: randomUUID() } };
    expectRefused(await overWs(socket, SEND, send0), /sendMessage/, 'sendMessage');
    // Another user of the same chat, address and gateway is served, over HTTP and WebSocket.
    expect(codeOf(await send(other.token, 'still here'))).toBe('OK');
    const otherSocket = wsClient(stretched, other.token);
    expect(
      codeOf(await overWs(otherSocket, SEND, { i: { chatId, body: 'and here', clientMessageId: randomUUID() } })),
    ).toBe('OK');

    const history = await gql(
      stretched,
      'query ($c: ID!) { messages(chatId: $c, last: 100) { edges { node { body sender { id } } } } }',
      { c: chatId },
      { token: other.token },
    );
    const stored = (history.data as { messages: { edges: { node: { body: string; sender: { id: string } } }[] } })
      .messages.edges;
    const storedFlood = stored.filter((edge) => edge.node.sender.id === flooder.id).map((edge) => edge.node.body);
    const servedBodies = served.map((res) => (res.data as { sendMessage: { body: string } }).sendMessage.body);
    expect(storedFlood.sort()).toEqual(servedBodies.sort());
    expect(stored.filter((edge) => edge.node.sender.id === other.id)).toHaveLength(2);
  });
});

describe('register, writes and searches', () => {
  it('limits register per address, and writes nothing refused', async () => {
    const from = '192.0.2.50';
    for (let i = 0; i < 10; i++) expect(codeOf((await register(proxied, from)).res)).toBe('OK');
    const { res, input } = await register(proxied, from);
    expectRefused(res, /register: 10 per 1 h per address/, 'register');
    // Not created: the same details register from another address.
    const again = await gql(proxied, REGISTER, { i: input }, { from: '192.0.2.51' });
    expect(codeOf(again)).toBe('OK');
  });

  it('counts every call of an aliased batch: register and searchUsers', async () => {
    // An aliased batch of mutations runs in order and stops at the first that fails: the 11th
    // register of the address is refused and writes nothing, the 10 before it all count.
    const tag = `al${randomBytes(3).toString('hex')}`;
    const inputs = Array.from({ length: 11 }, (_, i) => ({
      email: `${tag}${i}@example.com`,
      username: `${tag}x${i}`,
      password: 'correct horse battery',
    }));
    const batch = `mutation (${inputs.map((_, i) => `$i${i}: RegisterInput!`).join(', ')}) { ${inputs
      .map((_, i) => `r${i}: register(input: $i${i}) { accessToken }`)
      .join(' ')} }`;
    const variables = Object.fromEntries(inputs.map((input, i) => [`i${i}`, input]));
    const res = await gql(proxied, batch, variables, { from: '192.0.2.70' });
    expect(codesOf(res)).toEqual(['RATE_LIMITED']);
    expectRefused(res, /register: 10 per 1 h per address/, 'r10');
    const searcher = await account('alsearch');
    const found = await services.authService.auth.searchUsers({ query: tag, limit: 50 }, as(searcher.token));
    expect(found.users.map((user) => user.username).sort()).toEqual(
      inputs
        .slice(0, 10)
        .map((i) => i.username)
        .sort(),
    );

    // The fields of a query run side by side, each counted: 15 + 15 served, then no more.
    const searches = (count: number) =>
      `query { ${Array.from({ length: count }, (_, i) => `s${i}: searchUsers(query: "${tag}") { id }`).join(' ')} }`;
    for (let i = 0; i < 2; i++)
      expect(codesOf(await gql(plain, searches(15), {}, { token: searcher.token }))).toEqual([]);
    expectRefused(
      await gql(plain, SEARCH, { q: tag }, { token: searcher.token }),
      /searchUsers: 30 per 1 min per user/,
    );
  });

  it('counts per-user limits by the verified token only: a forged one spends no user’s', async () => {
    const victim = await account('forged');
    // A token claiming the victim's id, signed with another key: counted per address.
    const forged = await new SignJWT({ sid: randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(victim.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(randomBytes(32));
    const searches = `query { ${Array.from({ length: 11 }, (_, i) => `s${i}: searchUsers(query: "forged") { id }`).join(' ')} }`;
    for (let i = 0; i < 3; i++) await gql(plain, searches, {}, { token: forged });
    expectRefused(await gql(plain, SEARCH, { q: 'forged' }, { token: forged }), /searchUsers/);
    expect(codeOf(await gql(plain, SEARCH, { q: 'forged' }, { token: victim.token }))).toBe('OK');
  });

  it('holds back the token of a refresh that used up its session’s window, without spending it', async () => {
    const limited = await gateway({ RATE_LIMIT_REFRESH: '3/1h' });
    const user = await account('refresh');
    let token = user.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await gql(limited, REFRESH, { t: token });
      expect(codeOf(res)).toBe('OK');
      token = (res.data as { refreshToken: { refreshToken: string } }).refreshToken.refreshToken;
    }
    expectRefused(await gql(limited, REFRESH, { t: token }), /refreshToken: 3 per 1 h per session/);
    // Refused before auth-service saw it: the token is not spent (a spent one would revoke the session).
    const rotated = await services.authService.auth.refresh({ refreshToken: token, userAgent: 'vitest' }, as());
    expect(rotated.tokens?.sessionId).toBeTruthy();
  });
});

describe('WebSockets', () => {
  it('refuses new sockets past 30 a minute per address with HTTP 429 and Retry-After', async () => {
    const from = { 'x-forwarded-for': '198.51.100.60' };
    for (let i = 0; i < 30; i++) expect(await upgrade(proxied, from)).toBe('open');
    const refused = await upgrade(proxied, from);
    expect(refused).toMatchObject({ status: 429 });
    expect(Number((refused as { retryAfter: string }).retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await upgrade(proxied, { 'x-forwarded-for': '198.51.100.61' })).toBe('open');
  });
});

describe('the client address', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY: spoofing it escapes no limit', async () => {
    const own = await gateway();
    for (let i = 0; i < 10; i++) expect(codeOf((await register(own, `192.0.2.${i}`)).res)).toBe('OK');
    expectRefused((await register(own, '192.0.2.99')).res, /register/);
  });

  it('with a hop count, believes only the proxies’ entries: the N-th from the right', async () => {
    const oneHop = await gateway({ TRUST_PROXY: '1' });
    for (let i = 0; i < 10; i++) expect(codeOf((await register(oneHop, '198.51.100.9')).res)).toBe('OK');
    // A client writing its own X-Forwarded-For gets the proxy's entry appended: still the same.
    expectRefused((await register(oneHop, '10.9.9.9, 198.51.100.9')).res, /register/);
    expect(codeOf((await register(oneHop, '198.51.100.9, 198.51.100.10')).res)).toBe('OK');
  });

  it('parses TRUST_PROXY and walks X-Forwarded-For', () => {
    const request = (peer: string, forwarded?: string) =>
      ({
        socket: { remoteAddress: peer },
        headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
      }) as unknown as IncomingMessage;
    const trust = (text: string) => parseTrustProxy(text) as TrustProxy;
    expect(clientAddressOf(request('::ffff:10.0.0.1', '1.2.3.4'), trust(''))).toBe('10.0.0.1');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 5.6.7.8'), trust('1'))).toBe('5.6.7.8');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 5.6.7.8'), trust('2'))).toBe('1.2.3.4');
    expect(clientAddressOf(request('10.0.0.1', '5.6.7.8'), trust('3'))).toBe('5.6.7.8');
    const proxies = trust('10.0.0.0/8, ::1');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 10.1.1.1'), proxies)).toBe('1.2.3.4');
    expect(clientAddressOf(request('192.0.2.1', '1.2.3.4'), proxies)).toBe('192.0.2.1');
    expect(clientAddressOf(request('::1', 'garbage, [2001:db8::1]:443'), proxies)).toBe('2001:db8::1');
    expect(parseTrustProxy('10.0.0.0/33')).toMatch(/prefix/);
    expect(parseTrustProxy('proxy.local')).toMatch(/not an address/);
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('RATE_LIMITS=off', () => {
  it('lifts every rate limit', async () => {
    const off = await gateway({ RATE_LIMITS: 'off' });
    const user = await account('off');
    for (let i = 0; i < 11; i++) expect(codeOf((await register(off)).res)).toBe('OK');
    for (let i = 0; i < 6; i++) expect(codeOf(await login(off, user.email, 'wrong'))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 31; i++) expect(await upgrade(off)).toBe('open');
  });
});

const redis = testRedis('gw-rate-limits');

describe.skipIf(!redis)('with Redis', () => {
  it('shares the counts between gateway instances', async () => {
    const env = { REDIS_URL: redis!.url, REDIS_PREFIX: redis!.prefix };
    const [first, second] = [await gateway(env), await gateway(env)];
    const victim = await account('shared');
    for (const on of [first, second, first, second, first]) {
      expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    }
    expectRefused(await login(second, victim.email, victim.password), /per account and address/);
    expectRefused(await login(first, victim.email, victim.password), /per account and address/);
    // The counters are Redis keys under the prefix.
    const client = new Redis(redis!.url);
    cleanups.push(() => client.quit());
    expect((await client.keys(`${redis!.prefix}rate:login-account-address*`)).length).toBeGreaterThan(0);
  });

  it('keeps limiting in memory while Redis is down', async () => {
    const server: RedisServer | undefined = await startRedisServer(await freePort(), 'gw-rate-limits-down');
    if (!server) return;
    cleanups.push(() => server.stop());
    const on = await gateway({ REDIS_URL: server.url });
    const victim = await account('insured');
    expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    await server.kill();
    for (let i = 0; i < 5; i++) expect(codeOf(await login(on, victim.email, 'wrong'))).toBe('UNAUTHENTICATED');
    expectRefused(await login(on, victim.email, victim.password), /per account and address/);
    // Other callers are still served meanwhile.
    const other = await account('insured2');
    expect(codeOf(await login(on, other.email, other.password))).toBe('OK');
  });
});
