import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { deliveriesOf, expectClean, idsOf, seqsOf, sorted, useDeliverCalls } from './deliver-helpers.js';
import { devices, direct, group, send, users } from './helpers.js';
import { atSeq, is, kindsOf, loggedOf, messageOf, receiptOf, typingOf, withBody } from './stream-helpers.js';

// Deliver while the subscribers' memberships change: added, removed, a new group.

const { deliverOn } = useDeliverCalls();

describe('Deliver', () => {
  const svc = useChatService('chat_deliver_members');

  describe('membership changes while subscribed', () => {
    it('a user added to a group gets ChatUpdated, then the chat’s events', async () => {
      const [owner, member, newcomer] = await users(svc, 3);
      const chat = await group(svc, owner!, [member!]);
      await send(svc, owner!, chat.id, 'before 1');
      await send(svc, member!, chat.id, 'before 2');
      const call = deliverOn(svc);
      const mine = call.add(owner!);
      const theirs = [call.add(newcomer!), call.add(newcomer!)];
      expect((await theirs[0]!.snapshot()).chats).toEqual([]);
      await Promise.all([mine, ...theirs].map((s) => s.snapshot()));

      await svc.chat.addMembers({ chatId: chat.id, userIds: [newcomer!.id] }, owner!.md); // 3
      await send(svc, member!, chat.id, 'after 1'); // 4
      await send(svc, owner!, chat.id, 'after 2'); // 5
      for (const subscriber of theirs) {
        const events = await subscriber.until((e) => receiptOf(e)?.userId === owner!.id && e.chatId === chat.id);
        expect(kindsOf(events, chat.id)).toEqual([
          ['chatUpdated', 3],
          ['messageCreated', 4],
          ['readReceipt', 0],
          ['messageCreated', 5],
          ['readReceipt', 0],
        ]);
        expect(events).toHaveLength(5);
        expect(receiptOf(events[2]!)).toEqual({ userId: member!.id, lastReadSeq: 4 });
      }
      await mine.until(atSeq(chat.id, 5));
      expect(seqsOf(mine, chat.id)).toEqual([3, 4, 5]);
      expect(sorted(deliveriesOf(call, chat.id, 3).flatMap((d) => d.subscribers))).toEqual(idsOf([mine, ...theirs]));
      expectClean(call, [mine, ...theirs]);
    });

    it('a removed member gets RemovedFromChat and nothing of the chat after it, on every subscriber', async () => {
      const [owner, member, newcomer] = await users(svc, 3);
      const gone = await devices(svc, 2);
      const chat = await group(svc, owner!, [member!, gone[0]!]);
      const other = await direct(svc, gone[0]!, member!);
      const call = deliverOn(svc);
      // Two subscribers of one session and one of another.
      const goneSubs = [call.add(gone[0]!), call.add(gone[0]!), call.add(gone[1]!)];
      const stay = [call.add(owner!), call.add(member!)];
      await Promise.all([...goneSubs, ...stay].map((s) => s.snapshot()));

      await send(svc, owner!, chat.id, 'seen'); // 1
      const removal = await svc.chat.removeMember({ chatId: chat.id, userId: gone[0]!.id }, owner!.md); // 2
      expect(removal.chat!.lastSeq).toBe(2);
      const after = await send(svc, member!, chat.id, 'not for them'); // 3
      await svc.chat.editMessage({ messageId: after.id, body: 'still not' }, member!.md); // 4
      await svc.chat.setTyping({ chatId: chat.id, typing: true }, member!.md);
      await svc.chat.markRead({ chatId: chat.id, seq: 100 }, owner!.md);
      await svc.chat.addMembers({ chatId: chat.id, userIds: [newcomer!.id] }, owner!.md); // 5
      await send(svc, member!, other.id, 'marker');

      for (const subscriber of goneSubs) {
        await subscriber.until(withBody('marker'));
        expect(kindsOf(subscriber.events, chat.id)).toEqual([
          ['messageCreated', 1],
          ['readReceipt', 0],
          ['removedFromChat', 2],
        ]);
      }
      await stay[0]!.until(atSeq(chat.id, 5));
      await stay[1]!.until(withBody('marker'));
      for (const subscriber of stay) {
        expect(loggedOf(subscriber.events, chat.id).map((e) => [e.kind?.$case, e.seq])).toEqual([
          ['messageCreated', 1],
          ['chatUpdated', 2],
          ['messageCreated', 3],
          ['messageEdited', 4],
          ['chatUpdated', 5],
        ]);
      }
      // The removal: RemovedFromChat in one Delivery for the removed, ChatUpdated in one for the others.
      const removalDeliveries = deliveriesOf(call, chat.id, 2).map((d) => [d.event.kind?.$case, sorted(d.subscribers)]);
      expect(new Map(removalDeliveries as [string, number[]][])).toEqual(
        new Map([
          ['removedFromChat', idsOf(goneSubs)],
          ['chatUpdated', idsOf(stay)],
        ]),
      );
      expect(removalDeliveries).toHaveLength(2);
      // Typing went to the owner only: the typist does not see their own, the removed see nothing.
      expect(deliveriesOf(call, chat.id, (e) => typingOf(e) !== undefined).map((d) => d.subscribers)).toEqual([
        [stay[0]!.id],
      ]);
      expectClean(call, [...goneSubs, ...stay]);
    });

    it('a new group with a subscribed member is announced as ChatUpdated at seq 0, and its messages follow', async () => {
      const [creator, a, b, outsider] = await users(svc, 4);
      const call = deliverOn(svc);
      const members = [call.add(creator!), call.add(a!), call.add(a!), call.add(b!)];
      const stranger = call.add(outsider!);
      await Promise.all([...members, stranger].map((s) => s.snapshot()));

      const chat = await group(svc, creator!, [a!, b!], 'fresh');
      await send(svc, creator!, chat.id, 'first');
      await send(svc, a!, chat.id, 'second');
      for (const subscriber of members) {
        await subscriber.until(atSeq(chat.id, 2));
        await subscriber.until((e) => receiptOf(e)?.userId === a!.id);
        const events = subscriber.events.filter((e) => e.chatId === chat.id);
        // The announcement first; then the log, each once in order; receipts are live (seq 0).
        expect(events[0]).toEqual({
          chatId: chat.id,
          seq: 0,
          kind: { $case: 'chatUpdated', chatUpdated: {} },
          // Live events carry their commit time (the gateway's delivery-latency metric).
          committedAt: expect.any(Date) as Date,
        });
        expect(loggedOf(events, chat.id).map((e) => messageOf(e)?.body)).toEqual(['first', 'second']);
        expect(events.filter(is('readReceipt')).map(receiptOf)).toEqual([
          { userId: creator!.id, lastReadSeq: 1 },
          { userId: a!.id, lastReadSeq: 2 },
        ]);
        expect(events).toHaveLength(5);
      }
      expect(stranger.events).toEqual([]);
      expectClean(call, [...members, stranger]);
    });
  });
});
