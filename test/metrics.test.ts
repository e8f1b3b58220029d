import { createServer } from 'node:net';
import { createClient, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from './support/gateway.js';
import { leftover } from './support/leftovers.js';
import { freePort } from './support/ports.js';
import { startSystem, type System } from './support/system.js';
import { until } from './support/wait.js';

/**
 * Metrics and logs of the whole system as `npm start` runs it, on fixed metrics ports (issue #13):
 * after real traffic — sign-ups, logins, queries, sends, a live chatEvents subscription, a
 * rate-limit refusal — every named metric is on its process's port and has moved, the delivery
 * histogram counts exactly the events the subscriber received, each GraphQL operation has its
 * log line, and a request id given to the gateway shows in the log lines of the services that
 * services called on its behalf.
 */

/** The gateway's metrics port N; auth-service N+1, profiles-service N+2, chat-service N+10. */
const OFFSETS = { gateway: 0, auth: 1, profiles: 2, chat: 10 } as const;

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A base port N such that N, N+1, N+2 and N+10 are all free. */
async function freeMetricsBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    const free = await Promise.all(Object.values(OFFSETS).map((offset) => canListen(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free block of metrics ports');
}

/** One sample of a scrape: its labels and value. */
interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of metric `name` in a Prometheus text exposition. */
function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

/** The sum of metric `name` over the samples whose labels include `where`. */
function total(text: string, name: string, where: Record<string, string> = {}): number {
  return samples(text, name)
    .filter((sample) => Object.entries(where).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken user { id } }
}`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken user { id } } }`;
const ME = `query Me { me { id username profile { displayName } } }`;
const SEARCH = `query SearchUsers($query: String!) { searchUsers(query: $query) { id } }`;
const DIRECT = `mutation CreateDirectChat($userId: ID!) { createDirectChat(userId: $userId) { id } }`;
const GROUP = `mutation CreateGroupChat($input: CreateGroupChatInput!) { createGroupChat(input: $input) { id } }`;
const SEND = `mutation SendMessage($input: SendMessageInput!) { sendMessage(input: $input) { id seq } }`;
const PROFILE = `mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }`;
const EVENTS = `subscription ChatEvents { chatEvents { __typename ... on MessageCreated { seq } } }`;

const SENDS = 3;
const PASSWORD = 'correct horse battery';

describe.sequential('metrics and logs (npm start, fixed metrics ports)', () => {
  let system: System;
  let base: number;
  let gql: ReturnType<typeof graphqlClient>;
  const received: FormattedExecutionResult<Record<string, unknown>, unknown>[] = [];
  const users: { id: string; token: string; email: string }[] = [];
  let chatId: string;

  const scrape = async (process: keyof typeof OFFSETS) =>
    (await fetch(`http://127.0.0.1:${base + OFFSETS[process]}/metrics`)).text();
  /** The JSON log lines every process has printed so far. */
  const logLines = () =>
    system
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  beforeAll(async () => {
    base = await freeMetricsBase();
    system = await startSystem('metrics', {
      METRICS_PORT: String(base),
      LOG_LEVEL: 'info',
      // One search a minute per user: the second is refused (the refusal to count).
      RATE_LIMIT_SEARCH: '1/1m',
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `metrics${base}:` } : {}),
    });
    leftover(() => system.stop());
    gql = graphqlClient(system.gatewayPort);
    for (const tag of ['ada', 'bob']) {
      const name = `${tag}${base}${Math.floor(Math.random() * 1e6)}`;
      const email = `${name}@example.com`;
      const res = await gql.request<{ register: { accessToken: string; user: { id: string } } }>(REGISTER, {
        input: { email, username: name, password: PASSWORD },
      });
      expect(res.errors).toBeUndefined();
      users.push({ id: res.data!.register.user.id, token: res.data!.register.accessToken, email });
    }
  }, 120_000);

  it('serves every process on its fixed port and counts the traffic', async () => {
    const [ada, bob] = users as [(typeof users)[0], (typeof users)[0]];
    const login = await gql.request<{ login: { accessToken: string } }>(LOGIN, {
      input: { email: ada.email, password: PASSWORD },
    });
    expect(login.errors).toBeUndefined();
    ada.token = login.data!.login.accessToken;
    expect((await gql.request(ME, {}, { token: ada.token })).errors).toBeUndefined();
    // A name the web client does not use: counted as `other`.
    expect((await gql.request('query Whatever { me { id } }', {}, { token: ada.token })).errors).toBeUndefined();
    const direct = await gql.request<{ createDirectChat: { id: string } }>(
      DIRECT,
      { userId: bob.id },
      { token: ada.token },
    );
    chatId = direct.data!.createDirectChat.id;

    // Bob's live subscription, over a WebSocket as the web client has it.
    const ws = createClient({
      url: `ws://127.0.0.1:${system.gatewayPort}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${bob.token}` },
    });
    leftover(() => ws.dispose());
    const subscribed = ws.iterate({ query: EVENTS, operationName: 'ChatEvents' });
    void (async () => {
      for await (const result of subscribed) received.push(result);
    })();
    await until(
      async () => total(await scrape('gateway'), 'messenger_subscriptions_active') === 1,
      'the subscription to be carried',
    );
    // And registered at chat-service: from then on every message reaches it live. Sent before,
    // one would come as part of the snapshot (a new chat) rather than as a MessageCreated.
    await until(
      async () => total(await scrape('chat'), 'messenger_chat_subscribers') === 1,
      'the subscriber to be registered at chat-service',
    );

    for (let i = 0; i < SENDS; i++) {
      const sent = await gql.request(
        SEND,
        { input: { chatId, body: `hello ${i}`, clientMessageId: `m${i}` } },
        { token: ada.token },
      );
      expect(sent.errors).toBeUndefined();
    }
    const messages = () => received.filter((result) => result.data?.chatEvents).length;
    await until(
      () =>
        received.filter((r) => (r.data?.chatEvents as { __typename?: string })?.__typename === 'MessageCreated')
          .length === SENDS,
      () => `bob's ${SENDS} messages (received ${messages()} events)`,
    );

    const searched = await gql.request(SEARCH, { query: 'bo' }, { token: ada.token });
    expect(searched.errors).toBeUndefined();
    const refused = await gql.request(SEARCH, { query: 'bo' }, { token: ada.token });
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

    // Every event bob's socket was written was live: the histogram counts exactly those.
    await until(
      async () => {
        const text = await scrape('gateway');
        return (
          total(text, 'messenger_delivery_latency_seconds_count') === messages() &&
          total(text, 'messenger_events_delivered_total', { source: 'live' }) === messages()
        );
      },
      () => `the delivery histogram to count the ${messages()} events delivered`,
    );

    const gateway = await scrape('gateway');
    expect(
      total(gateway, 'messenger_graphql_operations_total', { operation: 'Register', type: 'mutation', outcome: 'ok' }),
    ).toBe(2);
    expect(total(gateway, 'messenger_graphql_operations_total', { operation: 'Login', outcome: 'ok' })).toBe(1);
    expect(total(gateway, 'messenger_graphql_operations_total', { operation: 'SendMessage', outcome: 'ok' })).toBe(
      SENDS,
    );
    expect(
      total(gateway, 'messenger_graphql_operations_total', { operation: 'SearchUsers', outcome: 'RATE_LIMITED' }),
    ).toBe(1);
    expect(total(gateway, 'messenger_graphql_operations_total', { operation: 'other', type: 'query' })).toBe(1);
    expect(
      total(gateway, 'messenger_graphql_operations_total', { operation: 'ChatEvents', type: 'subscription' }),
    ).toBe(1);
    expect(total(gateway, 'messenger_graphql_operation_duration_seconds_count', { operation: 'Me' })).toBe(1);
    // No free text among the operation labels.
    const operations = new Set(samples(gateway, 'messenger_graphql_operations_total').map((s) => s.labels.operation));
    expect(operations.has('Whatever')).toBe(false);
    expect(total(gateway, 'messenger_websockets_open')).toBe(1);
    expect(total(gateway, 'messenger_subscriptions_active')).toBe(1);
    expect(total(gateway, 'messenger_upstream_streams_open')).toBe(1);
    expect(total(gateway, 'messenger_rate_limit_refusals_total', { limit: 'search' })).toBe(1);
    expect(samples(gateway, 'messenger_process_restarts')).toHaveLength(1);
    expect(total(gateway, 'messenger_delivery_latency_seconds_sum')).toBeGreaterThan(0);

    const auth = await scrape('auth');
    const grpc = (method: string, extra: Record<string, string> = {}) => ({ grpc_method: method, ...extra });
    expect(total(auth, 'grpc_server_handled_total', grpc('Register', { grpc_code: 'OK', grpc_type: 'unary' }))).toBe(2);
    expect(
      total(auth, 'grpc_server_handled_total', grpc('Login', { grpc_service: 'messenger.auth.v1.AuthService' })),
    ).toBe(1);
    expect(total(auth, 'grpc_server_handling_seconds_count', grpc('Register'))).toBe(2);
    // Streams count too: chat-service, profiles-service and the gateway follow revocations.
    expect(
      total(auth, 'grpc_server_started_total', grpc('WatchRevocations', { grpc_type: 'server_stream' })),
    ).toBeGreaterThanOrEqual(2);
    expect(total(auth, 'messenger_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);
    expect(samples(auth, 'messenger_process_restarts')).toHaveLength(1);

    const chat = await scrape('chat');
    expect(total(chat, 'grpc_server_handled_total', grpc('SendMessage', { grpc_code: 'OK' }))).toBe(SENDS);
    expect(total(chat, 'grpc_server_started_total', grpc('Deliver', { grpc_type: 'bidi_stream' }))).toBe(1);
    expect(total(chat, 'messenger_chat_subscribers')).toBe(1);
    expect(
      total(chat, 'messenger_db_pool_connections', { state: 'used' }) +
        total(chat, 'messenger_db_pool_connections', { state: 'free' }),
    ).toBeGreaterThan(0);

    const profiles = await scrape('profiles');
    expect(total(profiles, 'grpc_server_handled_total', grpc('GetProfiles', { grpc_code: 'OK' }))).toBeGreaterThan(0);
    expect(total(profiles, 'messenger_db_pool_connections', { state: 'max' })).toBeGreaterThan(0);

    if (process.env.REDIS_URL) {
      for (const text of [gateway, auth, chat]) {
        const redis = samples(text, 'messenger_redis_connected');
        expect(redis.length).toBeGreaterThan(0);
        expect(redis.every((sample) => sample.value === 1)).toBe(true);
      }
    }
  });

  it('logs one line per GraphQL operation, with its caller and no variables', async () => {
    const [ada] = users;
    const operationLines = () => logLines().filter((line) => line.msg === 'graphql operation');
    // A line is written once its caller is known (a token is verified asynchronously).
    await until(
      () => operationLines().filter((line) => line.operation === 'SendMessage').length === SENDS,
      'a line for each sendMessage',
    );
    const lines = operationLines();
    const login = lines.find((line) => line.operation === 'Login');
    expect(login).toMatchObject({
      service: 'gateway',
      level: 'info',
      type: 'mutation',
      userId: ada!.id,
      outcome: 'ok',
    });
    expect(typeof login!.ms).toBe('number');
    expect(typeof login!.requestId).toBe('string');
    const refused = lines.find((line) => line.operation === 'SearchUsers' && line.outcome === 'RATE_LIMITED');
    expect(refused).toMatchObject({ userId: ada!.id, codes: ['RATE_LIMITED'] });
    for (const send of lines.filter((line) => line.operation === 'SendMessage')) {
      expect(send).toMatchObject({ type: 'mutation', userId: ada!.id, outcome: 'ok' });
    }
    expect(lines.find((line) => line.operation === 'ChatEvents')).toMatchObject({
      type: 'subscription',
      outcome: 'ok',
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('hello 0');
    expect(text).not.toContain('Whatever');
  });

  it('carries the request id on service-to-service calls, into the callee’s log', async () => {
    const [ada, bob] = users as [(typeof users)[0], (typeof users)[0]];
    // createGroupChat: chat-service asks auth-service whether the members exist (GetUsers).
    const groupRequest = `metrics-group-${base}`;
    const group = await gql.request(
      GROUP,
      { input: { title: 'metrics', memberIds: [bob.id] } },
      { token: ada.token, headers: { 'x-request-id': groupRequest } },
    );
    expect(group.errors).toBeUndefined();
    // updateProfile: profiles-service asks auth-service for the username (GetUsers) and tells
    // chat-service (NotifyUserUpdated).
    const profileRequest = `metrics-profile-${base}`;
    const updated = await gql.request(
      PROFILE,
      { input: { displayName: 'Ada' } },
      { token: ada.token, headers: { 'x-request-id': profileRequest } },
    );
    expect(updated.errors).toBeUndefined();

    const callLine = (service: string, requestId: string, method: string) =>
      logLines().find(
        (line) =>
          line.service === service &&
          line.requestId === requestId &&
          line.method === method &&
          line.msg === 'grpc call',
      );
    await until(
      () =>
        Boolean(
          callLine('auth-service', groupRequest, 'GetUsers') &&
          callLine('chat-service', profileRequest, 'NotifyUserUpdated'),
        ),
      () => "the request ids in the callees' log lines",
    );
    // chat-service's own line for the same request, and the gateway's.
    expect(callLine('chat-service', groupRequest, 'CreateGroupChat')).toMatchObject({ code: 'OK', level: 'info' });
    expect(
      logLines().find(
        (line) => line.service === 'gateway' && line.requestId === groupRequest && line.msg === 'graphql operation',
      ),
    ).toMatchObject({ operation: 'CreateGroupChat' });
  });
});
