import { describe, expect, it } from 'vitest';
import { useRealtime, type Watch, type Account } from './helpers.js';

// Members added and removed while their sockets are subscribed. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, connect, watch, registered, live, users, group, send } = useRealtime('gw_rt_membership');

describe('membership changes while subscribed', () => {
  it(
    'added: ChatUpdated, then its messages; removed: RemovedFromChat, then nothing on any socket',
    { timeout: 120_000 },
    async () => {
      // The chat's live-only events too (receipts, typing): none may reach a removed member.
      const MEMBERSHIP = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
        __typename
        ... on MessageCreated { chatId seq message { id body sender { id } } }
        ... on ChatUpdated { chatId seq chat { id memberCount } }
        ... on RemovedFromChat { chatId seq }
        ... on ReadReceipt { chatId lastReadSeq }
        ... on TypingIndicator { chatId typing } } }`;
      const [owner, stays, moved] = (await users(3, 'mb')) as [Account, Account, Account];
      const chatId = await group(owner, [stays], 'membership');
      // A chat `moved` stays in, whose messages mark how far their sockets have read.
      const direct = (await stack.chatService.chat.getOrCreateDirectChat({ userId: moved.id }, owner.md)).chat!.id;
      const staying = watch(connect(stays.token), MEMBERSHIP);
      const devices = [watch(connect(moved.token), MEMBERSHIP), watch(connect(moved.token), MEMBERSHIP)];
      await registered(3);
      await live([staying], chatId, [owner]);
      await live(devices, direct, [owner]);
      /** The chat's logged events (receipts and typing have no seq). */
      const logged = (sub: Watch) =>
        sub
          .ofChat(chatId)
          .filter((e) => e.seq !== undefined)
          .map((e) => [e.__typename, e.seq, e.message?.body ?? e.chat?.memberCount]);
      /** The remaining member types and stops: both are announced to the chat's other members. */
      const typing = async () => {
        await stack.chatService.chat.setTyping({ chatId, typing: true }, stays.md);
        await stack.chatService.chat.setTyping({ chatId, typing: false }, stays.md);
      };

      const before = await send(owner, chatId, 'before');
      await typing();
      const added = (await stack.chatService.chat.addMembers({ chatId, userIds: [moved.id] }, owner.md)).chat!.lastSeq;
      // ChatUpdated's chat is read when it is rendered: the member count is 3 until the removal.
      await waitFor(
        () => devices.every((sub) => sub.ofChat(chatId).some((e) => e.__typename === 'ChatUpdated')),
        () => `ChatUpdated on both devices: ${JSON.stringify(devices.map((sub) => sub.events()))}`,
      );
      const whileIn = [await send(owner, chatId, 'in-1'), await send(stays, chatId, 'in-2')];
      await typing();
      await waitFor(
        () => devices.every((sub) => sub.ofChat(chatId).some((e) => e.__typename === 'TypingIndicator')),
        () => `typing while a member: ${JSON.stringify(devices.map((sub) => sub.events()))}`,
      );
      const removed = (await stack.chatService.chat.removeMember({ chatId, userId: moved.id }, owner.md)).chat!.lastSeq;
      const after = [await send(owner, chatId, 'after-1'), await send(stays, chatId, 'after-2')];
      await typing();
      await stack.chatService.chat.markRead({ chatId, seq: after[0]! }, stays.md);
      // Sent after everything above: once it arrives, anything of the chat would have too.
      await send(owner, direct, 'marker');

      await waitFor(
        () => devices.every((sub) => sub.created(direct).length === 1) && staying.created(chatId).length === 5,
        () =>
          `the marker on both devices (${devices.map((s) => s.created(direct).length).join(',')}) ` +
          `and five messages of the chat for the remaining member (${staying.created(chatId).length})`,
      );
      for (const sub of devices) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub)).toEqual([
          ['ChatUpdated', added, 3],
          ['MessageCreated', whileIn[0], 'in-1'],
          ['MessageCreated', whileIn[1], 'in-2'],
          ['RemovedFromChat', removed, undefined],
        ]);
        // Nothing of the chat before it was added, nor after RemovedFromChat.
        const events = sub.ofChat(chatId);
        expect(events[0]?.__typename).toBe('ChatUpdated');
        expect(events.at(-1)?.__typename).toBe('RemovedFromChat');
      }
      expect(staying.problems()).toEqual([]);
      expect(logged(staying)).toEqual([
        ['MessageCreated', before, 'before'],
        ['ChatUpdated', added, 3],
        ['MessageCreated', whileIn[0], 'in-1'],
        ['MessageCreated', whileIn[1], 'in-2'],
        ['ChatUpdated', removed, 2],
        ['MessageCreated', after[0], 'after-1'],
        ['MessageCreated', after[1], 'after-2'],
      ]);

      // A device that was offline and resumes from before the removal gets what it missed up to
      // RemovedFromChat, and nothing after.
      const late = watch(connect(moved.token), MEMBERSHIP, { resume: [{ chatId, afterSeq: whileIn[0] }] });
      await waitFor(
        () => late.ofChat(chatId).some((e) => e.__typename === 'RemovedFromChat'),
        () => `RemovedFromChat on resume: ${JSON.stringify(late.events())}`,
      );
      await registered(4);
      await send(owner, chatId, 'after-3');
      await typing();
      await send(owner, direct, 'marker-2');
      await waitFor(
        () => [late, ...devices].every((sub) => sub.created(direct).some((e) => e.message!.body === 'marker-2')),
        () => 'the second marker on every device',
      );
      for (const sub of [late, ...devices]) {
        expect(sub.problems()).toEqual([]);
        expect(sub.ofChat(chatId).at(-1)?.__typename).toBe('RemovedFromChat');
      }
      expect(late.ofChat(chatId).map((e) => [e.__typename, e.seq])).toEqual([
        ['MessageCreated', whileIn[1]],
        ['RemovedFromChat', removed],
      ]);
      await waitFor(
        () => staying.created(chatId).length === 6,
        () => 'the remaining member to go on receiving',
      );
    },
  );
});
