import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { as, newAccount } from '../../../test/support/auth.js';
import { testKeys, testSigner } from '../../../test/support/keys.js';
import type { ServiceClient } from '../../../lib/grpc/client.js';
import { chatClient, ownChatClient, startChat, useChatService } from '../../../test/support/chat.js';
import type { ChatEvent, ChatServiceClient } from '../../../proto/gen/chat/v1/chat.js';
import { loadChatConfig } from '../src/config.js';
import { cancelAll, openDeliver, type DeliverCall, type DeliverSubscriber } from './deliver-helpers.js';
import { direct, group, loggedSeqs, range, send, sql, users, type ChatService, type TestUser } from './helpers.js';
import { is, loggedOf, messageOf, withBody } from './stream-helpers.js';

// Deliver: many subscribers over one call, each verified with its own token and given, per chat,
// every logged event exactly once in seq order; each event sent once per call, naming its
// recipients. Against a real chat-service and auth-service, with their own databases.

const open = new Set<DeliverCall>();
/** Run after each test, after its calls are cancelled (clients of a test's own). */
const onExit: (() => void)[] = [];
afterEach(async () => {
  await cancelAll(open);
  open.clear();
  for (const exit of onExit.splice(0)) exit();
});
const deliverOn = (svc: ChatService, client = svc.client) => {
  const call = openDeliver(client);
  open.add(call);
  return call;
};

/** One user signed in `count` times: a session (and token) per device. */
async function devices(svc: ChatService, count: number): Promise<TestUser[]> {
  const account = newAccount('dev');
  const registered = await svc.authService.auth.register(account, as());
  const logins = await Promise.all(
    range(count - 1).map(() =>
      svc.authService.auth.login({ email: account.email, password: account.password, userAgent: 'device' }, as()),
    ),
  );
  return [registered, ...logins].map(({ tokens }) => ({
    id: registered.user!.id,
    username: registered.user!.username,
    token: tokens!.accessToken,
    md: as(tokens!.accessToken),
    sessionId: tokens!.sessionId,
  }));
}

async function groupOf(svc: ChatService, owner: TestUser, memberIds: string[], title = 'group') {
  return (await svc.chat.createGroupChat({ title, memberIds }, owner.md)).chat!;
}

/** `count` messages of `senderId` written straight into the chat's log (seqs 1..count). */
async function bulkLog(svc: ChatService, chatId: string, senderId: string, count: number) {
  await sql(
    svc,
    `WITH m AS (
       INSERT INTO messages (id, chat_id, seq, sender_id, body, client_message_id, created_at)
       SELECT gen_random_uuid(), ?, s, ?, 'bulk ' || s, 'bulk-' || s, now() FROM generate_series(1, ?) s
       RETURNING id, seq)
     INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at)
     SELECT ?, seq, 'message_created', id, '{}', now() FROM m`,
    [chatId, senderId, count, chatId],
  );
  await sql(svc, 'UPDATE chats SET last_seq = ? WHERE id = ?', [count, chatId]);
}

/** The stored log of a chat as [seq, message id] pairs. */
async function storedLog(svc: ChatService, chatId: string) {
  const rows = await sql<{ seq: number; message_id: string | null }>(
    svc,
    'SELECT seq, message_id FROM chat_events WHERE chat_id = ? ORDER BY seq',
    [chatId],
  );
  return rows.map((row) => [row.seq, row.message_id ?? undefined]);
}
const asLog = (events: ChatEvent[]) => events.map((e) => [e.seq, messageOf(e)?.id]);

const seqsOf = (subscriber: DeliverSubscriber, chatId: string) => loggedOf(subscriber.events, chatId).map((e) => e.seq);
const kindsOf = (events: readonly ChatEvent[], chatId: string) =>
  events.filter((e) => e.chatId === chatId).map((e) => [e.kind?.$case, e.seq]);
const idsOf = (subscribers: DeliverSubscriber[]) => subscribers.map((s) => s.id).sort((a, b) => a - b);
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
/** The Deliveries that carried the event of `chatId` at `seq` (live events have seq 0: pass a predicate). */
const deliveriesOf = (call: DeliverCall, chatId: string, seq: number | ((event: ChatEvent) => boolean)) =>
  call.deliveries.filter((d) =>
    typeof seq === 'number'
      ? d.event.chatId === chatId && d.event.seq === seq
      : d.event.chatId === chatId && seq(d.event),
  );
const atSeq = (chatId: string, seq: number) => (e: ChatEvent) => e.chatId === chatId && e.seq === seq;
const typingOf = (event: ChatEvent) => (event.kind?.$case === 'typing' ? event.kind.typing : undefined);
const receiptOf = (event: ChatEvent) => (event.kind?.$case === 'readReceipt' ? event.kind.readReceipt : undefined);

function expectClean(call: DeliverCall, subscribers: DeliverSubscriber[]) {
  expect(call.protocolErrors).toEqual([]);
  for (const subscriber of subscribers) expect(subscriber.protocolErrors).toEqual([]);
}

describe('Deliver', () => {
  const svc = useChatService('chat_deliver');

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
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= two.stop());
      try {
        await test(stop, client);
      } finally {
        client.close();
        await stop();
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

describe('Deliver to a caller that stops reading', () => {
  const svc = useChatService('chat_deliver_slow', { limits: { maxBuffered: 50 } });

  it('ends the call with RESOURCE_EXHAUSTED; re-adding its subscribers from their cursors delivers the rest once', async () => {
    const [writer, r1, r2] = await users(svc, 3);
    const chat = await group(svc, writer!, [r1!, r2!]);
    // On a connection of its own, as a gateway's Deliver calls are: a paused stream holds up its
    // whole connection once the connection's flow-control window is full (HTTP/2).
    const ownClient = ownChatClient(svc.app.port);
    onExit.push(() => ownClient.close());
    const paused = deliverOn(svc, ownClient);
    const who = [writer!, r1!, r2!, r2!];
    const cut = who.map((user) => paused.add(user));
    const healthy = deliverOn(svc);
    const reading = healthy.add(r1!);
    await Promise.all([...cut, reading].map((s) => s.snapshot()));
    const baseline = svc.app.subscribers();
    expect(baseline).toBe(5);
    paused.call.pause();

    // Bodies of 2 KiB so that HTTP/2 flow control fills and responses wait in the service. Sent
    // until the call is cut, and a few bursts more: those the resumed subscribers must still get.
    const body = (i: number) => `${i} ${'x'.repeat(2_048)}`;
    let sentWhenCut: number | undefined;
    let total = 0;
    while (total < 250 && (sentWhenCut === undefined || total < sentWhenCut + 60)) {
      await Promise.all(range(10).map((n) => send(svc, writer!, chat.id, body(total + n))));
      total += 10;
      if (sentWhenCut === undefined && svc.app.subscribers() === baseline - cut.length) sentWhenCut = total;
    }
    // The whole call was given up after a bounded amount was buffered for it.
    expect(sentWhenCut).toBeDefined();
    expect(sentWhenCut).toBeLessThan(250);
    expect(total).toBe(sentWhenCut! + 60);
    // The other call, which reads, got everything.
    await reading.until(atSeq(chat.id, total), 10_000);
    expect(seqsOf(reading, chat.id)).toEqual(range(total));

    // The status trails what was already sent: read it, then the call ends.
    paused.call.resume();
    expect(await paused.ended(10_000)).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await paused.drained();
    const before = cut.map((s) => seqsOf(s, chat.id));
    for (const [i, seqs] of before.entries()) {
      expect(seqs).toEqual(range(seqs.length));
      expect(seqs.length).toBeLessThan(sentWhenCut!);
      expect(cut[i]!.endings).toEqual([]); // the call ended, not the subscribers one by one
    }
    const fresh = deliverOn(svc);
    const resumed = cut.map((s, i) => fresh.add(who[i]!, s.cursors()));
    for (const [i, subscriber] of resumed.entries()) {
      await subscriber.until(atSeq(chat.id, total), 10_000);
      expect([...before[i]!, ...seqsOf(subscriber, chat.id)]).toEqual(range(total));
    }
    expect(svc.app.subscribers()).toBe(1 + cut.length);
    expectClean(fresh, resumed);
  });

  it('replays several chats to a subscriber on a call with a small buffer', async () => {
    const [me, other] = await users(svc, 2);
    const chats = [await group(svc, other!, [me!], 'a'), await group(svc, other!, [me!], 'b')];
    // 14 missed events per chat: a page that stays under the stream's high-water mark (16).
    for (const chat of chats) await bulkLog(svc, chat.id, other!.id, 14);
    const call = deliverOn(svc);
    const subscriber = call.add(
      me!,
      chats.map((chat) => ({ chatId: chat.id, seq: 0 })),
    );
    await subscriber.snapshot();
    // Replayed in milliseconds when it works; 2 s is ample.
    for (const chat of chats) await subscriber.until(atSeq(chat.id, 14), 2_000);
    for (const chat of chats) expect(seqsOf(subscriber, chat.id)).toEqual(range(14));
    expectClean(call, [subscriber]);
  });
});
