import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { as } from '../../../test/support/auth.js';
import { useStack } from '../../../test/support/stack.js';
import { ME, get, overWs, post, registration, wsClient, type ErrorShape } from './helpers.js';

// The default limits on documents (gateway/src/defence/documents.ts), and the room they leave
// for the web client's operations and the largest legitimate request.

const stack = useStack('gw_documents_limits');

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
  const source = readFileSync(new URL('../../../web/src/api/operations.ts', import.meta.url), 'utf8');
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
