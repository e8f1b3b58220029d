import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount } from '../../test/support/auth.js';
import { startGateway, type GraphQLResponse } from '../../test/support/gateway.js';
import { useStack } from '../../test/support/stack.js';
import type { GatewayApp } from '../src/app.js';

// Limits on GraphQL documents (gateway/src/defence/documents.ts): tokens, depth, aliases,
// directives and cost, refused before anything runs with LIMIT_EXCEEDED, over HTTP (POST and GET)
// and graphql-ws, where the refusal is an `error` for that operation only. The web client's
// operations and the largest legitimate request (a resume with a cursor for each of 2,000 chats,
// inline or as variables) fit the defaults. Production mode hides introspection, GraphiQL and
// field suggestions, each switchable.

const stack = useStack('gw_documents');

type ErrorShape = NonNullable<GraphQLResponse['errors']>[number];
interface Answer extends GraphQLResponse {
  status: number;
}

/** A POST as the web client sends it. */
async function post(port: number, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status } satisfies Answer;
}

/** A GET, with the header that tells the gateway it is no cross-site request. */
async function get(port: number, query: string) {
  const url = new URL(`http://127.0.0.1:${port}/graphql`);
  url.searchParams.set('query', query);
  const res = await fetch(url, {
    headers: { accept: 'application/graphql-response+json, application/json', 'x-graphql-yoga-csrf': '1' },
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status } satisfies Answer;
}

const clients: Client[] = [];
afterAll(async () => {
  for (const client of clients) await client.dispose();
});

/** A graphql-ws client that counts its sockets' closes: a refused operation must not close one. */
function wsClient(port: number, token: string) {
  const closes: number[] = [];
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // Closes are counted here; a gateway stopped at the end of a test closes its sockets.
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
    on: { closed: (event) => void closes.push((event as { code: number }).code) },
  });
  clients.push(client);
  return { client, closes };
}

/**
 * One operation over graphql-ws: its first result, or the errors of its `error` message. Queries
 * end by themselves; `dispose` ends a subscription (its socket stays open: the client is not lazy).
 */
function overWs(client: Client, query: string, variables: Record<string, unknown> = {}) {
  let dispose = () => {};
  const outcome = new Promise<{
    result?: FormattedExecutionResult<Record<string, unknown>, unknown>;
    errors?: ErrorShape[];
  }>((resolve) => {
    dispose = client.subscribe(
      { query, variables },
      {
        next: (result) => resolve({ result }),
        error: (errors) => resolve({ errors: errors as ErrorShape[] }),
        complete: () => {},
      },
    );
  });
  return Object.assign(outcome, { dispose: () => dispose() });
}

const ME = '{ me { id username } }';
const REGISTER = 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }';
const registration = () => {
  const { email, username, password } = newAccount('doc');
  return { email, username, password };
};

/** Nothing was written: the account the refused request would have created can still be made. */
async function notRegistered(input: ReturnType<typeof registration>) {
  const res = await stack.chatService.authService.auth.register({ ...input, userAgent: 'vitest' }, as());
  expect(res.user?.username).toBe(input.username);
}

const ZERO_ID = '00000000-0000-0000-0000-000000000000';
const repeat = (count: number, make: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => make(i)).join(' ');

/** Documents over each default limit, each over that one only (the issue's attacks among them). */
const OVER = {
  tokens: `{ me { ${repeat(20_000, () => 'id')} } }`,
  depth: `{ chat(id: "${ZERO_ID}") { lastMessage { ${'replyTo { '.repeat(50)}id${' }'.repeat(50)} } } }`,
  aliases: `{ ${repeat(16, (i) => `a${i}: me { id }`)} }`,
  directives: `{ me { ${repeat(21, () => 'id @include(if: true)')} } }`,
  cost: `{ chats(first: 500) { edges { node { members(first: 500) { user { id profile { displayName } } } } } } }`,
  fields: `{ me { ${repeat(500, () => 'id')} } }`,
};
const MESSAGES = {
  tokens: /^Token limit of 20000 exceeded\.$/,
  depth: /^Query depth limit of 10 exceeded, found 5\d\.$/,
  aliases: /^Aliases limit of 15 exceeded, found 16\.$/,
  directives: /^Directives limit of 20 exceeded, found 21\.$/,
  cost: /^Query Cost limit of 100000 exceeded, found \d+(\.\d+)?\.$/,
  fields: /^Fields limit of 500 exceeded, found 501\.$/,
};

/** Refused for `limit` (a deep document costs much too, so others may be named beside it). */
function expectRefused(errors: ErrorShape[] | undefined, limit: keyof typeof OVER) {
  expect(
    errors?.map((e) => e.extensions?.code),
    limit,
  ).toEqual(errors?.map(() => 'LIMIT_EXCEEDED'));
  const error = errors?.find((e) => e.extensions?.limit === limit);
  // (yoga adds `http` to an error it has answered over HTTP, and caches the error per document)
  expect(error?.extensions, limit).toMatchObject({ code: 'LIMIT_EXCEEDED', limit });
  expect(error?.message, limit).toMatch(MESSAGES[limit]);
}

describe('document limits (defaults)', () => {
  it('refuses each over-limit document over POST and GET with 400 LIMIT_EXCEEDED, serving others meanwhile', async () => {
    const a = await stack.user('doclim');
    for (const [limit, query] of Object.entries(OVER) as [keyof typeof OVER, string][]) {
      const [refused, normal] = await Promise.all([
        post(stack.gateway.port, query, {}, a.token),
        post(stack.gateway.port, ME, {}, a.token),
      ]);
      expect(refused.status, limit).toBe(400);
      expect(refused.data, limit).toBeUndefined();
      expectRefused(refused.errors, limit);
      expect(normal.errors).toBeUndefined();
      expect(normal.data).toEqual({ me: { id: a.id, username: a.username } });
      // The token-heavy one is longer than a URL may be; the others fit one.
      if (limit === 'tokens') continue;
      const overGet = await get(stack.gateway.port, query);
      expect(overGet.status, `${limit} over GET`).toBe(400);
      expectRefused(overGet.errors, limit);
    }
  });

  it('runs nothing of a refused mutation: no account is created', async () => {
    const refusedMutations = {
      aliases: (input: ReturnType<typeof registration>) =>
        `mutation { ${repeat(16, (i) => `r${i}: register(input: { email: "${input.email}", username: "${input.username}", password: "${input.password}" }) { accessToken }`)} }`,
      tokens: (input: ReturnType<typeof registration>) =>
        `mutation { register(input: { email: "${input.email}", username: "${input.username}", password: "${input.password}" }) { accessToken ${repeat(20_000, () => '__typename')} } }`,
      directives: (input: ReturnType<typeof registration>) =>
        `mutation { register(input: { email: "${input.email}", username: "${input.username}", password: "${input.password}" }) { ${repeat(21, () => 'accessToken @skip(if: false)')} } }`,
    };
    for (const [limit, mutation] of Object.entries(refusedMutations) as [
      keyof typeof OVER,
      typeof refusedMutations.aliases,
    ][]) {
      const input = registration();
      const refused = await post(stack.gateway.port, mutation(input));
      expectRefused(refused.errors, limit);
      await notRegistered(input);
    }
  });

  it('refuses each over-limit document over graphql-ws with an error for that id only; the socket goes on', async () => {
    const a = await stack.user('doclimws');
    const { client, closes } = wsClient(stack.gateway.port, a.token);
    for (const [limit, query] of Object.entries(OVER) as [keyof typeof OVER, string][]) {
      const refused = await overWs(client, query);
      expectRefused(refused.errors, limit);
      // A subscription as well (`__typename` is free to alias, so a field of a member type).
      const subscription = `subscription { chatEvents { ... on MessageCreated { ${repeat(16, (i) => `a${i}: chatId`)} } } }`;
      expectRefused((await overWs(client, subscription)).errors, 'aliases');
      // The same socket still answers, and never closed.
      const normal = await overWs(client, ME);
      expect(normal.result?.data).toEqual({ me: { id: a.id, username: a.username } });
    }
    expect(closes).toEqual([]);
    // A refused mutation over the socket writes nothing either.
    const input = registration();
    const aliased = `mutation { ${repeat(16, (i) => `r${i}: register(input: { email: "${input.email}", username: "${input.username}", password: "${input.password}" }) { accessToken }`)} }`;
    expectRefused((await overWs(client, aliased)).errors, 'aliases');
    await notRegistered(input);
  });
});

/** The web client's operations, each with the fragments it spreads, as it sends them. */
function webClientOperations(): Map<string, string> {
  const source = readFileSync(new URL('../../web/src/api/operations.ts', import.meta.url), 'utf8');
  const documents = [...source.matchAll(/graphql\(`([\s\S]*?)`\)/g)].map((match) => match[1]!);
  const fragments = new Map(
    documents.flatMap((d) => (/^\s*fragment (\w+)/.exec(d) ? [[/fragment (\w+)/.exec(d)![1]!, d]] : [])),
  );
  const operations = new Map<string, string>();
  for (const document of documents) {
    const name = /^\s*(?:query|mutation|subscription) (\w+)/.exec(document)?.[1];
    if (!name) continue;
    const needed = new Set<string>();
    const visit = (text: string) => {
      for (const [, spread] of text.matchAll(/\.\.\.(\w+)/g)) {
        if (needed.has(spread!)) continue;
        needed.add(spread!);
        visit(fragments.get(spread!)!);
      }
    };
    visit(document);
    operations.set(name, [document, ...[...needed].map((f) => fragments.get(f)!)].join('\n'));
  }
  return operations;
}

describe('room for legitimate requests (defaults)', () => {
  it('admits every operation of the web client', async () => {
    const operations = webClientOperations();
    expect(operations.size).toBeGreaterThan(20);
    const a = await stack.user('docweb');
    for (const [name, query] of operations) {
      // ChatEvents is a subscription: see the resume test below.
      if (query.trimStart().startsWith('subscription')) continue;
      // Variables are left out: what is checked is that the document itself passes validation,
      // so that the only errors are those of running it (with a `path`) or of missing variables.
      const res = await post(stack.gateway.port, query, {}, a.token);
      for (const error of res.errors ?? []) {
        expect(error.extensions?.code, name).not.toBe('LIMIT_EXCEEDED');
        if (!error.path) expect(error.message, name).toMatch(/^Variable "\$\w+" of required type/);
      }
    }
  });

  it(
    'admits a chatEvents resume with a cursor for each of 2,000 chats, inline or as variables',
    { timeout: 60_000 },
    async () => {
      const [a, b] = [await stack.user('docres'), await stack.user('docres')];
      const { chat } = await stack.chatService.chat.createGroupChat({ title: 'resume', memberIds: [b.id] }, a.md);
      await stack.chatService.chat.sendMessage(
        { chatId: chat!.id, body: 'replayed', clientMessageId: randomUUID() },
        a.md,
      );
      // Chats the user is not in cost nothing; the one they are in replays its message.
      const cursors = [
        ...Array.from({ length: 1_999 }, () => ({ chatId: randomUUID(), afterSeq: 123_456 })),
        { chatId: chat!.id, afterSeq: 0 },
      ];
      const chatEvents = webClientOperations().get('ChatEvents')!;
      const inline = chatEvents
        .replace('($resume: [ChatCursorInput!])', '')
        .replace(
          'chatEvents(resume: $resume)',
          `chatEvents(resume: [${cursors.map((c) => `{ chatId: "${c.chatId}", afterSeq: ${c.afterSeq} }`).join(', ')}])`,
        );
      expect(inline.length).toBeLessThan(1_048_576);
      const { client, closes } = wsClient(stack.gateway.port, b.token);
      for (const [how, query, variables] of [
        ['variables', chatEvents, { resume: cursors }],
        ['inline', inline, {}],
      ] as const) {
        const subscription = overWs(client, query, variables);
        const first = await subscription;
        subscription.dispose();
        expect(first.errors, how).toBeUndefined();
        expect(first.result?.errors, how).toBeUndefined();
        const event = (first.result?.data as { chatEvents: { __typename: string; message?: { body: string } } })
          .chatEvents;
        expect(event.__typename, how).toBe('MessageCreated');
        expect(event.message?.body, how).toBe('replayed');
      }
      expect(closes).toEqual([]);
    },
  );
});

describe('introspection, GraphiQL and field suggestions', () => {
  const gateways: Record<string, GatewayApp> = {};
  const modes = {
    development: { NODE_ENV: 'development' },
    production: { NODE_ENV: 'production' },
    'production, switched on': {
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'on',
      GRAPHIQL: 'on',
      GRAPHQL_FIELD_SUGGESTIONS: 'on',
    },
    'development, switched off': { NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'off', GRAPHIQL: 'off' },
  };
  beforeAll(async () => {
    for (const [mode, env] of Object.entries(modes)) {
      gateways[mode] = await startGateway(
        [stack.chatService.authService.app.port],
        { ...env, PROFILES_GRPC_ADDR: `127.0.0.1:${stack.profilesService.app.port}` },
        [stack.chatService.app.port],
      );
    }
  });
  afterAll(async () => {
    for (const gateway of Object.values(gateways)) await gateway.stop();
  });

  const INTROSPECTION = '{ __schema { queryType { name } } }';
  const TYPE = '{ __type(name: "User") { name } }';
  const graphiqlPage = (port: number) =>
    fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });

  it('answers introspection and serves GraphiQL in development, and not in production unless switched on', async () => {
    const expected = {
      development: true,
      production: false,
      'production, switched on': true,
      'development, switched off': false,
    };
    for (const [mode, on] of Object.entries(expected)) {
      const port = gateways[mode]!.port;
      for (const query of [INTROSPECTION, TYPE]) {
        const res = await post(port, query);
        if (on) {
          expect(res.errors, mode).toBeUndefined();
        } else {
          expect(res.status, mode).toBe(400);
          expect(res.errors?.[0]?.message, mode).toMatch(/^GraphQL introspection has been disabled/);
        }
      }
      // __typename is no introspection: the web client asks for it everywhere.
      expect((await post(port, '{ __typename }')).data, mode).toEqual({ __typename: 'Query' });
      const page = await graphiqlPage(port);
      const html = await page.text();
      if (on) {
        expect(page.status, mode).toBe(200);
        expect(page.headers.get('content-type'), mode).toMatch(/^text\/html/);
        expect(html, mode).toContain('YogaGraphiQL');
      } else {
        expect(page.headers.get('content-type') ?? '', mode).not.toMatch(/^text\/html/);
        expect(html, mode).not.toContain('YogaGraphiQL');
      }
    }
    // Over graphql-ws as well.
    const a = await stack.user('docprod');
    for (const [mode, on] of Object.entries(expected)) {
      const { client } = wsClient(gateways[mode]!.port, a.token);
      const res = await overWs(client, INTROSPECTION);
      if (on) expect(res.result?.data, mode).toEqual({ __schema: { queryType: { name: 'Query' } } });
      else expect(res.errors?.[0]?.message, mode).toMatch(/^GraphQL introspection has been disabled/);
    }
  });

  it('hides "Did you mean" in a subscription\'s variable errors over graphql-ws', async () => {
    const a = await stack.user('docsubsug');
    const { client } = wsClient(gateways.development!.port, a.token);
    const answer = await overWs(
      client,
      'subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) { __typename } }',
      { resume: [{ chatId: '00000000-0000-4000-8000-000000000000', aftrSeq: 1 }] },
    );
    const message = (answer.errors ?? answer.result?.errors ?? []).map((e) => e.message).join('\n');
    expect(message).toMatch(/aftrSeq/);
    expect(message).not.toMatch(/Did you mean/);
  });

  it('hides "Did you mean" in every mode unless switched on, in validation and variable errors, over HTTP and graphql-ws', async () => {
    const a = await stack.user('docsug');
    // Each with the name a suggestion would reveal (an input field's error names the required
    // field that is missing anyway, so only the suggestion itself is looked for there).
    const misspelt = [
      ['field', '{ me { usernam } }', {}, '"username"'],
      ['argument', '{ searchUsers(query: "x", frist: 5) { id } }', {}, '"first"'],
      [
        'input field',
        REGISTER,
        { input: { emial: 'a@example.com', username: 'abcdef', password: 'long enough password' } },
        'Did you mean',
      ],
    ] as const;
    for (const [mode, gateway] of Object.entries(gateways)) {
      const shown = mode === 'production, switched on';
      const { client } = wsClient(gateway.port, a.token);
      for (const [what, query, variables, revealed] of misspelt) {
        const overHttp = await post(gateway.port, query, variables, a.token);
        const overSocket = await overWs(client, query, variables);
        const messages = [overHttp.errors, overSocket.errors ?? overSocket.result?.errors].map((errors) =>
          (errors ?? []).map((e) => e.message).join('\n'),
        );
        for (const message of messages) {
          expect(message, `${mode}: ${what}`).not.toBe('');
          if (shown) expect(message, `${mode}: ${what}`).toMatch(/Did you mean/);
          else expect(message, `${mode}: ${what}`).not.toMatch(/Did you mean/);
          if (!shown) expect(message, `${mode}: ${what}`).not.toContain(revealed);
        }
      }
    }
  });
});
