import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { ChatRole, type ListMessagesRequest } from '../../../proto/gen/chat/v1/chat.js';
import {
  chatAs,
  chatRow,
  direct,
  group,
  loggedSeqs,
  outcome,
  range,
  send,
  sql,
  storeState,
  users,
  type TestUser,
} from './helpers.js';

const svc = useChatService('chat_messages');

const countRows = async (query: string, params: unknown[]) =>
  (await sql<{ n: number }>(svc, `SELECT count(*)::int AS n FROM ${query}`, params))[0]!.n;

describe('SendMessage', () => {
  it('takes a body of 1–4096 code points that is not blank', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const before = await storeState(svc);
    // NUL cannot be stored in PostgreSQL text: refused as input, never an INTERNAL error.
    for (const body of ['', '   ', ' \n\t ', 'a'.repeat(4097), '😀'.repeat(4097), 'nul \u0000 byte']) {
      expect(await outcome(send(svc, a!, chat.id, body))).toEqual({ code: 'INVALID_ARGUMENT', field: 'body' });
    }
    expect(await storeState(svc)).toEqual(before);
    const long = await send(svc, a!, chat.id, '😀'.repeat(4096));
    expect(long.body).toBe('😀'.repeat(4096));
    expect((await send(svc, a!, chat.id, 'x'.repeat(4096))).seq).toBe(2);
  });

  it('takes a clientMessageId of 1–64 code points', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    for (const clientMessageId of ['', 'c'.repeat(65), '😀'.repeat(65)]) {
      expect(await outcome(send(svc, a!, chat.id, 'hi', { clientMessageId }))).toEqual({
        code: 'INVALID_ARGUMENT',
        field: 'clientMessageId',
      });
    }
    expect((await send(svc, a!, chat.id, 'hi', { clientMessageId: 'c'.repeat(64) })).clientMessageId).toHaveLength(64);
    expect((await send(svc, a!, chat.id, 'hi', { clientMessageId: '😀'.repeat(64) })).seq).toBe(2);
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(2);
  });

  it('replies only to a message of the same chat, and fills reply_to', async () => {
    const [a, b, c] = await users(svc, 3);
    const chat = await group(svc, a!, [b!]);
    const elsewhere = await group(svc, a!, [c!]);
    const foreign = await send(svc, a!, elsewhere.id, 'other chat');
    const original = await send(svc, b!, chat.id, 'original');
    const before = await storeState(svc);
    for (const replyToId of [foreign.id, randomUUID(), 'not-a-uuid']) {
      expect(await outcome(send(svc, a!, chat.id, 'reply', { replyToId }))).toEqual({
        code: 'INVALID_ARGUMENT',
        field: 'replyToId',
      });
    }
    expect(await storeState(svc)).toEqual(before);

    const reply = await send(svc, a!, chat.id, 'reply', { replyToId: original.id });
    expect(reply.replyToId).toBe(original.id);
    expect(reply.replyTo).toMatchObject({ id: original.id, body: 'original', senderId: b!.id, seq: original.seq });
    const nested = await send(svc, b!, chat.id, 'reply to reply', { replyToId: reply.id });
    expect(nested.replyTo).toMatchObject({ id: reply.id, body: 'reply', replyToId: original.id });
    expect(nested.replyTo?.replyTo).toBeUndefined();
    const { messages } = await svc.chat.listMessages({ chatId: chat.id }, b!.md);
    expect(messages.map((m) => m.replyTo?.id)).toEqual([undefined, original.id, reply.id]);
    expect((await chatAs(svc, b!, chat.id))?.lastMessage?.replyTo?.id).toBe(reply.id);
  });

  it('is idempotent on clientMessageId: a repeat returns the first message and takes no seq', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const first = await send(svc, a!, chat.id, 'once', { clientMessageId: 'm-1' });
    const again = await send(svc, a!, chat.id, 'different body', { clientMessageId: 'm-1' });
    expect(again).toEqual(first);
    expect(await countRows('messages WHERE chat_id = ?', [chat.id])).toBe(1);
    expect(await loggedSeqs(svc, chat.id)).toEqual([1]);

    const concurrent = await Promise.all(
      range(20).map(() => send(svc, a!, chat.id, 'race', { clientMessageId: 'm-2' })),
    );
    expect(new Set(concurrent.map((m) => m.id)).size).toBe(1);
    expect(concurrent[0]?.seq).toBe(2);
    expect(await countRows('messages WHERE chat_id = ? AND client_message_id = ?', [chat.id, 'm-2'])).toBe(1);
    expect(await loggedSeqs(svc, chat.id)).toEqual([1, 2]);
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(2);

    // Another sender may use the same clientMessageId.
    const theirs = await send(svc, b!, chat.id, 'mine too', { clientMessageId: 'm-1' });
    expect(theirs.id).not.toBe(first.id);
    expect(theirs).toMatchObject({ seq: 3, senderId: b!.id, body: 'mine too' });
  });
});

describe('EditMessage and DeleteMessage', () => {
  it('edit: sender only; it takes a new seq and sets editedAt', async () => {
    const [a, b, outsider] = await users(svc, 3);
    const chat = await group(svc, a!, [b!]);
    const message = await send(svc, b!, chat.id, 'draft');
    const edit = (by: TestUser, messageId: string, body = 'changed') =>
      svc.chat.editMessage({ messageId, body }, by.md);
    const before = await storeState(svc);
    expect(await outcome(edit(a!, message.id))).toEqual({ code: 'PERMISSION_DENIED' }); // even the OWNER
    expect(await outcome(edit(outsider!, message.id))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(edit(b!, randomUUID()))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(edit(b!, 'nope'))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(edit(b!, message.id, ' '))).toEqual({ code: 'INVALID_ARGUMENT', field: 'body' });
    expect(await storeState(svc)).toEqual(before);

    const { message: edited } = await edit(b!, message.id, 'final');
    expect(edited).toMatchObject({ id: message.id, seq: message.seq, body: 'final' });
    expect(edited?.editedAt).toBeInstanceOf(Date);
    expect(edited?.deletedAt).toBeUndefined();
    expect(await loggedSeqs(svc, chat.id)).toEqual([1, 2]);
    const rows = await sql<{ kind: string; message_id: string }>(
      svc,
      'SELECT kind, message_id FROM chat_events WHERE chat_id = ? AND seq = 2',
      [chat.id],
    );
    expect(rows).toEqual([{ kind: 'message_edited', message_id: message.id }]);

    await svc.chat.deleteMessage({ messageId: message.id }, b!.md);
    expect(await outcome(edit(b!, message.id, 'revive'))).toEqual({ code: 'NOT_FOUND' });
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(3);
  });

  it('delete: the sender or a group OWNER/ADMIN; leaves a tombstone in place', async () => {
    const [owner, admin, m1, m2] = await users(svc, 4);
    const chat = await group(svc, owner!, [admin!, m1!, m2!]);
    await svc.chat.setMemberRole({ chatId: chat.id, userId: admin!.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    const [x, y, z, w] = [
      await send(svc, m1!, chat.id, 'x'),
      await send(svc, m1!, chat.id, 'y'),
      await send(svc, m2!, chat.id, 'z'),
      await send(svc, owner!, chat.id, 'w'),
    ];
    const del = (by: TestUser, id: string) => svc.chat.deleteMessage({ messageId: id }, by.md);
    expect(await outcome(del(m2!, x.id))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(del(m1!, w.id))).toEqual({ code: 'PERMISSION_DENIED' });
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(5);

    const tomb = (await del(m1!, x.id)).message!;
    expect(tomb).toMatchObject({ id: x.id, seq: x.seq, body: '' });
    expect(tomb.deletedAt).toBeInstanceOf(Date);
    expect((await del(admin!, y.id)).message?.body).toBe('');
    expect((await del(owner!, z.id)).message?.body).toBe('');
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(8);
    const stored = await sql<{ body: string }>(svc, 'SELECT body FROM messages WHERE id = ?', [x.id]);
    expect(stored[0]?.body).toBe('');

    // Deleting again returns the tombstone and takes no seq.
    const again = (await del(m1!, x.id)).message!;
    expect(again).toEqual(tomb);
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(8);

    const { messages } = await svc.chat.listMessages({ chatId: chat.id }, m2!.md);
    expect(messages.map((m) => [m.seq, m.body, m.deletedAt !== undefined])).toEqual([
      [2, '', true],
      [3, '', true],
      [4, '', true],
      [5, 'w', false],
    ]);
  });

  it('delete in a DIRECT chat: only the sender', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const message = await send(svc, a!, chat.id, 'mine');
    expect(await outcome(svc.chat.deleteMessage({ messageId: message.id }, b!.md))).toEqual({
      code: 'PERMISSION_DENIED',
    });
    expect((await svc.chat.deleteMessage({ messageId: message.id }, a!.md)).message?.body).toBe('');
  });
});

describe('ListMessages', () => {
  it('pages ascending by seq in both directions, with seqs skipping other events', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await group(svc, a!, [b!]);
    const sent: Awaited<ReturnType<typeof send>>[] = [];
    for (const i of range(130)) {
      sent.push(await send(svc, i % 3 ? a! : b!, chat.id, `m${i}`));
      // Other events between messages take seqs of their own.
      if (i === 40) await svc.chat.editMessage({ messageId: sent[0]!.id, body: 'm1 edited' }, a!.md);
      if (i === 80)
        await svc.chat.setMemberRole({ chatId: chat.id, userId: b!.id, role: ChatRole.CHAT_ROLE_ADMIN }, a!.md);
    }
    const seqs = sent.map((m) => m.seq);
    expect(seqs[40]).toBe(seqs[39]! + 2);
    expect(seqs[80]).toBe(seqs[79]! + 2);
    expect(seqs.at(-1)).toBe(132);
    const page = (request: Omit<ListMessagesRequest, 'chatId'>) =>
      svc.chat.listMessages({ chatId: chat.id, ...request }, b!.md);

    const newest = await page({});
    expect(newest.messages.map((m) => m.seq)).toEqual(seqs.slice(-50));
    expect(newest.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    const oldest = await page({ first: 10 });
    expect(oldest.messages.map((m) => m.seq)).toEqual(seqs.slice(0, 10));
    expect(oldest.messages[0]?.body).toBe('m1 edited');
    expect(oldest.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false });

    const forward: number[] = [];
    let after: number | undefined;
    for (;;) {
      const { messages, pageInfo } = await page({ first: 100, afterSeq: after });
      expect(pageInfo!.hasPreviousPage).toBe(after !== undefined);
      forward.push(...messages.map((m) => m.seq));
      if (!pageInfo!.hasNextPage) break;
      after = messages.at(-1)!.seq;
    }
    expect(forward).toEqual(seqs);

    const backward: number[][] = [];
    let before: number | undefined;
    for (;;) {
      const { messages, pageInfo } = await page({ last: 30, beforeSeq: before });
      expect(pageInfo!.hasNextPage).toBe(before !== undefined);
      backward.unshift(messages.map((m) => m.seq));
      if (!pageInfo!.hasPreviousPage) break;
      before = messages[0]!.seq;
    }
    expect(backward.flat()).toEqual(seqs);
    expect(backward.slice(1).every((p) => p.length === 30)).toBe(true);

    const middle = await page({ first: 5, afterSeq: seqs[39] });
    expect(middle.messages.map((m) => m.seq)).toEqual(seqs.slice(40, 45));
    expect(middle.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true });
    const end = await page({ first: 5, afterSeq: seqs.at(-1) });
    expect(end.messages).toEqual([]);
    expect(end.pageInfo?.hasNextPage).toBe(false);
  });

  it('refuses pages over 100, first with last, and negative cursors', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    const list = (request: Omit<ListMessagesRequest, 'chatId'>) =>
      outcome(svc.chat.listMessages({ chatId: chat.id, ...request }, a!.md));
    expect(await list({ first: 101 })).toEqual({ code: 'INVALID_ARGUMENT', field: 'first' });
    expect(await list({ last: 101 })).toEqual({ code: 'INVALID_ARGUMENT', field: 'last' });
    expect(await list({ first: 5, last: 5 })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await list({ first: -1 })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await list({ afterSeq: -1 })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await list({ last: 5, beforeSeq: -3 })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await list({ first: 100 })).toEqual({ code: 'OK' });
    expect(await list({ last: 100 })).toEqual({ code: 'OK' });
  });
});

describe('unread counts and MarkRead', () => {
  it('counts messages from others after the marker; sending moves one’s own marker', async () => {
    const [a, b, c] = await users(svc, 3);
    const chat = await group(svc, a!, [b!, c!]);
    const unread = async (user: TestUser) => (await chatAs(svc, user, chat.id))!;
    await send(svc, a!, chat.id, 'a1');
    await send(svc, a!, chat.id, 'a2');
    const b1 = await send(svc, b!, chat.id, 'b1');
    expect((await unread(a!)).unreadCount).toBe(1);
    expect(await unread(b!)).toMatchObject({ unreadCount: 0, lastReadSeq: 3 });
    expect(await unread(c!)).toMatchObject({ unreadCount: 3, lastReadSeq: 0 });

    await svc.chat.deleteMessage({ messageId: b1.id }, b!.md);
    expect((await unread(c!)).unreadCount).toBe(2);
    expect((await unread(a!)).unreadCount).toBe(0);
    await send(svc, c!, chat.id, 'c1');
    expect(await unread(c!)).toMatchObject({ unreadCount: 0, lastReadSeq: 5 });
    expect((await unread(a!)).unreadCount).toBe(1);
  });

  it('moves forward only, clamped to lastSeq; negative is INVALID_ARGUMENT', async () => {
    const [a, b] = await users(svc, 2);
    const chat = await direct(svc, a!, b!);
    for (const i of range(4)) await send(svc, a!, chat.id, `m${i}`);
    const mark = (seq: number) => svc.chat.markRead({ chatId: chat.id, seq }, b!.md);
    expect((await mark(2)).chat).toMatchObject({ lastReadSeq: 2, unreadCount: 2 });
    expect((await mark(1)).chat).toMatchObject({ lastReadSeq: 2, unreadCount: 2 });
    expect((await mark(0)).chat).toMatchObject({ lastReadSeq: 2 });
    expect((await mark(1_000)).chat).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
    const marker = await sql<{ last_read_seq: number }>(
      svc,
      'SELECT last_read_seq FROM chat_members WHERE chat_id = ? AND user_id = ?',
      [chat.id, b!.id],
    );
    expect(marker[0]?.last_read_seq).toBe(4);
    expect(await outcome(mark(-1))).toEqual({ code: 'INVALID_ARGUMENT', field: 'seq' });
    await send(svc, a!, chat.id, 'm5');
    expect((await mark(3)).chat).toMatchObject({ lastReadSeq: 4, unreadCount: 1 });
  });
});

describe('the event log', () => {
  it('is gapless 1..lastSeq after sends, edits, deletes and member changes', async () => {
    const [owner, a, b, c] = await users(svc, 4);
    const chat = await group(svc, owner!, [a!]);
    const m1 = await send(svc, a!, chat.id, 'one');
    await svc.chat.addMembers({ chatId: chat.id, userIds: [b!.id, c!.id] }, owner!.md);
    await Promise.all([
      send(svc, b!, chat.id, 'two'),
      send(svc, c!, chat.id, 'three'),
      svc.chat.editMessage({ messageId: m1.id, body: 'uno' }, a!.md),
      send(svc, owner!, chat.id, 'four', { clientMessageId: 'dup' }),
      send(svc, owner!, chat.id, 'four', { clientMessageId: 'dup' }),
    ]);
    // Refused changes give their seq back.
    await outcome(svc.chat.removeMember({ chatId: chat.id, userId: owner!.id }, a!.md));
    await outcome(send(svc, a!, chat.id, 'bad reply', { replyToId: randomUUID() }));
    await svc.chat.setMemberRole({ chatId: chat.id, userId: a!.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    await svc.chat.deleteMessage({ messageId: m1.id }, owner!.md);
    await svc.chat.removeMember({ chatId: chat.id, userId: c!.id }, a!.md);
    await svc.chat.leaveChat({ chatId: chat.id }, b!.md);
    await send(svc, a!, chat.id, 'five');
    const row = await chatRow(svc, chat.id);
    expect(row?.last_seq).toBe(11);
    expect(await loggedSeqs(svc, chat.id)).toEqual(range(11));
    const messageSeqs = await sql<{ seq: number }>(svc, 'SELECT seq FROM messages WHERE chat_id = ? ORDER BY seq', [
      chat.id,
    ]);
    const created = await sql<{ seq: number }>(
      svc,
      "SELECT seq FROM chat_events WHERE chat_id = ? AND kind = 'message_created' ORDER BY seq",
      [chat.id],
    );
    expect(messageSeqs).toEqual(created);
  });
});
