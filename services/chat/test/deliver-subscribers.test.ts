import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testKeys, testSigner } from '../../../test/support/keys.js';
import type { ServiceClient } from '../../../lib/grpc/client.js';
import { chatClient, startChat, useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import type { ChatServiceClient } from '../../../proto/gen/chat/v1/chat.js';
import { loadChatConfig } from '../src/config.js';
import { deliveriesOf, expectClean, idsOf, seqsOf, sorted, useDeliverCalls } from './deliver-helpers.js';
import { devices, direct, group, send, users } from './helpers.js';
import { kindsOf, messageOf, withBody } from './stream-helpers.js';

// Deliver: subscribers come and go on one call. Refused adds, removals and re-adds, the bound on
// subscribers per call, and how subscribers end: a revoked session, the instance stopping.

const { deliverOn } = useDeliverCalls();

describe('Deliver', () => {
  const svc = useChatService('chat_deliver_subs');

  describe('refusals', () => {
    it('refuses bad tokens with UNAUTHENTICATED and bad cursors with INVALID_ARGUMENT; the call goes on', async () => {
      const [me, other] = await users(svc, 2);
      const chat = await direct(svc, me!, other!);
      const call = deliverOn(svc);
      const good = call.add(me!);
      await good.snapshot();
      const stranger = await (await testSigner(testKeys())).sign({ userId: me!.id, sessionId: me!.sessionId }, 60_000);
      const badTokens = [
        call.add({ authorization: '' }),
        call.add({ authorization: 'Bearer garbage' }),
        call.add({ authorization: me!.token }), // no scheme
        call.add({ authorization: `Basic ${me!.token}` }),
        call.add({ id: me!.id, token: stranger.token }), // signed with another key
      ];
      for (const subscriber of badTokens) expect(await subscriber.ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
      const badCursors = [
        call.add(me!, [{ chatId: 'nope', seq: 1 }]),
        call.add(me!, [{ chatId: '', seq: 0 }]),
        call.add(me!, [{ chatId: chat.id, seq: -1 }]),
        call.add(me!, [
          { chatId: chat.id, seq: 0 },
          { chatId: randomUUID(), seq: -5 },
        ]),
      ];
      for (const subscriber of badCursors) expect(await subscriber.ended()).toMatchObject({ code: 'INVALID_ARGUMENT' });
      // A well-formed cursor for a chat the user is not in is ignored, as Subscribe ignores it.
      const ignored = call.add(me!, [{ chatId: randomUUID(), seq: 3 }]);
      expect((await ignored.snapshot()).chats).toEqual([{ chatId: chat.id, seq: 0 }]);

      await send(svc, other!, chat.id, 'still here');
      for (const subscriber of [good, ignored]) {
        await subscriber.until(withBody('still here'));
        expect(kindsOf(subscriber.events, chat.id)).toEqual([
          ['messageCreated', 1],
          ['readReceipt', 0],
        ]);
      }
      for (const subscriber of [...badTokens, ...badCursors]) {
        expect(subscriber.events).toEqual([]);
        expect(subscriber.endings).toHaveLength(1);
      }
      expectClean(call, [good, ignored, ...badTokens, ...badCursors]);
    });

    it('ends the call with INVALID_ARGUMENT when an id already on it is added again', async () => {
      const [me, other] = await users(svc, 2);
      const call = deliverOn(svc);
      const first = call.add(me!);
      await first.snapshot();
      // The same id again, as another user even: the caller lost track of its ids, and an answer
      // naming the id could not say which subscriber it is about.
      call.send({ kind: { $case: 'add', add: { id: first.id, authorization: `Bearer ${other!.token}`, resume: [] } } });
      const end = await call.ended();
      expect(end.code).toBe('INVALID_ARGUMENT');
      expect(end.details).toContain('already on this call');
    });
  });

  describe('remove', () => {
    it('after RemoveSubscriber its id gets nothing more while the others do; the id can be added again', async () => {
      const [owner, x, y] = await users(svc, 3);
      const chat = await group(svc, owner!, [x!, y!]);
      const call = deliverOn(svc);
      const [x1, x2, y1] = [call.add(x!), call.add(x!), call.add(y!)];
      await Promise.all([x1, x2, y1].map((s) => s.snapshot()));
      await send(svc, owner!, chat.id, 'one'); // 1
      await Promise.all([x1, x2, y1].map((s) => s.until(withBody('one'))));

      await call.remove(x1);
      const removedSaw = x1.events.length;
      await send(svc, owner!, chat.id, 'two'); // 2
      await Promise.all([x2, y1].map((s) => s.until(withBody('two'))));
      await call.fence(); // anything still meant for x1 has come by now
      expect(x1.events).toHaveLength(removedSaw);
      expect(sorted(deliveriesOf(call, chat.id, 2).flatMap((d) => d.subscribers))).toEqual(idsOf([x2, y1]));
      expect(call.protocolErrors).toEqual([]); // nothing named the removed id

      // Added again under the same id, from its cursor: the missed message once, then live.
      const back = call.add(x!, x1.cursors(), { id: x1.id });
      expect((await back.snapshot()).chats).toEqual([{ chatId: chat.id, seq: 2 }]);
      await send(svc, owner!, chat.id, 'three'); // 3
      await Promise.all([back, x2, y1].map((s) => s.until(withBody('three'))));
      expect(seqsOf(back, chat.id)).toEqual([2, 3]);
      for (const subscriber of [x2, y1]) expect(seqsOf(subscriber, chat.id)).toEqual([1, 2, 3]);
      expect(seqsOf(x1, chat.id)).toEqual([1]);
      expectClean(call, [x1, x2, y1, back]);
    });

    it('an id removed while its add is still being verified, and at once added again, is the new add’s', async () => {
      const [a, b, friendOfA, friendOfB] = await users(svc, 4);
      const chatOfA = await direct(svc, a!, friendOfA!);
      // Made by the friend: b's session is not in chat-service's cache (a's is), so b's check is the slower.
      const chatOfB = await direct(svc, friendOfB!, b!);
      const call = deliverOn(svc);
      // add 7 as a, remove 7, add 7 as b, written back to back: the gateway reused an id it freed.
      call.send({ kind: { $case: 'add', add: { id: 7, authorization: `Bearer ${a!.token}`, resume: [] } } });
      call.send({ kind: { $case: 'remove', remove: { id: 7 } } });
      const seven = call.add(b!, [], { id: 7 });
      const whose = (chatId: string) =>
        chatId === chatOfA.id ? 'a’s chat' : chatId === chatOfB.id ? 'b’s chat' : chatId;
      expect((await seven.snapshot()).chats.map((c) => whose(c.chatId))).toEqual(['b’s chat']);
      await send(svc, friendOfA!, chatOfA.id, 'for a only');
      await send(svc, friendOfB!, chatOfB.id, 'for b');
      await seven.until(withBody('for b'));
      expect(seven.events.filter((e) => e.chatId === chatOfA.id)).toEqual([]);
      expectClean(call, [seven]);
    });

    it('an id whose add is refused after it was removed, and at once added again, is the new add’s', async () => {
      const [gone, b, friendOfB] = await users(svc, 3);
      // Made by the friend: b's session is not in chat-service's cache, so its check asks auth-service.
      const chatOfB = await direct(svc, friendOfB!, b!);
      // A signed, unexpired token of a logged-out session: refused only once auth-service has been
      // asked (first), so the remove and the new add are handled while its check is under way.
      await svc.authService.auth.logout({}, gone!.md);
      const call = deliverOn(svc);
      call.send({ kind: { $case: 'add', add: { id: 8, authorization: `Bearer ${gone!.token}`, resume: [] } } });
      call.send({ kind: { $case: 'remove', remove: { id: 8 } } });
      const eight = call.add(b!, [], { id: 8 });
      expect((await eight.snapshot()).chats).toEqual([{ chatId: chatOfB.id, seq: 0 }]);
      await send(svc, friendOfB!, chatOfB.id, 'for b');
      await eight.until(withBody('for b'));
      expect(eight.endings).toEqual([]);
      expectClean(call, [eight]);
    });
  });

  describe('revocation', () => {
    it('ends only the subscribers of a revoked session, with UNAUTHENTICATED', async () => {
      const sessions = await devices(svc, 3);
      const [friend] = await users(svc, 1);
      const chat = await direct(svc, friend!, sessions[0]!);
      const call = deliverOn(svc);
      const loggedOut = [call.add(sessions[0]!), call.add(sessions[0]!)];
      const kept = call.add(sessions[1]!);
      const revoked = call.add(sessions[2]!);
      const bystander = call.add(friend!);
      const all = [...loggedOut, kept, revoked, bystander];
      await Promise.all(all.map((s) => s.snapshot()));
      await send(svc, friend!, chat.id, 'before');
      await Promise.all([...loggedOut, kept, revoked].map((s) => s.until(withBody('before'))));

      await svc.authService.auth.logout({}, sessions[0]!.md);
      for (const subscriber of loggedOut)
        expect(await subscriber.ended(3_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
      // Revoked from another of the user's sessions.
      await svc.authService.auth.revokeSession({ sessionId: sessions[2]!.sessionId }, sessions[1]!.md);
      expect(await revoked.ended(3_000)).toMatchObject({ code: 'UNAUTHENTICATED' });

      await send(svc, friend!, chat.id, 'after');
      for (const subscriber of [kept, bystander]) await subscriber.until(withBody('after'));
      for (const subscriber of [kept, bystander]) expect(subscriber.endings).toEqual([]);
      // The call is ordered: had the ended subscribers been sent 'after', it would have come by now.
      for (const subscriber of [...loggedOut, revoked]) {
        expect(subscriber.events.map((e) => messageOf(e)?.body).filter(Boolean)).toEqual(['before']);
        expect(subscriber.endings).toHaveLength(1);
      }
      // The logged-out token is refused from now on; the same user's other session still works.
      const again = call.add(sessions[0]!);
      expect(await again.ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
      const another = call.add(sessions[1]!);
      expect((await another.snapshot()).chats).toEqual([{ chatId: chat.id, seq: 2 }]);
      expectClean(call, [...all, again, another]);
    });
  });

  describe('shutdown', () => {
    /** Runs `test` against an instance of its own on the same database; `stop` stops it (once). */
    async function withInstance(
      test: (stop: () => Promise<void>, client: ServiceClient<ChatServiceClient>) => Promise<void>,
    ) {
      const two = await startChat(
        loadChatConfig({
          CHAT_GRPC_LISTEN: '127.0.0.1:0',
          CHAT_DATABASE_URL: svc.db.url,
          AUTH_GRPC_ADDR: `127.0.0.1:${svc.authService.app.port}`,
        }),
      );
      const client = chatClient(two.port);
      const closeClient = leftover(() => client.close());
      try {
        await test(() => two.stop(), client);
      } finally {
        await closeClient();
        await two.stop();
      }
    }

    it('ends the call and its subscribers with UNAVAILABLE at once when the instance stops', async () => {
      await withInstance(async (stop, client) => {
        const [a, b] = await users(svc, 2);
        const chat = await direct(svc, a!, b!);
        const call = deliverOn(svc, client);
        const subscribers = [call.add(a!), call.add(a!), call.add(b!)];
        await Promise.all(subscribers.map((s) => s.snapshot()));
        await client.unary.sendMessage({ chatId: chat.id, body: 'hi', clientMessageId: 'hi' }, a!.md);
        await Promise.all(subscribers.map((s) => s.until(withBody('hi'))));

        const started = Date.now();
        const stopped = stop();
        // UNAVAILABLE so that the gateway resumes elsewhere; at once, not when the grace of
        // server.stop (3 s) runs out and the call is cancelled.
        const end = await call.ended(2_500);
        expect(end.code).toBe('UNAVAILABLE');
        expect(end.details).toContain('shutting down');
        expect(Date.now() - started).toBeLessThan(1_500);
        await call.drained();
        // Each subscriber ended with the call, or by a SubscriberEnded of its own: as UNAVAILABLE either way.
        for (const subscriber of subscribers) {
          expect(subscriber.endings.filter((e) => e.code !== 'UNAVAILABLE')).toEqual([]);
          expect(kindsOf(subscriber.events, chat.id)).toEqual([
            ['messageCreated', 1],
            ['readReceipt', 0],
          ]);
        }
        await stopped;
        expectClean(call, subscribers);
      });
    });
  });
});

describe('Deliver with at most 3 subscribers per call', () => {
  const svc = useChatService('chat_deliver_max', { limits: { maxSubscribers: 3 } });

  it('refuses a 4th subscriber with RESOURCE_EXHAUSTED; a removed or refused one frees its place', async () => {
    const [a, b, c, d] = await users(svc, 4);
    const call = deliverOn(svc);
    const three = [call.add(a!), call.add(b!), call.add(c!)];
    await Promise.all(three.map((s) => s.snapshot()));
    const fourth = call.add(d!);
    expect(await fourth.ended()).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    // Counted before the token is looked at.
    const invalid = call.add({ authorization: 'Bearer garbage' });
    expect(await invalid.ended()).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });

    await call.remove(three[0]!);
    const refused = call.add({ authorization: 'Bearer garbage' });
    expect(await refused.ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const instead = call.add(d!);
    await instead.snapshot();
    expect(await call.add(a!).ended()).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });

    // The bound is per call.
    const other = deliverOn(svc);
    const more = [other.add(a!), other.add(b!), other.add(d!)];
    await Promise.all(more.map((s) => s.snapshot()));
    expect(three[1]!.endings).toEqual([]);
    expectClean(other, more);
  });
});
