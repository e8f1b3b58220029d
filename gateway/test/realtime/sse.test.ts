import { describe, expect, it } from 'vitest';
import { expiredAccessToken } from '../../../test/support/auth.js';
import { useRealtime, type Watch, type Account } from './helpers.js';

// chatEvents over HTTP as server-sent events, beside graphql-ws. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, connect, watch, watchSse, registered, live, users, group, send, rename } =
  useRealtime('gw_rt_sse');

describe('chatEvents over HTTP (server-sent events)', () => {
  const SSE_QUERY = 'subscription { chatEvents { __typename ... on MessageCreated { chatId seq message { body } } } }';

  it(
    'delivers a message live, and ends the subscription when the request is aborted',
    { timeout: 90_000 },
    async () => {
      const [a, b] = (await users(2, 'sse')) as [Account, Account];
      const chatId = (await stack.chatService.chat.getOrCreateDirectChat({ userId: b.id }, a.md)).chat!.id;
      const overGet = watchSse(b.token, SSE_QUERY, 'GET');
      const overPost = watchSse(a.token, SSE_QUERY, 'POST');
      await registered(2);
      await live([overGet, overPost], chatId, [a, b]);

      const seq = await send(a, chatId, 'over sse');
      for (const sse of [overGet, overPost]) {
        const res = await sse.response;
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      }
      await waitFor(
        () => overGet.created().length >= 1 && overPost.created().length >= 1,
        () => `the message on both streams: ${JSON.stringify([overGet.events(), overPost.events()])}`,
      );
      for (const sse of [overGet, overPost]) {
        expect(sse.problems()).toEqual([]);
        expect(sse.created()).toEqual([{ __typename: 'MessageCreated', chatId, seq, message: { body: 'over sse' } }]);
      }

      // Aborting the request ends the subscription at the gateway and at chat-service; the
      // other one goes on.
      overGet.abort();
      await overGet.ended();
      await registered(1);
      const second = await send(b, chatId, 'after the abort');
      await waitFor(
        () => overPost.created().length >= 2,
        () => `the second message: ${JSON.stringify(overPost.events())}`,
      );
      expect(overPost.created()[1]).toEqual({
        __typename: 'MessageCreated',
        chatId,
        seq: second,
        message: { body: 'after the abort' },
      });
      expect(overGet.created()).toHaveLength(1);
      overPost.abort();
      await overPost.ended();
      await registered(0);
    },
  );

  it(
    'shows current data in every event, as graphql-ws does (its look-ups start afresh per event)',
    {
      timeout: 90_000,
    },
    async () => {
      const [owner, viewer, other] = (await users(3, 'ssecur')) as [Account, Account, Account];
      const chatId = await group(owner, [viewer], 'current');
      const QUERY = `subscription { chatEvents { __typename
      ... on MessageCreated { chatId seq message { body sender { id profile { displayName } } } }
      ... on UserUpdated { user { id profile { displayName } } }
      ... on ChatUpdated { chatId seq chat { id unreadCount } } } }`;
      // The same selection of the same viewer over graphql-ws, where each event is rendered afresh.
      const subs = { sse: watchSse(viewer.token, QUERY), ws: watch(connect(viewer.token), QUERY) };
      await registered(2);
      await live([subs.sse, subs.ws], chatId, [owner]);
      const both = (check: (sub: Watch) => boolean, what: string) =>
        waitFor(
          () => check(subs.sse) && check(subs.ws),
          () => `${what}: ${JSON.stringify({ sse: subs.sse.events(), ws: subs.ws.events() })}`,
        );
      const displayNames = (sub: Watch) =>
        sub
          .events()
          .flatMap((e) =>
            e.__typename === 'MessageCreated'
              ? [`message ${e.message!.body}: ${e.message!.sender!.profile!.displayName}`]
              : e.__typename === 'UserUpdated'
                ? [`updated: ${e.user!.profile!.displayName}`]
                : [],
          );
      const unreadCounts = (sub: Watch) =>
        sub.events().flatMap((e) => (e.__typename === 'ChatUpdated' ? [e.chat!.unreadCount] : []));

      // The owner's name, then a new one: the events after the change show the new one.
      await send(owner, chatId, 'first');
      await both((sub) => sub.created().length === 1, 'the first message');
      await rename(owner, 'Owner Renamed');
      await both((sub) => sub.events().some((e) => e.__typename === 'UserUpdated'), 'UserUpdated');
      await send(owner, chatId, 'second');
      await both((sub) => sub.created().length === 2, 'the second message');

      // The viewer's unread count, then after reading: each ChatUpdated shows the count of its time.
      await stack.chatService.chat.addMembers({ chatId, userIds: [other.id] }, owner.md);
      await both((sub) => unreadCounts(sub).length === 1, 'the first ChatUpdated');
      const lastSeq = (await stack.chatService.chat.markRead({ chatId, seq: 1_000 }, viewer.md)).chat!.lastSeq;
      expect(lastSeq).toBeGreaterThan(0);
      await stack.chatService.chat.removeMember({ chatId, userId: other.id }, owner.md);
      await both((sub) => unreadCounts(sub).length === 2, 'the second ChatUpdated');

      const expected = {
        names: [`message first: ${owner.username}`, 'updated: Owner Renamed', 'message second: Owner Renamed'],
        unread: [2, 0],
      };
      expect({ names: displayNames(subs.ws), unread: unreadCounts(subs.ws) }, 'graphql-ws').toEqual(expected);
      expect({ names: displayNames(subs.sse), unread: unreadCounts(subs.sse) }, 'server-sent events').toEqual(expected);
      expect([...subs.sse.problems(), ...subs.ws.problems()]).toEqual([]);
    },
  );

  it('cannot be started with an expired or a missing token (UNAUTHENTICATED)', { timeout: 60_000 }, async () => {
    const a = await stack.user('sseexp');
    const expired = await expiredAccessToken(stack.chatService.authService.keys, a.id, a.sessionId);
    for (const [how, token, method] of [
      ['expired, GET', expired, 'GET'],
      ['missing, GET', undefined, 'GET'],
      ['expired, POST', expired, 'POST'],
      ['missing, POST', undefined, 'POST'],
    ] as const) {
      const sse = watchSse(token, SSE_QUERY, method);
      await sse.ended(); // the response ends by itself
      const results = sse.problems();
      expect(sse.events(), how).toEqual([]);
      expect(
        results.map((error) => (error as { extensions?: { code?: string } }).extensions?.code),
        how,
      ).toEqual(['UNAUTHENTICATED']);
      expect(stack.gateway.events.size(), how).toBe(0);
    }
    expect(stack.chatService.app.subscribers()).toBe(0);
  });
});
