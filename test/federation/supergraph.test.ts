// The gateway as an Apollo Federation v2 subgraph (docs/federation.md): composed with a second,
// small subgraph that extends `User` (and refers to a `Chat`), by @theguild/federation-composition,
// and served by Hive Gateway's runtime as a supergraph router, in front of a real gateway over
// real auth-, chat- and profiles-services. The caller's token goes through the router to us.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient, startGateway, type GraphQLResponse } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { useStack } from '../support/stack.js';
import { until } from '../support/wait.js';
import { subscribeOverSse } from '../../gateway/test/subscription-clients.js';

const stack = useStack('federation');

/**
 * The other subgraph, as a company's own would be: `User.nickname` for our users, and two root
 * fields that name our entities by id only (`featuredUser`, `pinnedChat`). Federation's machinery
 * is written by hand here (what @apollo/subgraph would add), in the SDL the router composes.
 */
const NICKNAMES_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  type User @key(fields: "id") {
    id: ID!
    "Set by the test, per user id."
    nickname: String
  }

  type Chat @key(fields: "id", resolvable: false) {
    id: ID!
  }

  "Relay's, as most subgraphs define it: composes only as both subgraphs mark it @shareable."
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Query {
    "A user this subgraph knows only by id; the router asks the chat subgraph for the rest."
    featuredUser: User
    "A chat by id alone; the chat subgraph answers it only to its members."
    pinnedChat(id: ID!): Chat
  }
`;
const MACHINERY = /* GraphQL */ `
  directive @link(url: String!, import: [String]) repeatable on SCHEMA
  directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
  directive @shareable repeatable on OBJECT | FIELD_DEFINITION
  scalar _Any
  union _Entity = User
  type _Service {
    sdl: String
  }
  extend type Query {
    _service: _Service!
    _entities(representations: [_Any!]!): [_Entity]!
  }
`;

function startNicknames(nicknames: Map<string, string>, featured: () => string | undefined) {
  const authorizations: (string | null)[] = [];
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: [NICKNAMES_SDL, MACHINERY],
      resolvers: {
        Query: {
          featuredUser: () => {
            const id = featured();
            return id ? { id } : null;
          },
          pinnedChat: (_root: unknown, { id }: { id: string }) => ({ id }),
          _service: () => ({ sdl: NICKNAMES_SDL }),
          _entities: (_root: unknown, { representations }: { representations: { id: string }[] }) =>
            representations.map(({ id }) => ({ id })),
        },
        User: { nickname: ({ id }: { id: string }) => nicknames.get(id) ?? null },
        _Entity: { __resolveType: () => 'User' },
      },
    }),
    context: ({ request }) => void authorizations.push(request.headers.get('authorization')),
    logging: false,
  });
  const server = createServer(yoga);
  return { server, authorizations };
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('our gateway in a supergraph', () => {
  const nicknames = new Map<string, string>();
  let featured: string | undefined;
  let nicknamesServer: ReturnType<typeof startNicknames>;
  let router: GatewayRuntime;
  let routerServer: Server;
  let routerPort: number;
  let stopRouter: (() => Promise<void>) | undefined;

  // Hive's logger reads LOG_LEVEL whenever it makes one (per request too) and refuses pino's
  // `silent`, which the tests set: `error` while the router runs (our services, started
  // before, keep theirs).
  const logLevel = process.env.LOG_LEVEL;
  beforeAll(async () => {
    process.env.LOG_LEVEL = 'error';
    nicknamesServer = startNicknames(nicknames, () => featured);
    leftover(() => close(nicknamesServer.server));
    const nicknamesUrl = await listen(nicknamesServer.server);
    const ours = graphqlClient(stack.gateway.port);
    // Our SDL as a router's composition fetches it: from the running gateway.
    const { data } = await ours.request<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const composed = composeServices([
      { name: 'chat', typeDefs: parse(data!._service.sdl), url: ours.url },
      { name: 'nicknames', typeDefs: parse(NICKNAMES_SDL), url: nicknamesUrl },
    ]);
    if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
    router = createGatewayRuntime({
      supergraph: composed.supergraphSdl,
      // The caller's token goes to every subgraph (ours refuses everything but login without it).
      propagateHeaders: {
        fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
      },
      logging: false,
    });
    routerServer = createServer(router);
    stopRouter = leftover(async () => {
      await close(routerServer);
      await router[Symbol.asyncDispose]();
    });
    routerPort = Number(new URL(await listen(routerServer)).port);
  });
  // The router is stopped here, not after the file: LOG_LEVEL goes back only once it is gone.
  afterAll(async () => {
    await stopRouter?.();
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
  });

  const viaRouter = <T>(query: string, variables: Record<string, unknown>, token?: string) =>
    graphqlClient(routerPort).request<T>(query, variables, { token });

  it('answers a query that crosses both subgraphs, both ways, with the caller token', async () => {
    const [alice, bob] = [await stack.user('alice'), await stack.user('bob')];
    nicknames.set(alice.id, 'Al');
    nicknames.set(bob.id, 'Bobby');
    featured = bob.id;
    nicknamesServer.authorizations.length = 0;

    // Ours first (me), then the nickname by `_entities` of the other subgraph; and the other's
    // `featuredUser` first, then its username by our `_entities` (with alice's token).
    const res = await viaRouter<{
      me: { id: string; username: string; nickname: string };
      featuredUser: { id: string; username: string; nickname: string };
    }>('{ me { id username nickname } featuredUser { id username nickname } }', {}, alice.token);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      me: { id: alice.id, username: alice.username, nickname: 'Al' },
      featuredUser: { id: bob.id, username: bob.username, nickname: 'Bobby' },
    });
    expect(nicknamesServer.authorizations).toContain(`Bearer ${alice.token}`);

    // Without a token, our half is refused, as it is without a router.
    const anonymous = await viaRouter<{ me: unknown }>('{ me { id nickname } }', {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('resolves a Chat named by the other subgraph only for its members', async () => {
    const [alice, bob, eve] = [await stack.user('alice'), await stack.user('bob'), await stack.user('eve')];
    const chat = await directChat(alice.token, bob.id);
    const query = 'query ($id: ID!) { pinnedChat(id: $id) { id kind memberCount } }';

    const member = await viaRouter<{ pinnedChat: unknown }>(query, { id: chat }, alice.token);
    expect(member.errors).toBeUndefined();
    expect(member.data?.pinnedChat).toEqual({ id: chat, kind: 'DIRECT', memberCount: 2 });

    const outsider = await viaRouter<{ pinnedChat: { kind: string } | null }>(query, { id: chat }, eve.token);
    expect(outsider.data?.pinnedChat?.kind ?? null).toBeNull();
    expect(outsider.errors?.length).toBeGreaterThan(0);
  });

  it('sends a message (a mutation) and streams chatEvents through the router', async () => {
    const [alice, bob] = [await stack.user('alice'), await stack.user('bob')];
    nicknames.set(alice.id, 'Al');
    const chatId = await directChat(alice.token, bob.id);

    const events = subscribeOverSse(
      routerPort,
      bob.token,
      `subscription {
        chatEvents {
          __typename
          ... on MessageCreated { chatId message { body sender { username nickname } } }
        }
      }`,
    );
    try {
      // The subscription is open at chat-service once a message sent now reaches it: send until one does.
      const send = (n: number) =>
        viaRouter<{ sendMessage: { body: string; sender: { nickname: string } } }>(
          `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { body sender { id nickname } } }`,
          { input: { chatId, body: `hello ${n}`, clientMessageId: randomUUID() } },
          alice.token,
        );
      const first = await send(0);
      expect(first.errors).toBeUndefined();
      expect(first.data?.sendMessage).toEqual({ body: 'hello 0', sender: { id: alice.id, nickname: 'Al' } });

      // One more every 250 ms at most, well within RATE_LIMIT_SEND.
      let sent = 1;
      let lastSent = Date.now();
      await until(async () => {
        if (events.isEnded()) throw new Error(`the subscription ended: ${JSON.stringify(events.results)}`);
        if (events.results.some((result) => isMessage(result))) return true;
        if (Date.now() - lastSent >= 250) {
          expect((await send(sent++)).errors).toBeUndefined();
          lastSent = Date.now();
        }
        return false;
      }, 'a MessageCreated through the router');
      const created = events.results.find((result) => isMessage(result))!;
      expect(created.errors).toBeUndefined();
      expect(created.data?.chatEvents).toMatchObject({
        __typename: 'MessageCreated',
        chatId,
        message: { sender: { username: alice.username, nickname: 'Al' } },
      });
    } finally {
      events.abort();
    }
  });

  async function directChat(token: string, userId: string): Promise<string> {
    const res = await stack.gql<{ createDirectChat: { id: string } }>(
      'mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }',
      { userId },
      { token },
    );
    return res.data!.createDirectChat.id;
  }
});

const isMessage = (result: { data?: unknown }) =>
  (result.data as { chatEvents?: { __typename?: string } } | undefined)?.chatEvents?.__typename === 'MessageCreated';

describe('_entities on our gateway', () => {
  const entitiesQuery = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on User { id username }
      ... on Chat { id kind }
      ... on Message { id body }
    }
  }`;
  const entities = (representations: unknown[], token?: string) =>
    stack.gql<{ _entities: unknown[] | null }>(entitiesQuery, { representations }, { token });

  it('answers a Chat or Message to members only, as chat(id) does, and a User as user(id)', async () => {
    const [alice, bob, eve] = [await stack.user('alice'), await stack.user('bob'), await stack.user('eve')];
    const chat = (
      await stack.gql<{ createDirectChat: { id: string } }>(
        'mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }',
        { userId: bob.id },
        { token: alice.token },
      )
    ).data!.createDirectChat.id;
    const message = (
      await stack.gql<{ sendMessage: { id: string } }>(
        'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
        { input: { chatId: chat, body: 'for members', clientMessageId: 'm1' } },
        { token: alice.token },
      )
    ).data!.sendMessage.id;
    const representations = [
      { __typename: 'Chat', id: chat },
      { __typename: 'Message', id: message },
      { __typename: 'User', id: alice.id },
      { __typename: 'User', id: randomUUID() },
    ];

    const member = await entities(representations, bob.token);
    expect(member.errors).toBeUndefined();
    expect(member.data?._entities).toEqual([
      { __typename: 'Chat', id: chat, kind: 'DIRECT' },
      { __typename: 'Message', id: message, body: 'for members' },
      { __typename: 'User', id: alice.id, username: alice.username },
      null, // no such user: null, as user(id) answers
    ]);

    const outsider = await entities(representations, eve.token);
    expect(outsider.data?._entities).toEqual([
      null,
      null,
      { __typename: 'User', id: alice.id, username: alice.username },
      null,
    ]);
    expect(codesByPath(outsider)).toEqual({ '_entities.0': 'NOT_FOUND', '_entities.1': 'NOT_FOUND' });
    // The typed field says the same to the same caller.
    const typed = await stack.gql('query ($id: ID!) { chat(id: $id) { id } }', { id: chat }, { token: eve.token });
    expect(typed.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const anonymous = await entities(representations);
    expect(anonymous.data?._entities).toEqual([null, null, null, null]);
    expect(Object.values(codesByPath(anonymous))).toEqual(Array(4).fill('UNAUTHENTICATED'));
  });

  it('refuses more than 500 representations, and malformed ones, as BAD_USER_INPUT', async () => {
    const alice = await stack.user('alice');
    const many = Array.from({ length: 501 }, () => ({ __typename: 'User', id: randomUUID() }));
    const tooMany = await entities(many, alice.token);
    expect(tooMany.data ?? null).toBeNull();
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations' });
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 500 representations/);
    expect((await entities(many.slice(0, 500), alice.token)).errors).toBeUndefined();

    const malformed = await entities([{ __typename: 'Session', id: randomUUID() }, { id: alice.id }], alice.token);
    expect(malformed.data?._entities).toEqual([null, null]);
    expect(Object.values(codesByPath(malformed))).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });
});

describe('the federation fields switched off', () => {
  // Each gateway is stopped after the file (startGateway puts it on the leftovers list).
  const start = async (env: Record<string, string>) => {
    const gateway = await startGateway([stack.chatService.authService.app.port], env, [stack.chatService.app.port]);
    return graphqlClient(gateway.port).request;
  };

  it('follow GRAPHQL_INTROSPECTION unless GRAPHQL_FEDERATION says otherwise', async () => {
    const alice = await stack.user('alice');
    const sdl = '{ _service { sdl } }';
    const entity = 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const variables = { r: [{ __typename: 'User', id: alice.id }] };

    const off = await start({ GRAPHQL_INTROSPECTION: 'off' });
    for (const res of [await off(sdl), await off(entity, variables, { token: alice.token })]) {
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors?.[0]?.message).toMatch(/federation has been disabled/);
    }
    expect((await off('{ __schema { types { name } } }')).errors?.[0]?.message).toMatch(/introspection/);

    const routed = await start({ GRAPHQL_INTROSPECTION: 'off', GRAPHQL_FEDERATION: 'on' });
    expect((await routed<{ _service: { sdl: string } }>(sdl)).data?._service.sdl).toContain('@key(fields: "id")');
    expect((await routed(entity, variables, { token: alice.token })).data).toEqual({
      _entities: [{ __typename: 'User' }],
    });
    expect((await routed('{ __schema { types { name } } }')).errors?.[0]?.message).toMatch(/introspection/);
  });
});

function codesByPath(res: GraphQLResponse): Record<string, string | undefined> {
  return Object.fromEntries((res.errors ?? []).map((error) => [error.path?.join('.') ?? '', error.extensions?.code]));
}
