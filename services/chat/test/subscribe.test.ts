import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { as, expiredAccessToken, newAccount } from '../../../test/support/auth.js';
import { useChatService } from '../../../test/support/chat.js';
import { ChatRole } from '../../../proto/gen/chat/v1/chat.js';
import { busyCursors, direct, group, send, users } from './helpers.js';
import { is, messageOf, receiptOf, typingOf, withBody, useStreams } from './stream-helpers.js';

// Live delivery: the snapshot, every kind of event, typing and its expiry, chats that appear
// while subscribed, other devices. Typing expires after 300 ms here so that expiry is quick, and
// a start may follow the last one after 100 ms (TYPING_MIN_INTERVAL; caps.test.ts holds its bound).

const TYPING_TTL_MS = 300;
const svc = useChatService('chat_subscribe', { typingTtlMs: TYPING_TTL_MS, env: { TYPING_MIN_INTERVAL: '100ms' } });
const { subscribe } = useStreams(svc);

describe('snapshot', () => {
  it('comes first and lists every chat of the caller with its lastSeq', async () => {
    const [me, a, b] = await users(svc, 3);
    const empty = await direct(svc, me!, a!);
    const busy = await group(svc, b!, [me!]);
    for (const i of [1, 2, 3]) await send(svc, b!, busy.id, `m${i}`);
    await svc.chat.addMembers({ chatId: busy.id, userIds: [a!.id] }, b!.md);
    await group(svc, a!, [b!]); // not mine
    const stream = subscribe(me!);
    const snapshot = await stream.snapshot();
    expect(new Map(snapshot.chats.map((c) => [c.chatId, c.seq]))).toEqual(
      new Map([
        [empty.id, 0],
        [busy.id, 4],
      ]),
    );
    expect(snapshot.chats).toHaveLength(2);
    // Chats without a cursor start live: nothing of the past is replayed.
    await send(svc, a!, empty.id, 'live');
    expect(await stream.next()).toMatchObject({ chatId: empty.id, seq: 1 });
    expect(stream.protocolErrors).toEqual([]);
  });

  it('is refused without a valid token and with malformed cursors; an expired token of an active session is fine', async () => {
    const [me] = await users(svc, 1);
    expect(await subscribe({ md: { metadata: callMetadata({}) } }).ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await subscribe({ md: as('garbage') }).ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await subscribe(me!, [{ chatId: 'nope', seq: 1 }]).ended()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await subscribe(me!, [{ chatId: randomUUID(), seq: -1 }]).ended()).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const expired = await expiredAccessToken(svc.authService.keys, me!.id, me!.sessionId);
    expect((await subscribe({ md: as(expired) }).snapshot()).chats).toEqual([]);
  });
});

describe('live events', () => {
  it('delivers messages, edits, deletes, member changes and read receipts to every member', async () => {
    const [a, b, c] = await users(svc, 3);
    const chat = await group(svc, a!, [b!]);
    const [sa, sb] = [subscribe(a!), subscribe(b!)];
    await Promise.all([sa.snapshot(), sb.snapshot()]);

    const m = await send(svc, a!, chat.id, 'hello');
    await svc.chat.editMessage({ messageId: m.id, body: 'hello!' }, a!.md);
    await svc.chat.markRead({ chatId: chat.id, seq: 2 }, b!.md);
    await svc.chat.addMembers({ chatId: chat.id, userIds: [c!.id] }, a!.md);
    await svc.chat.setMemberRole({ chatId: chat.id, userId: b!.id, role: ChatRole.CHAT_ROLE_ADMIN }, a!.md);
    await svc.chat.deleteMessage({ messageId: m.id }, b!.md);
    await svc.chat.removeMember({ chatId: chat.id, userId: c!.id }, b!.md);

    for (const stream of [sa, sb]) {
      const events = await stream.until(8);
      expect(events.map((e) => [e.kind?.$case, e.seq])).toEqual([
        ['messageCreated', 1],
        ['readReceipt', 0],
        ['messageEdited', 2],
        ['readReceipt', 0],
        ['chatUpdated', 3],
        ['chatUpdated', 4],
        ['messageDeleted', 5],
        ['chatUpdated', 6],
      ]);
      expect(messageOf(events[0]!)).toMatchObject({ id: m.id, body: 'hello', seq: 1, senderId: a!.id });
      expect(receiptOf(events[1]!)).toEqual({ userId: a!.id, lastReadSeq: 1 });
      expect(messageOf(events[2]!)).toMatchObject({ id: m.id, body: 'hello!', seq: 1 });
      expect(messageOf(events[2]!)?.editedAt).toBeInstanceOf(Date);
      expect(receiptOf(events[3]!)).toEqual({ userId: b!.id, lastReadSeq: 2 });
      expect(messageOf(events[6]!)).toMatchObject({ id: m.id, body: '', seq: 1 });
      expect(messageOf(events[6]!)?.deletedAt).toBeInstanceOf(Date);
    }
    // A refused change and a MarkRead that moves nothing announce nothing.
    await svc.chat.markRead({ chatId: chat.id, seq: 1 }, b!.md);
    await svc.chat.editMessage({ messageId: m.id, body: 'x' }, a!.md).catch(() => {});
    await send(svc, b!, chat.id, 'marker');
    const tail = await sa.until(withBody('marker'));
    expect(tail.slice(8).map((e) => e.kind?.$case)).toEqual(['messageCreated']);
  });

  it('delivers replies with their reply_to', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const stream = subscribe(b!);
    await stream.snapshot();
    const original = await send(svc, b!, chat.id, 'question');
    await send(svc, a!, chat.id, 'answer', { replyToId: original.id });
    const event = await stream.next(withBody('answer'));
    expect(messageOf(event)?.replyTo).toMatchObject({ id: original.id, body: 'question', senderId: b!.id });
  });
});

describe('typing', () => {
  it('goes to the other members, not the typist, and turns false after the TTL', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const [sa, sb] = [subscribe(a!), subscribe(b!)];
    await Promise.all([sa.snapshot(), sb.snapshot()]);

    const started = Date.now();
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, a!.md);
    expect(typingOf(await sb.next(is('typing', chat.id)))).toEqual({ userId: a!.id, typing: true });
    expect(typingOf(await sb.next(is('typing', chat.id), 3_000))).toEqual({ userId: a!.id, typing: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_TTL_MS - 20);

    // Explicitly stopping announces false at once; stopping when not typing announces nothing.
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, a!.md);
    await svc.chat.setTyping({ chatId: chat.id, typing: false }, a!.md);
    await svc.chat.setTyping({ chatId: chat.id, typing: false }, a!.md);
    await send(svc, b!, chat.id, 'marker');
    const events = await sb.until(withBody('marker'));
    expect(events.filter(is('typing')).map((e) => typingOf(e)?.typing)).toEqual([true, false, true, false]);
    await sa.until(withBody('marker'));
    expect(sa.events.filter(is('typing'))).toEqual([]);
  });

  it('a refresh within the TTL keeps it on without announcing false', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await group(svc, a!, [b!]);
    const sb = subscribe(b!);
    await sb.snapshot();
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, a!.md);
    await sb.next(is('typing', chat.id));
    // Refresh every third of the TTL for three TTLs, each refresh awaited before the next is due.
    const refreshes = 9;
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const timer = setInterval(() => {
        svc.chat.setTyping({ chatId: chat.id, typing: true }, a!.md).then(() => {
          if (++done === refreshes) {
            clearInterval(timer);
            resolve();
          }
        }, reject);
      }, TYPING_TTL_MS / 3);
    });
    expect(sb.events.filter(is('typing'))).toHaveLength(1);
    expect(typingOf(await sb.next(is('typing', chat.id), 3_000))?.typing).toBe(false);
  });
});

describe('chats that appear while subscribed', () => {
  it('a new chat starts streaming at seq 0, without resubscribing', async () => {
    const [me, a, b] = await users(svc, 3);
    const stream = subscribe(me!);
    await stream.snapshot();
    const chat = await group(svc, a!, [me!, b!]);
    expect(await stream.next()).toMatchObject({ chatId: chat.id, seq: 0, kind: { $case: 'chatUpdated' } });
    await send(svc, b!, chat.id, 'welcome');
    expect(messageOf(await stream.next(is('messageCreated')))).toMatchObject({ body: 'welcome', seq: 1 });
    const dm = await direct(svc, a!, me!);
    expect(await stream.next(is('chatUpdated'))).toMatchObject({ chatId: dm.id, seq: 0 });
    await send(svc, a!, dm.id, 'hi');
    expect(await stream.next(is('messageCreated'))).toMatchObject({ chatId: dm.id, seq: 1 });
  });

  it('being added starts streaming at the members_added seq; earlier events are not replayed', async () => {
    const [me, owner, other] = await users(svc, 3);
    const chat = await group(svc, owner!, [other!]);
    for (const i of [1, 2, 3]) await send(svc, other!, chat.id, `old ${i}`);
    const stream = subscribe(me!);
    await stream.snapshot();
    const { chat: after } = await svc.chat.addMembers({ chatId: chat.id, userIds: [me!.id] }, owner!.md);
    expect(after?.lastSeq).toBe(4);
    expect(await stream.next()).toMatchObject({ chatId: chat.id, seq: 4, kind: { $case: 'chatUpdated' } });
    await send(svc, other!, chat.id, 'new');
    const events = await stream.until(3);
    expect(events.map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['chatUpdated', 4],
      ['messageCreated', 5],
      ['readReceipt', 0],
    ]);
    // The history from before joining is there by query.
    expect((await svc.chat.listMessages({ chatId: chat.id }, me!.md)).messages).toHaveLength(4);
  });

  it('being added while the stream is busy: the messages that follow still arrive', async () => {
    const [me, owner] = await users(svc, 2);
    const chat = await group(svc, owner!, []);
    // The stream is still replaying 500 resumed chats while it is added and the message is sent.
    const stream = subscribe(me!, await busyCursors(svc, me!.id));
    await stream.snapshot();
    const { chat: joined } = await svc.chat.addMembers({ chatId: chat.id, userIds: [me!.id] }, owner!.md);
    await send(svc, owner!, chat.id, 'right after joining');
    await stream.until(withBody('right after joining'), 5_000);
    expect(stream.events.filter((e) => e.chatId === chat.id && e.seq > 0).map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['chatUpdated', joined!.lastSeq],
      ['messageCreated', joined!.lastSeq + 1],
    ]);
  });

  it('a member re-added after removal streams again', async () => {
    const [me, owner] = await users(svc, 2);
    const chat = await group(svc, owner!, [me!]);
    const stream = subscribe(me!);
    await stream.snapshot();
    await svc.chat.removeMember({ chatId: chat.id, userId: me!.id }, owner!.md);
    await send(svc, owner!, chat.id, 'while away');
    await svc.chat.addMembers({ chatId: chat.id, userIds: [me!.id] }, owner!.md);
    await send(svc, owner!, chat.id, 'back');
    const events = await stream.until(withBody('back'));
    expect(events.filter((e) => e.seq > 0).map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['removedFromChat', 1],
      ['chatUpdated', 3],
      ['messageCreated', 4],
    ]);
  });
});

describe('several devices', () => {
  it('the caller’s own messages from another session arrive on their stream', async () => {
    const account = newAccount('dev');
    const registered = await svc.authService.auth.register(account, as());
    const phone = await svc.authService.auth.login(
      { email: account.email, password: account.password, userAgent: 'phone' },
      as(),
    );
    const me = registered.user!.id;
    const laptop = { md: as(registered.tokens!.accessToken) };
    const mobile = { md: as(phone.tokens!.accessToken) };
    const [friend] = await users(svc, 1);
    const { chat } = await svc.chat.getOrCreateDirectChat({ userId: friend!.id }, laptop.md);
    const stream = subscribe(laptop);
    await stream.snapshot();
    const { message } = await svc.chat.sendMessage(
      { chatId: chat!.id, body: 'from my phone', clientMessageId: 'p1' },
      mobile.md,
    );
    const events = await stream.until(2);
    expect(messageOf(events[0]!)).toMatchObject({ id: message!.id, senderId: me, body: 'from my phone' });
    expect(receiptOf(events[1]!)).toEqual({ userId: me, lastReadSeq: 1 });
    await svc.chat.setTyping({ chatId: chat!.id, typing: true }, mobile.md);
    await svc.chat.markRead({ chatId: chat!.id, seq: 1 }, friend!.md);
    await stream.until(3);
    // Typing on one's other device is still one's own: not announced to oneself.
    expect(stream.events.filter(is('typing'))).toEqual([]);
  });
});
