import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { as, newAccount, useAuthService } from '../../test/support/auth.js';
import { startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { until } from '../../test/support/wait.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import type { ChatApp } from '../../test/support/chat.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { loadGatewayConfig } from '../src/config.js';

// The caps on what one user holds open, against the real gateway over real WebSockets and HTTP:
// subscriptions per socket and per user, sockets per user, resume cursors, chats per user, and a
// login past the sessions cap closing the evicted session's socket. Small caps here; the
// defaults are checked from the configuration. Rate limits are off: this file is about caps.

const CAPS = { perSocket: 3, perUser: 5, sockets: 2, chats: 3, sessions: 3 };

const authService = useAuthService('gw_caps_auth', { MAX_SESSIONS_PER_USER: String(CAPS.sessions) });
let chatDb: Awaited<ReturnType<typeof freshDatabase>>;
let chat: ChatApp;
let gateway: GatewayApp;
beforeAll(async () => {
  chatDb = await freshDatabase('gw_caps_chat', { entities: chatEntities, migrations: chatMigrations });
  chat = await startChat(
    loadChatConfig({
      CHAT_GRPC_LISTEN: '127.0.0.1:0',
      CHAT_DATABASE_URL: chatDb.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${authService.app.port}`,
      MAX_CHATS_PER_USER: String(CAPS.chats),
    }),
  );
  gateway = await startGateway(
    [authService.app.port],
    {
      RATE_LIMITS: 'off',
      MAX_SUBSCRIPTIONS_PER_SOCKET: String(CAPS.perSocket),
      MAX_SUBSCRIPTIONS_PER_USER: String(CAPS.perUser),
      MAX_SOCKETS_PER_USER: String(CAPS.sockets),
      MAX_CHATS_PER_USER: String(CAPS.chats),
    },
    [chat.port],
  );
});
// Each test's sockets are closed after it, not only after the file: the caps count what a user
// holds open, and every test starts with nothing on the gateway.
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await until(() => gateway.events.size() === 0, 'every subscription to end');
});

const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, token?: string) =>
  graphqlClient(gateway.port).request<T>(query, variables, { token });

async function user(tag: string) {
  const account = newAccount(tag);
  const res = await authService.auth.register(account, as());
  return { id: res.user!.id, token: res.tokens!.accessToken, sessionId: res.tokens!.sessionId, account };
}
type User = Awaited<ReturnType<typeof user>>;

const EVENTS = 'subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) { __typename } }';
const MESSAGES = `subscription { chatEvents { __typename ... on MessageCreated { message { body } } } }`;

interface Message {
  id?: string;
  type: string;
  payload?: unknown;
}

/** A graphql-ws socket spoken to directly, so that its close codes and `error` messages are seen as they are. */
interface Socket {
  messages: Message[];
  closed: { code: number; reason: string } | undefined;
  send(message: Message): void;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Messages of one id. */
  of(id: string): Message[];
  close(): void;
}

async function connect(token: string): Promise<Socket> {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway.port}/graphql`, 'graphql-transport-ws');
  const stop = leftover(() => ws.close());
  const socket: Socket = {
    messages: [],
    closed: undefined,
    send: (message) => ws.send(JSON.stringify(message)),
    subscribe: (id, query, variables = {}) => socket.send({ id, type: 'subscribe', payload: { query, variables } }),
    of: (id) => socket.messages.filter((message) => message.id === id),
    close: () => void stop(),
  };
  sockets.push(socket);
  ws.on('message', (data: Buffer) => socket.messages.push(JSON.parse(data.toString()) as Message));
  ws.on('close', (code, reason) => (socket.closed = { code, reason: String(reason) }));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await until(
    () => socket.closed !== undefined || socket.messages.some((m) => m.type === 'connection_ack'),
    'the connection to be acknowledged or closed',
  );
  return socket;
}

/** The `error` message of a refused subscription: its errors' codes and messages. */
async function refusedWith(socket: Socket, id: string) {
  await until(() => socket.of(id).length > 0, `an answer for ${id}`);
  const [answer] = socket.of(id);
  expect(answer?.type).toBe('error');
  return (answer!.payload as { message: string; extensions?: { code?: string } }[]).map((e) => ({
    code: e.extensions?.code,
    message: e.message,
  }));
}

const live = (count: number) => until(() => gateway.events.size() === count, `${count} subscriptions`);

async function directChat(a: User, b: User): Promise<string> {
  const res = await gql<{ createDirectChat: { id: string } }>(
    'mutation ($u: ID!) { createDirectChat(userId: $u) { id } }',
    { u: b.id },
    a.token,
  );
  return res.data!.createDirectChat.id;
}

describe('configuration', () => {
  it('defaults to 20 subscriptions per socket, 100 per user, 50 sockets per user, 2,000 resume cursors', () => {
    expect(loadGatewayConfig({}).realtimeCaps).toEqual({
      subscriptionsPerSocket: 20,
      subscriptionsPerUser: 100,
      socketsPerUser: 50,
      resumeCursors: 2_000,
    });
  });
});

describe('subscriptions per socket', () => {
  it('refuses one more with an error for its id; the socket, its subscriptions and other users go on', async () => {
    const [me, friend, other] = [await user('ps'), await user('psf'), await user('pso')];
    const chatId = await directChat(friend, me);
    const socket = await connect(me.token);
    for (let i = 1; i <= CAPS.perSocket; i++) socket.subscribe(`s${i}`, MESSAGES);
    await live(CAPS.perSocket);
    socket.subscribe('extra', MESSAGES);
    expect(await refusedWith(socket, 'extra')).toEqual([
      {
        code: 'LIMIT_EXCEEDED',
        message: `too many subscriptions on this connection: at most ${CAPS.perSocket} at once; complete one first`,
      },
    ]);
    expect(gateway.events.size()).toBe(CAPS.perSocket);

    // Another user is served meanwhile; queries and mutations still run on the full socket.
    const theirs = await connect(other.token);
    theirs.subscribe('t1', MESSAGES);
    await live(CAPS.perSocket + 1);
    socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { id } }' } });
    await until(() => socket.of('q').some((m) => m.type === 'complete'), 'the query');
    expect(socket.of('q')[0]).toMatchObject({ type: 'next', payload: { data: { me: { id: me.id } } } });

    // Every subscription of the socket still gets its events.
    await gql(
      'mutation ($c: ID!) { sendMessage(input: { chatId: $c, body: "hi", clientMessageId: "c1" }) { seq } }',
      {
        c: chatId,
      },
      friend.token,
    );
    await until(
      () => [1, 2, 3].every((i) => socket.of(`s${i}`).some((m) => m.type === 'next')),
      'the message on every subscription',
    );
    expect(socket.closed).toBeUndefined();

    // Completing one makes room for one.
    socket.send({ id: 's1', type: 'complete' });
    await live(CAPS.perSocket);
    socket.subscribe('again', MESSAGES);
    await live(CAPS.perSocket + 1);
    expect(socket.of('again')).toEqual([]);
  });
});

describe('subscriptions per user', () => {
  it('counts every socket and server-sent events together', async () => {
    const me = await user('pu');
    const [first, second] = [await connect(me.token), await connect(me.token)];
    for (let i = 1; i <= CAPS.perSocket; i++) first.subscribe(`a${i}`, EVENTS);
    for (let i = 1; i < CAPS.perUser - CAPS.perSocket; i++) second.subscribe(`b${i}`, EVENTS);
    await live(CAPS.perUser - 1);

    // The last place goes to a request over server-sent events (its headers may wait for an event).
    const abort = new AbortController();
    const sse = fetch(`http://127.0.0.1:${gateway.port}/graphql?query=${encodeURIComponent(EVENTS)}`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${me.token}` },
      signal: abort.signal,
    });
    sse.catch(() => {});
    try {
      await live(CAPS.perUser);
      second.subscribe('over', EVENTS);
      expect(await refusedWith(second, 'over')).toEqual([
        {
          code: 'LIMIT_EXCEEDED',
          message: `too many subscriptions: a user may have at most ${CAPS.perUser} at once; complete one first`,
        },
      ]);
      const refused = await fetch(`http://127.0.0.1:${gateway.port}/graphql?query=${encodeURIComponent(EVENTS)}`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${me.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      expect(await refused.text()).toContain('"code":"LIMIT_EXCEEDED"');
    } finally {
      abort.abort();
    }
    // The stream that ended gave its place back.
    await live(CAPS.perUser - 1);
    second.subscribe('now', EVENTS);
    await live(CAPS.perUser);
    expect(second.of('now')).toEqual([]);
  });
});

describe('sockets per user', () => {
  it('closes one more with 1008 after connection_init; other users connect meanwhile', async () => {
    const [me, other] = [await user('so'), await user('soo')];
    const open: Socket[] = [];
    for (let i = 0; i < CAPS.sockets; i++) open.push(await connect(me.token));
    const extra = await connect(me.token);
    await until(() => extra.closed !== undefined, 'the extra socket to close');
    expect(extra.closed).toEqual({
      code: 1008,
      reason: `too many connections: a user may have at most ${CAPS.sockets} open`,
    });
    expect(open.map((socket) => socket.closed)).toEqual([undefined, undefined]);
    const theirs = await connect(other.token);
    expect(theirs.messages.map((m) => m.type)).toEqual(['connection_ack']);

    // A socket that closes gives its place back (once the gateway has seen it close).
    open[0]!.close();
    await until(() => open[0]!.closed !== undefined, 'the socket to close');
    let again = await connect(me.token);
    for (let attempt = 0; again.closed && attempt < 50; attempt++) again = await connect(me.token);
    expect(again.closed).toBeUndefined();
  });
});

describe('resume cursors', () => {
  it('more than MAX_CHATS_PER_USER is BAD_USER_INPUT on resume, over WebSocket and HTTP', async () => {
    const me = await user('rc');
    const resume = Array.from({ length: CAPS.chats + 1 }, () => ({ chatId: randomUUID(), afterSeq: 0 }));
    const socket = await connect(me.token);
    socket.subscribe('r', EVENTS, { resume });
    await until(() => socket.of('r').some((m) => m.type === 'complete'), 'the refusal');
    expect(socket.of('r')[0]).toMatchObject({
      type: 'next',
      payload: {
        errors: [
          {
            message: `resume may carry at most ${CAPS.chats} cursors (one per chat)`,
            extensions: { code: 'BAD_USER_INPUT', field: 'resume' },
          },
        ],
      },
    });
    const res = await fetch(`http://127.0.0.1:${gateway.port}/graphql`, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${me.token}` },
      body: JSON.stringify({ query: EVENTS, variables: { resume } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(await res.text()).toContain('"field":"resume"');
    // At the cap, it starts.
    socket.subscribe('ok', EVENTS, { resume: resume.slice(0, CAPS.chats) });
    await live(1);
    expect(socket.of('ok')).toEqual([]);
  });
});

describe('chats per user', () => {
  it('is LIMIT_EXCEEDED over HTTP and WebSocket, naming the cap; nothing is written', async () => {
    const me = await user('cu');
    const others = [await user('cu1'), await user('cu2'), await user('cu3'), await user('cu4')];
    for (const other of others.slice(0, CAPS.chats)) await directChat(me, other);
    const CREATE = 'mutation ($u: ID!) { createDirectChat(userId: $u) { id } }';
    const overHttp = await gql(CREATE, { u: others[3]!.id }, me.token);
    expect(overHttp.errors).toEqual([
      expect.objectContaining({
        message: `a user may be in at most ${CAPS.chats} chats, and you are in ${CAPS.chats}`,
        extensions: { code: 'LIMIT_EXCEEDED' },
      }),
    ]);
    const socket = await connect(me.token);
    socket.send({ id: 'm', type: 'subscribe', payload: { query: CREATE, variables: { u: others[3]!.id } } });
    await until(() => socket.of('m').some((m) => m.type === 'complete'), 'the mutation');
    expect(socket.of('m')[0]).toMatchObject({
      type: 'next',
      payload: { errors: [{ extensions: { code: 'LIMIT_EXCEEDED' } }] },
    });
    const chats = await gql<{ chats: { edges: unknown[] } }>('{ chats(first: 10) { edges { cursor } } }', {}, me.token);
    expect(chats.data?.chats.edges).toHaveLength(CAPS.chats);
    // Another user is served meanwhile.
    expect((await gql(CREATE, { u: others[0]!.id }, others[3]!.token)).errors).toBeUndefined();
  });
});

describe('sessions per user', () => {
  it('a login past the cap revokes the least recently used session and closes its socket', async () => {
    const me = await user('se');
    const socket = await connect(me.token);
    expect(socket.closed).toBeUndefined();
    // The first session is the least recently used once two more have signed in.
    await authService.app.orm.em
      .fork()
      .execute("UPDATE sessions SET last_used_at = now() - interval '1 day' WHERE id = ?", [me.sessionId]);
    const login = () =>
      gql('mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { accessToken } }', {
        e: me.account.email,
        p: me.account.password,
      });
    for (let i = 1; i < CAPS.sessions; i++) expect((await login()).errors).toBeUndefined();
    expect(socket.closed).toBeUndefined();
    expect((await login()).errors).toBeUndefined();
    await until(() => socket.closed !== undefined, 'the evicted session’s socket to close');
    expect(socket.closed?.code).toBe(4403);
  });
});
