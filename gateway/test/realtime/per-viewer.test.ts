import { describe, expect, it } from 'vitest';
import { useRealtime, type Watch, type Account } from './helpers.js';

// Fields that depend on the viewer are rendered per viewer, beside selections shared by all. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, connect, watch, registered, live, users, group, send } = useRealtime('gw_rt_viewer');

describe('per-viewer fields', () => {
  it(
    'every viewer sees only their own email and their own unreadCount, beside shared subscriptions',
    { timeout: 120_000 },
    async () => {
      const members = await users(6, 'pv');
      const [owner, ...readers] = members as [Account, ...Account[]];
      const chatId = await group(owner, readers, 'per-viewer');
      for (let i = 1; i <= 5; i++) await send(owner, chatId, `pv-${i}`);
      // readers[k] reads up to seq k: unread counts 5, 4, 3, 2, 1; the owner's is 0. All different.
      for (const [k, reader] of readers.entries()) {
        if (k > 0) await stack.chatService.chat.markRead({ chatId, seq: k }, reader.md);
      }
      const unread = new Map<string, number>([[owner.id, 0], ...readers.map((r, k) => [r.id, 5 - k] as const)]);
      const emailOf = (user: Account) => `${user.username}@example.com`;

      const PER_VIEWER = `subscription { chatEvents { __typename
        ... on MessageCreated { chatId seq message { id body sender { id username email } } }
        ... on ChatUpdated { chatId seq chat { id unreadCount } }
        ... on ReadReceipt { chatId lastReadSeq user { id email } } } }`;
      const SHARED = `subscription { chatEvents { __typename
        ... on MessageCreated { chatId seq message { id body sender { id username } } }
        ... on ChatUpdated { chatId seq } } }`;
      const perViewer: { viewer: Account; sub: Watch }[] = members.map((member) => ({
        viewer: member,
        sub: watch(connect(member.token), PER_VIEWER),
      }));
      // A second per-viewer socket for one reader, and shared subscriptions beside them (two of
      // them of users who also have a per-viewer one).
      perViewer.push({ viewer: readers[1]!, sub: watch(connect(readers[1]!.token), PER_VIEWER) });
      const shared = [owner, readers[0]!, readers[2]!].map((member) => watch(connect(member.token), SHARED));
      await registered(perViewer.length + shared.length);
      await live([...perViewer.map((p) => p.sub), ...shared], chatId, [owner, readers[0]!]);
      /** The logged events of the chat (receipts have no seq). */
      const logged = (sub: Watch) => sub.ofChat(chatId).filter((e) => e.seq !== undefined);

      // A membership change: every member hears ChatUpdated, each with their own chat.
      const newcomer = await stack.user('pvnew');
      const added = await stack.chatService.chat.addMembers({ chatId, userIds: [newcomer.id] }, owner.md);
      const addedSeq = added.chat!.lastSeq;
      const all = [...perViewer.map((p) => p.sub), ...shared];
      // Each count is read when the event is rendered: no message before every socket has it.
      await waitFor(
        () => all.every((sub) => logged(sub).length >= 1),
        () => `ChatUpdated at every subscription: ${all.map((sub) => logged(sub).length).join(',')}`,
      );
      // Messages by a reader and by the owner: only the sender sees an email, their own.
      const bySender = [
        { sender: readers[1]!, seq: await send(readers[1]!, chatId, 'pv-reader') },
        { sender: owner, seq: await send(owner, chatId, 'pv-owner') },
      ];
      await waitFor(
        () => all.every((sub) => logged(sub).length >= 3),
        () => `three events at every subscription: ${all.map((sub) => logged(sub).length).join(',')}`,
      );

      for (const { viewer, sub } of perViewer) {
        expect(sub.problems()).toEqual([]);
        const [updated, ...messages] = logged(sub);
        expect(updated, viewer.username).toEqual({
          __typename: 'ChatUpdated',
          chatId,
          seq: addedSeq,
          chat: { id: chatId, unreadCount: unread.get(viewer.id) },
        });
        expect(
          messages.map((e) => ({ seq: e.seq, sender: e.message!.sender })),
          viewer.username,
        ).toEqual(
          bySender.map(({ sender, seq }) => ({
            seq,
            sender: {
              id: sender.id,
              username: sender.username,
              email: sender.id === viewer.id ? emailOf(viewer) : null,
            },
          })),
        );
      }
      for (const sub of shared) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub)).toEqual([
          { __typename: 'ChatUpdated', chatId, seq: addedSeq },
          ...bySender.map(({ sender, seq }) => ({
            __typename: 'MessageCreated',
            chatId,
            seq,
            message: {
              id: expect.any(String) as string,
              body: seq === bySender[0]!.seq ? 'pv-reader' : 'pv-owner',
              sender: { id: sender.id, username: sender.username },
            },
          })),
        ]);
      }

      // The counts differ by viewer now too (the reader's and the owner's messages count for the
      // others): a second change shows each their new count, nobody else's. The last reader's
      // receipt comes before it, with their email for them only.
      await stack.chatService.chat.markRead({ chatId, seq: bySender[1]!.seq }, readers[4]!.md);
      const removed = await stack.chatService.chat.removeMember({ chatId, userId: newcomer.id }, owner.md);
      const removedSeq = removed.chat!.lastSeq;
      const unreadNow = new Map<string, number>([
        [owner.id, 0], // the reader's message is before the owner's own, which moved their marker
        [readers[0]!.id, 7],
        [readers[1]!.id, 1], // their own message never counts; the owner's does
        [readers[2]!.id, 5],
        [readers[3]!.id, 4],
        [readers[4]!.id, 0],
      ]);
      await waitFor(
        () => perViewer.every(({ sub }) => logged(sub).some((e) => e.seq === removedSeq)),
        () => 'the second ChatUpdated at every per-viewer subscription',
      );
      for (const { viewer, sub } of perViewer) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub).at(-1), viewer.username).toEqual({
          __typename: 'ChatUpdated',
          chatId,
          seq: removedSeq,
          chat: { id: chatId, unreadCount: unreadNow.get(viewer.id) },
        });
        const receipt = sub
          .events()
          .find(
            (e) =>
              e.__typename === 'ReadReceipt' && e.user?.id === readers[4]!.id && e.lastReadSeq === bySender[1]!.seq,
          );
        expect(receipt?.user, viewer.username).toEqual({
          id: readers[4]!.id,
          email: viewer.id === readers[4]!.id ? emailOf(viewer) : null,
        });
        // Whatever else arrived (the senders' own receipts too): an email only ever the viewer's own.
        for (const event of sub.events()) {
          for (const user of [event.user, event.message?.sender]) {
            if (user && 'email' in user) {
              expect(user.email, `${viewer.username} sees ${JSON.stringify(event)}`).toBe(
                user.id === viewer.id ? emailOf(viewer) : null,
              );
            }
          }
        }
      }
      for (const sub of shared) {
        expect(JSON.stringify(sub.events())).not.toMatch(/email|unreadCount/);
      }
    },
  );
});
