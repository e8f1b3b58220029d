import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import {
  deliveriesOf,
  expectClean,
  idsOf,
  seqsOf,
  sorted,
  useDeliverCalls,
  type DeliverSubscriber,
} from './deliver-helpers.js';
import { bulkLog, devices, direct, group, groupOf, loggedSeqs, range, send, storedLog, users } from './helpers.js';
import { asLog, atSeq, is, kindsOf, loggedOf, receiptOf, typingOf, withBody } from './stream-helpers.js';

// Deliver: many subscribers over one call, each verified with its own token and given, per chat,
// every logged event exactly once in seq order; each event sent once per call, naming its
// recipients. Here: fan-out, replay beside live, and live-only events. Against a real
// chat-service and auth-service, with their own databases (as every deliver-*.test.ts).

const { deliverOn } = useDeliverCalls();

describe('Deliver', () => {
  const svc = useChatService('chat_deliver_fanout');

  describe('fan-out over one call', () => {
    it('5 devices of one user and 20 users: every event of concurrent writers once, in seq order; a quiet message is ONE Delivery', async () => {
      const phones = await devices(svc, 5);
      const people = await users(svc, 20);
      const outsiders = await users(svc, 2);
      const me = phones[0]!.id;
      const [owner, ...rest] = people;
      const big = await groupOf(svc, owner!, [me, ...rest.map((p) => p.id)], 'big');
      // A second chat of some of them, written at the same time: per chat, its own order.
      const small = await groupOf(svc, owner!, [me, ...rest.slice(0, 5).map((p) => p.id)], 'small');
      const theirs = await direct(svc, outsiders[0]!, outsiders[1]!);

      const call = deliverOn(svc);
      await call.headers(); // before any subscriber: the server took the call
      const phoneSubs = phones.map((phone) => call.add(phone));
      const peopleSubs = people.map((person) => call.add(person));
      const outsiderSubs = outsiders.map((outsider) => call.add(outsider));
      const members = [...phoneSubs, ...peopleSubs];
      const smallMembers = [...phoneSubs, ...peopleSubs.slice(0, 6)];
      await Promise.all([...members, ...outsiderSubs].map((s) => s.snapshot()));
      expect(new Map((await phoneSubs[4]!.snapshot()).chats.map((c) => [c.chatId, c.seq]))).toEqual(
        new Map([
          [big.id, 0],
          [small.id, 0],
        ]),
      );

      // 4 concurrent writers, 20 messages each in bursts of 5, an edit each, and 4 messages each in `small`.
      const writers = people.slice(0, 4);
      await Promise.all(
        writers.map(async (writer, w) => {
          for (let i = 0; i < 20; i += 5) {
            const [burst] = await Promise.all([
              Promise.all(range(5).map((n) => send(svc, writer, big.id, `w${w} m${i + n}`))),
              send(svc, writer, small.id, `w${w} s${i}`),
            ]);
            if (i === 10) await svc.chat.editMessage({ messageId: burst[0]!.id, body: 'edited' }, writer.md);
          }
        }),
      );
      const bigLast = 4 * 20 + 4;
      expect(await loggedSeqs(svc, big.id)).toEqual(range(bigLast));
      expect(await loggedSeqs(svc, small.id)).toEqual(range(16));
      const stored = await storedLog(svc, big.id);

      for (const subscriber of members) {
        await subscriber.until(atSeq(big.id, bigLast), 15_000);
        expect(seqsOf(subscriber, big.id)).toEqual(range(bigLast));
        expect(asLog(loggedOf(subscriber.events, big.id))).toEqual(stored);
        expect(loggedOf(subscriber.events, big.id).filter(is('messageEdited'))).toHaveLength(4);
      }
      for (const subscriber of smallMembers) {
        await subscriber.until(atSeq(small.id, 16), 15_000);
        expect(seqsOf(subscriber, small.id)).toEqual(range(16));
      }
      // Not a member of `small`: not even its read receipts.
      for (const subscriber of peopleSubs.slice(6)) expect(kindsOf(subscriber.events, small.id)).toEqual([]);
      // Each logged event went to every member subscriber exactly once over the call's Deliveries
      // (a subscriber that was filling a gap gets it in a Delivery of its own), and to no one else.
      for (const seq of range(bigLast)) {
        expect(sorted(deliveriesOf(call, big.id, seq).flatMap((d) => d.subscribers))).toEqual(idsOf(members));
      }
      for (const seq of range(16)) {
        expect(sorted(deliveriesOf(call, small.id, seq).flatMap((d) => d.subscribers))).toEqual(idsOf(smallMembers));
      }

      // Quiet now: one message is ONE Delivery naming every member subscriber (and its read receipt one more).
      await call.fence(); // the last receipts of the bursts are in
      const before = call.deliveries.length;
      await send(svc, people[7]!, big.id, 'once');
      await Promise.all(members.map((s) => s.until(withBody('once'))));
      await Promise.all(members.map((s) => s.until(atSeq(big.id, bigLast + 1))));
      const once = deliveriesOf(call, big.id, bigLast + 1);
      expect(once).toHaveLength(1);
      expect(sorted(once[0]!.subscribers)).toEqual(idsOf(members));
      await send(svc, outsiders[0]!, theirs.id, 'marker'); // all that came before it has come
      await Promise.all(outsiderSubs.map((s) => s.until(withBody('marker'))));
      const receipts = deliveriesOf(call, big.id, (e) => receiptOf(e)?.userId === people[7]!.id);
      expect(receipts.map((d) => sorted(d.subscribers))).toEqual([idsOf(members)]);
      expect(call.deliveries.length - before).toBe(2 + 2); // message + receipt; marker + its receipt
      for (const subscriber of outsiderSubs) {
        expect(subscriber.events.filter((e) => e.chatId !== theirs.id)).toEqual([]);
      }
      expectClean(call, [...members, ...outsiderSubs]);
    });
  });

  describe('replay and live on one call', () => {
    it('subscribers added with old cursors while others get live messages: each gets exactly its sequence', async () => {
      const [owner, watcher, writer, reader] = await users(svc, 4);
      const phones = await devices(svc, 2);
      const chat = await groupOf(svc, owner!, [watcher!.id, writer!.id, reader!.id, phones[0]!.id]);
      const old = 600; // more than a replay page (500)
      await bulkLog(svc, chat.id, owner!.id, old);

      const call = deliverOn(svc);
      const live = [call.add(owner!), call.add(watcher!)];
      for (const subscriber of live) {
        expect((await subscriber.snapshot()).chats).toEqual([{ chatId: chat.id, seq: old }]);
      }
      // Live messages while three subscribers join with cursors: from the start, from the middle
      // of the log, and one more after a few live messages (its replay then overlaps them too).
      let late: DeliverSubscriber | undefined;
      let replayers: DeliverSubscriber[] = [];
      const liveCount = 40;
      for (let i = 0; i < liveCount; i += 4) {
        const burst = Promise.all(range(4).map((n) => send(svc, writer!, chat.id, `live ${i + n}`)));
        if (i === 0) {
          replayers = [
            call.add(reader!, [{ chatId: chat.id, seq: 0 }]),
            call.add(phones[0]!, [{ chatId: chat.id, seq: 250 }]),
          ];
        }
        if (i === 12) late = call.add(phones[1]!, [{ chatId: chat.id, seq: 10 }]);
        await burst;
      }
      const last = old + liveCount;
      expect(await loggedSeqs(svc, chat.id)).toEqual(range(last));

      for (const subscriber of [...live, ...replayers, late!]) await subscriber.until(atSeq(chat.id, last), 15_000);
      for (const subscriber of live) expect(seqsOf(subscriber, chat.id)).toEqual(range(liveCount).map((n) => old + n));
      expect(seqsOf(replayers[0]!, chat.id)).toEqual(range(last));
      expect(seqsOf(replayers[1]!, chat.id)).toEqual(range(last - 250).map((n) => 250 + n));
      expect(seqsOf(late!, chat.id)).toEqual(range(last - 10).map((n) => 10 + n));
      expect(asLog(loggedOf(replayers[0]!.events, chat.id))).toEqual(await storedLog(svc, chat.id));
      expectClean(call, [...live, ...replayers, late!]);
    });
  });

  describe('live-only events', () => {
    it('typing goes to the other members (not the typist’s subscribers), read receipts to every member', async () => {
      const typist = await devices(svc, 2);
      const [reader, other, outsider] = await users(svc, 3);
      const chat = await group(svc, reader!, [typist[0]!, other!]);
      await send(svc, reader!, chat.id, 'hello'); // 1
      const call = deliverOn(svc);
      const typistSubs = typist.map((device) => call.add(device));
      const others = [call.add(reader!), call.add(other!)];
      const stranger = call.add(outsider!);
      await Promise.all([...typistSubs, ...others, stranger].map((s) => s.snapshot()));

      await svc.chat.setTyping({ chatId: chat.id, typing: true }, typist[1]!.md);
      await svc.chat.markRead({ chatId: chat.id, seq: 1 }, other!.md);
      await send(svc, reader!, chat.id, 'marker'); // 2
      const typing = {
        chatId: chat.id,
        seq: 0,
        kind: { $case: 'typing', typing: { userId: typist[0]!.id, typing: true } },
        committedAt: expect.any(Date) as Date,
      };
      const receipt = {
        chatId: chat.id,
        seq: 0,
        kind: { $case: 'readReceipt', readReceipt: { userId: other!.id, lastReadSeq: 1 } },
        committedAt: expect.any(Date) as Date,
      };
      for (const subscriber of others) {
        const events = await subscriber.until(withBody('marker'));
        expect(events.slice(0, 2)).toEqual([typing, receipt]);
        expect(kindsOf(events, chat.id)).toEqual([
          ['typing', 0],
          ['readReceipt', 0],
          ['messageCreated', 2],
        ]);
      }
      for (const subscriber of typistSubs) {
        const events = await subscriber.until(withBody('marker'));
        expect(events[0]).toEqual(receipt);
        expect(kindsOf(events, chat.id)).toEqual([
          ['readReceipt', 0],
          ['messageCreated', 2],
        ]);
      }
      // Each went out once on the call, naming exactly its recipients.
      expect(deliveriesOf(call, chat.id, (e) => typingOf(e) !== undefined).map((d) => sorted(d.subscribers))).toEqual([
        idsOf(others),
      ]);
      expect(
        deliveriesOf(call, chat.id, (e) => receiptOf(e)?.userId === other!.id).map((d) => sorted(d.subscribers)),
      ).toEqual([idsOf([...typistSubs, ...others])]);
      expect(stranger.events).toEqual([]);
      expectClean(call, [...typistSubs, ...others, stranger]);
    });
  });
});
