import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { ChatRole, type ChatEvent } from '../../../proto/gen/chat/v1/chat.js';
import { chatAs, group, outcome, send, storeState, users, type TestUser } from './helpers.js';
import { openDeliver } from './deliver-helpers.js';
import { is, messageOf, openStream } from './stream-helpers.js';

// Issue #11, "Found in a review": what a removed member's replay shows, ids in upper case, and
// cursors out of range.

const svc = useChatService('chat_review');

const SECRET = 'written after the removal';

/**
 * A group of `owner` with `removed` and `stays` in it, and this history: an early message edited
 * before the removal; `original`, `replying` (a reply to `original`) and `kept`; the removal of
 * `removed`; then `original` edited and `kept` deleted, both after the removal, and a new message.
 */
async function removedAfterHistory() {
  const [owner, removed, stays] = (await users(svc, 3, 'rv')) as [TestUser, TestUser, TestUser];
  const chat = await group(svc, owner, [removed, stays]);
  const early = await send(svc, owner, chat.id, 'early');
  await svc.chat.editMessage({ messageId: early.id, body: 'early, edited before' }, owner.md);
  const original = await send(svc, owner, chat.id, 'original');
  const replying = await send(svc, owner, chat.id, 'replying', { replyToId: original.id });
  const kept = await send(svc, owner, chat.id, 'kept');
  const { chat: afterRemoval } = await svc.chat.removeMember({ chatId: chat.id, userId: removed.id }, owner.md);
  const removalSeq = afterRemoval!.lastSeq;
  await svc.chat.editMessage({ messageId: original.id, body: SECRET }, owner.md);
  await svc.chat.deleteMessage({ messageId: kept.id }, owner.md);
  await send(svc, owner, chat.id, `new, ${SECRET}`);
  return { owner, removed, stays, chat, early, original, replying, kept, removalSeq };
}

/** What a replay to the removed member must look like, whichever call carries it. */
function expectReplayUpToRemoval(
  events: readonly ChatEvent[],
  history: Awaited<ReturnType<typeof removedAfterHistory>>,
) {
  expect(JSON.stringify(events)).not.toContain(SECRET);
  const last = events.at(-1)!;
  expect(last).toMatchObject({ chatId: history.chat.id, seq: history.removalSeq });
  expect(last.kind?.$case).toBe('removedFromChat');
  expect(events.every((event) => event.seq <= history.removalSeq)).toBe(true);
  const messages = events.flatMap((event) => messageOf(event) ?? []);
  // Unchanged since the removal (edited before it): shown as it is.
  expect(messages.filter((m) => m.id === history.early.id).map((m) => m.body)).toEqual([
    'early, edited before',
    'early, edited before',
  ]);
  // Changed after the removal: left out, neither its state now nor a made-up one.
  expect(messages.some((m) => m.id === history.original.id || m.id === history.kept.id)).toBe(false);
  // A reply to a message changed after the removal: shown, without the message it replies to.
  const reply = messages.find((m) => m.id === history.replying.id)!;
  expect(reply).toMatchObject({ body: 'replying', replyToId: history.original.id });
  expect(reply.replyTo).toBeUndefined();
}

describe('a member removed from a chat', () => {
  it('resuming Subscribe from before the removal sees nothing written after it', async () => {
    const history = await removedAfterHistory();
    const stream = openStream(svc.client, history.removed.md, [{ chatId: history.chat.id, seq: 0 }]);
    const events = await stream.until(is('removedFromChat', history.chat.id));
    expectReplayUpToRemoval(events, history);
    // A member resuming from the same cursor sees every message as it is now.
    const member = openStream(svc.client, history.stays.md, [{ chatId: history.chat.id, seq: 0 }]);
    const memberEvents = await member.until((event) => messageOf(event)?.body === `new, ${SECRET}`);
    expect(memberEvents.flatMap((event) => messageOf(event) ?? []).some((m) => m.body === SECRET)).toBe(true);
  });

  it('resuming over Deliver from before the removal sees nothing written after it', async () => {
    const history = await removedAfterHistory();
    const call = openDeliver(svc.client);
    const subscriber = call.add(history.removed, [{ chatId: history.chat.id, seq: 0 }]);
    const events = await subscriber.until(is('removedFromChat', history.chat.id));
    expectReplayUpToRemoval(events, history);
  });

  it('cannot read the history, the chat or its members any more', async () => {
    const history = await removedAfterHistory();
    expect(await outcome(svc.chat.listMessages({ chatId: history.chat.id, first: 50 }, history.removed.md))).toEqual({
      code: 'NOT_FOUND',
    });
    expect(await outcome(svc.chat.listMembers({ chatId: history.chat.id, first: 50 }, history.removed.md))).toEqual({
      code: 'NOT_FOUND',
    });
    expect(await chatAs(svc, history.removed, history.chat.id)).toBeUndefined();
  });
});

describe('ids in upper case', () => {
  it('name the same chat, user and message: each mutation does its work and answers it', async () => {
    const [owner, a, b] = (await users(svc, 3, 'up')) as [TestUser, TestUser, TestUser];
    const chat = await group(svc, owner, [a]);
    const CHAT = chat.id.toUpperCase();

    const added = await svc.chat.addMembers({ chatId: CHAT, userIds: [b.id.toUpperCase()] }, owner.md);
    expect(added.chat).toMatchObject({ id: chat.id, memberCount: 3 });

    const promoted = await svc.chat.setMemberRole(
      { chatId: CHAT, userId: b.id.toUpperCase(), role: ChatRole.CHAT_ROLE_ADMIN },
      owner.md,
    );
    expect(promoted.chat).toMatchObject({ id: chat.id });
    const { members } = await svc.chat.listMembers({ chatId: CHAT, first: 10 }, owner.md);
    expect(members.find((m) => m.userId === b.id)?.role).toBe(ChatRole.CHAT_ROLE_ADMIN);

    const message = await send(svc, a, CHAT, 'hello');
    expect(message.chatId).toBe(chat.id);
    const reply = await send(svc, owner, CHAT, 'reply', { replyToId: message.id.toUpperCase() });
    expect(reply.replyToId).toBe(message.id);
    const edited = await svc.chat.editMessage({ messageId: message.id.toUpperCase(), body: 'hello again' }, a.md);
    expect(edited.message).toMatchObject({ id: message.id, body: 'hello again' });

    const read = await svc.chat.markRead({ chatId: CHAT, seq: reply.seq }, b.md);
    expect(read.chat).toMatchObject({ id: chat.id, lastReadSeq: reply.seq });
    const page = await svc.chat.listMessages({ chatId: CHAT, first: 10 }, b.md);
    expect(page.messages.map((m) => m.id)).toEqual([message.id, reply.id]);

    const removed = await svc.chat.removeMember({ chatId: CHAT, userId: a.id.toUpperCase() }, owner.md);
    expect(removed.chat).toMatchObject({ id: chat.id, memberCount: 2 });
    await svc.chat.leaveChat({ chatId: CHAT }, b.md);
    expect(await chatAs(svc, owner, chat.id)).toMatchObject({ memberCount: 1 });
    expect(await chatAs(svc, b, chat.id)).toBeUndefined();
  });

  it('is refused before anything is written when it is no UUID', async () => {
    const [owner, a] = (await users(svc, 2, 'up')) as [TestUser, TestUser];
    const chat = await group(svc, owner, [a]);
    const before = await storeState(svc);
    expect(await outcome(svc.chat.addMembers({ chatId: `${chat.id}x`, userIds: [a.id] }, owner.md))).toEqual({
      code: 'NOT_FOUND',
    });
    expect(await outcome(svc.chat.markRead({ chatId: 'not-a-chat', seq: 1 }, a.md))).toEqual({ code: 'NOT_FOUND' });
    expect(await storeState(svc)).toEqual(before);
  });
});

describe('cursors out of range', () => {
  it('are INVALID_ARGUMENT naming the argument, not INTERNAL', async () => {
    const [me] = await users(svc, 1, 'cur');
    // chats.activity is a bigint: 2^63 does not fit.
    for (const after of ['9223372036854775808', '9999999999999999999']) {
      expect(await outcome(svc.chat.listChats({ first: 10, after }, me!.md))).toEqual({
        code: 'INVALID_ARGUMENT',
        field: 'after',
      });
    }
    expect(await outcome(svc.chat.listChats({ first: 10, after: '9223372036854775807' }, me!.md))).toEqual({
      code: 'OK',
    });
    const chat = await group(svc, me!, []);
    expect(await outcome(svc.chat.listMessages({ chatId: chat.id, afterSeq: -1 }, me!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'after',
    });
    expect(await outcome(svc.chat.markRead({ chatId: chat.id, seq: -5 }, me!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'seq',
    });
    expect(await outcome(svc.chat.listMessages({ chatId: randomUUID(), afterSeq: 2_147_483_647 }, me!.md))).toEqual({
      code: 'NOT_FOUND',
    });
  });
});
