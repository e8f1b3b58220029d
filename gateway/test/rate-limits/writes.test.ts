import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { as } from '../../../test/support/auth.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../lib/jwt.js';
import {
  useRateLimits,
  gql,
  wsClient,
  overWs,
  REGISTER,
  REFRESH,
  SEND,
  SEARCH,
  register,
  codeOf,
  codesOf,
  expectRefused,
} from './helpers.js';

// The limits of writes and searches: sendMessage, register, searchUsers, refreshToken. See helpers.ts for
// the gateways each file starts.

const stack = useRateLimits('gw_rate_writes');

describe('sendMessage', () => {
  it('refuses a flood past the burst, serves another user meanwhile, and stores nothing refused', async () => {
    // The default 20/1s and 30/10s, over windows long enough that how fast this machine sends
    // cannot change the count.
    const stretched = await stack.gateway({ RATE_LIMIT_SEND: '20/1m', RATE_LIMIT_SEND_BURST: '30/1m' });
    const flooder = await stack.account('flood');
    const other = await stack.account('calm');
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
    for (let i = 0; i < 10; i++) expect(codeOf((await register(stack.proxied, from)).res)).toBe('OK');
    const { res, input } = await register(stack.proxied, from);
    expectRefused(res, /register: 10 per 1 h per address/, 'register');
    // Not created: the same details register from another address.
    const again = await gql(stack.proxied, REGISTER, { i: input }, { from: '192.0.2.51' });
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
    const res = await gql(stack.proxied, batch, variables, { from: '192.0.2.70' });
    expect(codesOf(res)).toEqual(['RATE_LIMITED']);
    expectRefused(res, /register: 10 per 1 h per address/, 'r10');
    const searcher = await stack.account('alsearch');
    const found = await stack.services.authService.auth.searchUsers({ query: tag, limit: 50 }, as(searcher.token));
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
      expect(codesOf(await gql(stack.plain, searches(15), {}, { token: searcher.token }))).toEqual([]);
    expectRefused(
      await gql(stack.plain, SEARCH, { q: tag }, { token: searcher.token }),
      /searchUsers: 30 per 1 min per user/,
    );
  });

  it('counts per-user limits by the verified token only: a forged one spends no user’s', async () => {
    const victim = await stack.account('forged');
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
    for (let i = 0; i < 3; i++) await gql(stack.plain, searches, {}, { token: forged });
    expectRefused(await gql(stack.plain, SEARCH, { q: 'forged' }, { token: forged }), /searchUsers/);
    expect(codeOf(await gql(stack.plain, SEARCH, { q: 'forged' }, { token: victim.token }))).toBe('OK');
  });

  it('holds back the token of a refresh that used up its session’s window, without spending it', async () => {
    const limited = await stack.gateway({ RATE_LIMIT_REFRESH: '3/1h' });
    const user = await stack.account('refresh');
    let token = user.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await gql(limited, REFRESH, { t: token });
      expect(codeOf(res)).toBe('OK');
      token = (res.data as { refreshToken: { refreshToken: string } }).refreshToken.refreshToken;
    }
    expectRefused(await gql(limited, REFRESH, { t: token }), /refreshToken: 3 per 1 h per session/);
    // Refused before auth-service saw it: the token is not spent (a spent one would revoke the session).
    const rotated = await stack.services.authService.auth.refresh({ refreshToken: token, userAgent: 'vitest' }, as());
    expect(rotated.tokens?.sessionId).toBeTruthy();
  });
});
