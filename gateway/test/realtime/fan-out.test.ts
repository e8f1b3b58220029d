import { describe, expect, it } from 'vitest';
import { useRealtime, MESSAGES, range, type Watch, type Account } from './helpers.js';

// One upstream call for every subscription of the gateway, and one look-up per event for all
// its recipients. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, connect, watch, registered, live, users, group, send, rename } = useRealtime('gw_rt_fanout');

describe('many subscribers over one upstream call', () => {
  it(
    'delivers every message of concurrent senders once, in seq order, to 10 sockets of one user and 30 users',
    { timeout: 180_000 },
    async () => {
      const members = await users(30, 'many');
      const [owner, ...rest] = members as [Account, ...Account[]];
      const chatId = await group(owner, rest, 'many');
      const many = members[7]!; // one user on ten devices
      const subs: Watch[] = members.map((member) => watch(connect(member.token), MESSAGES));
      for (let i = 1; i < 10; i++) subs.push(watch(connect(many.token), MESSAGES));
      // chat-service registers exactly one subscriber per subscription, all on one call.
      await registered(39);
      await live(subs, chatId, members.slice(0, 2));
      expect(stack.gateway.events.calls()).toBe(1);

      // Five senders at once, ten messages each.
      const senders = members.slice(0, 5);
      const acked = await Promise.all(
        senders.map(async (sender, s) => {
          const mine: { seq: number; body: string; sender: string }[] = [];
          for (let i = 0; i < 10; i++) {
            const body = `many-${s}-${i}`;
            mine.push({ seq: await send(sender, chatId, body), body, sender: sender.id });
          }
          return mine;
        }),
      );
      const expected = acked.flat().sort((a, b) => a.seq - b.seq);
      expect(expected.map((m) => m.seq)).toEqual(range(1, 50));

      await waitFor(
        () => subs.every((sub) => sub.created(chatId).length >= 50),
        () => `50 messages on each socket: ${subs.map((sub) => sub.created(chatId).length).join(',')}`,
      );
      for (const sub of subs) {
        expect(sub.problems()).toEqual([]);
        expect(
          sub.created(chatId).map((e) => ({ seq: e.seq, body: e.message!.body, sender: e.message!.sender!.id })),
        ).toEqual(expected);
      }
      // Still one call, one subscriber per subscription.
      expect(stack.gateway.events.calls()).toBe(1);
      expect(stack.chatService.app.subscribers()).toBe(39);
    },
  );
});

describe('one shared look-up per event', () => {
  it(
    'a message to 20 online members costs one GetUsers and one GetProfiles call at most',
    { timeout: 120_000 },
    async () => {
      const N = 20;
      const members = await users(N, 'look');
      const [owner, ...rest] = members as [Account, ...Account[]];
      const chatId = await group(owner, rest, 'lookups');
      const senders = [members[3]!, members[11]!];
      for (const [i, sender] of senders.entries()) {
        await rename(sender, `Sender ${i}`);
      }
      // The web client's selection of a new message.
      const WEB = `subscription { chatEvents { __typename
      ... on MessageCreated { chatId seq message { id body sender { id username profile { displayName } } } } } }`;
      const subs = members.map((member) => watch(connect(member.token), WEB));
      await registered(N);
      await live(subs, chatId, members.slice(0, 2));
      expect(stack.gateway.events.calls()).toBe(1);

      const counts = { users: 0, profiles: 0 };
      const getUsers = stack.gateway.upstreams.auth.unary.getUsers;
      const getProfiles = stack.gateway.upstreams.profiles.unary.getProfiles;
      stack.gateway.upstreams.auth.unary.getUsers = (...args) => (counts.users++, getUsers(...args));
      stack.gateway.upstreams.profiles.unary.getProfiles = (...args) => (counts.profiles++, getProfiles(...args));
      try {
        for (const [i, sender] of senders.entries()) {
          // Sent to chat-service directly, so that only the event's rendering makes look-ups.
          const sent = await stack.chatService.chat.sendMessage(
            { chatId, body: `look ${i}`, clientMessageId: `look${i}` },
            sender.md,
          );
          const seq = sent.message!.seq;
          // The sender's read marker moves after the message: once every member has that receipt,
          // everything this message caused has been rendered.
          await waitFor(
            () =>
              subs.every(
                (sub) =>
                  sub.created(chatId).some((e) => e.seq === seq) &&
                  sub.events().filter((e) => e.__typename === 'ReadReceipt').length > i,
              ),
            () => `message ${seq} and its read receipt at every member`,
          );
          for (const sub of subs) {
            expect(sub.problems()).toEqual([]);
            expect(sub.created(chatId).at(-1)?.message).toEqual({
              id: sent.message!.id,
              body: `look ${i}`,
              sender: { id: sender.id, username: sender.username, profile: { displayName: `Sender ${i}` } },
            });
          }
          // Not N of each: one, shared by all N recipients.
          expect({ message: i, ...counts }).toEqual({ message: i, users: i + 1, profiles: i + 1 });
        }

        /** Sends as `sender` straight to chat-service; resolves once every member has the message. */
        const sendAndSee = async (sender: Account, body: string) => {
          const sent = await stack.chatService.chat.sendMessage({ chatId, body, clientMessageId: body }, sender.md);
          await waitFor(
            () => subs.every((sub) => sub.created(chatId).some((e) => e.seq === sent.message!.seq)),
            () => `"${body}" at every member`,
          );
          return subs.map((sub) => sub.created(chatId).find((e) => e.seq === sent.message!.seq)?.message?.sender);
        };
        // The first sender again: what its first message read serves this one too.
        const first = senders[0]!;
        const before = { ...counts };
        for (const sender of await sendAndSee(first, 'look again')) {
          expect(sender).toEqual({ id: first.id, username: first.username, profile: { displayName: 'Sender 0' } });
        }
        expect(counts).toEqual(before);

        // Its profile changes: UserUpdated drops what was kept, and the next message reads it afresh.
        await rename(first, 'Sender 0 renamed');
        await waitFor(
          () => subs.every((sub) => sub.events().some((e) => e.__typename === 'UserUpdated')),
          () => 'UserUpdated at every member',
        );
        const afterRename = { ...counts };
        for (const sender of await sendAndSee(first, 'look renamed')) {
          expect(sender?.profile).toEqual({ displayName: 'Sender 0 renamed' });
        }
        expect(counts).toEqual({ users: afterRename.users + 1, profiles: afterRename.profiles + 1 });
      } finally {
        stack.gateway.upstreams.auth.unary.getUsers = getUsers;
        stack.gateway.upstreams.profiles.unary.getProfiles = getProfiles;
      }
    },
  );
});
