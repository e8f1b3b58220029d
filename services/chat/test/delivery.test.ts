import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { until } from '../../../test/support/wait.js';
import { ChatRole, type Message } from '../../../proto/gen/chat/v1/chat.js';
import { group, loggedSeqs, range, send, sql, storedLog, users } from './helpers.js';
import { asLog, is, loggedOf, messageOf, withBody, useStreams } from './stream-helpers.js';

// Per chat, every logged event exactly once and in seq order: under concurrent writers, across a
// reconnect with resume cursors, and the streams' own lifecycle (cancel, revoked session).

const svc = useChatService('chat_delivery');
const { subscribe } = useStreams(svc);

describe('ordering and exactly-once', () => {
  it('3 subscribers each get every event of 4 concurrent writers once, in seq order', async () => {
    const writers = await users(svc, 4);
    const readers = await users(svc, 2);
    const chat = await group(svc, writers[0]!, [...writers.slice(1), ...readers]);
    const streams = [subscribe(readers[0]!), subscribe(readers[1]!), subscribe(writers[0]!)];
    await Promise.all(streams.map((stream) => stream.snapshot()));

    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < 50; i += 10) {
          const batch = await Promise.all(range(10).map((n) => send(svc, writer, chat.id, `w${w} m${i + n}`)));
          // Edits and role changes interleave with the messages, taking seqs of their own.
          if (i === 20) await svc.chat.editMessage({ messageId: batch[0]!.id, body: 'edited' }, writer.md);
        }
      }),
    );
    await svc.chat.setMemberRole(
      { chatId: chat.id, userId: readers[0]!.id, role: ChatRole.CHAT_ROLE_ADMIN },
      writers[0]!.md,
    );
    const lastSeq = 200 + 4 + 1;
    expect(await loggedSeqs(svc, chat.id)).toEqual(range(lastSeq));
    const stored = await storedLog(svc, chat.id);

    for (const stream of streams) {
      await stream.until((e) => e.chatId === chat.id && e.seq === lastSeq, 15_000);
      const logged = loggedOf(stream.events, chat.id);
      expect(logged.map((e) => e.seq)).toEqual(range(lastSeq));
      expect(asLog(logged)).toEqual(stored);
      expect(logged.filter(is('messageCreated'))).toHaveLength(200);
      expect(logged.filter(is('messageEdited'))).toHaveLength(4);
    }
  });
});

describe('reconnect and resume', () => {
  it('a resumed stream gets exactly the missed events, in seq order', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    const quiet = await group(svc, other!, [me!], 'quiet');
    const first = subscribe(me!);
    await first.snapshot();
    const sent: Message[] = [];
    for (const i of range(5)) sent.push(await send(svc, other!, chat.id, `m${i}`));
    await first.until(is('messageCreated', chat.id));
    const seen = await first.until((e) => e.seq === 3);
    const lastSeen = Math.max(...loggedOf(seen, chat.id).map((e) => e.seq));
    expect(lastSeen).toBe(3);
    await first.cancel();

    for (const i of range(4)) sent.push(await send(svc, other!, chat.id, `later ${i}`));
    await svc.chat.editMessage({ messageId: sent[1]!.id, body: 'm2 edited' }, other!.md);
    await svc.chat.deleteMessage({ messageId: sent[6]!.id }, other!.md);
    await svc.chat.markRead({ chatId: chat.id, seq: 2 }, me!.md);
    const lastSeq = 11;

    const second = subscribe(me!, [
      { chatId: chat.id, seq: lastSeen },
      { chatId: quiet.id, seq: 0 },
    ]);
    const snapshot = await second.snapshot();
    expect(new Map(snapshot.chats.map((c) => [c.chatId, c.seq]))).toEqual(
      new Map([
        [chat.id, lastSeq],
        [quiet.id, 0],
      ]),
    );
    await send(svc, other!, chat.id, 'live');
    const events = await second.until(withBody('live'));
    expect(events.map((e) => [e.kind?.$case, e.seq])).toEqual([
      ...range(6).map((n) => ['messageCreated', n + 3]),
      ['messageEdited', 10],
      ['messageDeleted', 11],
      ['messageCreated', 12],
    ]);
    expect(asLog(events)).toEqual((await storedLog(svc, chat.id)).slice(3, 12));
    expect(messageOf(events.find(is('messageEdited'))!)).toMatchObject({ id: sent[1]!.id, body: 'm2 edited' });
    expect(messageOf(events.find(is('messageDeleted'))!)).toMatchObject({ id: sent[6]!.id, body: '' });
    expect(second.protocolErrors).toEqual([]);
  });

  it('resuming across a removal and re-adding keeps the chat live', async () => {
    const [me, owner] = await users(svc, 2);
    const chat = await group(svc, owner!, [me!]);
    await send(svc, owner!, chat.id, 'seen'); // 1: the client's cursor
    await svc.chat.removeMember({ chatId: chat.id, userId: me!.id }, owner!.md); // 2
    await send(svc, owner!, chat.id, 'while removed'); // 3
    await svc.chat.addMembers({ chatId: chat.id, userIds: [me!.id] }, owner!.md); // 4
    await send(svc, owner!, chat.id, 'back'); // 5
    const stream = subscribe(me!, [{ chatId: chat.id, seq: 1 }]);
    await stream.until(withBody('back'));
    await send(svc, owner!, chat.id, 'live'); // 6
    await stream.until(withBody('live'), 3_000);
    // As live delivery would have had it: nothing between RemovedFromChat and being added again.
    expect(loggedOf(stream.events, chat.id).map((e) => [e.kind?.$case, e.seq])).toEqual([
      ['removedFromChat', 2],
      ['chatUpdated', 4],
      ['messageCreated', 5],
      ['messageCreated', 6],
    ]);
  });

  it('a cursor past lastSeq counts as lastSeq: the next event is not skipped', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    for (const i of range(3)) await send(svc, other!, chat.id, `m${i}`);
    const stream = subscribe(me!, [{ chatId: chat.id, seq: 1_000 }]);
    expect((await stream.snapshot()).chats).toEqual([{ chatId: chat.id, seq: 3 }]);
    await send(svc, other!, chat.id, 'next');
    const event = await stream.next(is('messageCreated'));
    expect(event).toMatchObject({ chatId: chat.id, seq: 4 });
    expect(loggedOf(stream.events, chat.id)).toHaveLength(1);
  });

  it('resuming at 0 replays a long log in pages, each event once', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    // 1,200 events straight into the log: more than two replay pages.
    await sql(
      svc,
      `WITH m AS (
         INSERT INTO messages (id, chat_id, seq, sender_id, body, client_message_id, created_at)
         SELECT gen_random_uuid(), ?, s, ?, 'bulk ' || s, 'bulk-' || s, now() FROM generate_series(1, 1200) s
         RETURNING id, seq)
       INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at)
       SELECT ?, seq, 'message_created', id, '{}', now() FROM m`,
      [chat.id, other!.id, chat.id],
    );
    await sql(svc, 'UPDATE chats SET last_seq = 1200 WHERE id = ?', [chat.id]);
    const stream = subscribe(me!, [{ chatId: chat.id, seq: 0 }]);
    await send(svc, other!, chat.id, 'live');
    await stream.until(withBody('live'), 15_000);
    expect(loggedOf(stream.events, chat.id).map((e) => e.seq)).toEqual(range(1201));
  });
});

describe('stream lifecycle', () => {
  it('cleans up streams cancelled by the client', async () => {
    const [me] = await users(svc, 1);
    const baseline = svc.app.subscribers();
    const streams = range(200).map(() => subscribe(me!));
    await Promise.all(streams.map((stream) => stream.snapshot()));
    expect(svc.app.subscribers()).toBe(baseline + 200);
    await Promise.all(streams.map((stream) => stream.cancel()));
    await until(() => svc.app.subscribers() === baseline, 'the stream to be unregistered', 5_000);
    expect(svc.app.subscribers()).toBe(baseline);
  });

  it('ends the streams of a revoked session with UNAUTHENTICATED within about a second', async () => {
    const [me, other] = await users(svc, 2);
    const chat = await group(svc, other!, [me!]);
    const [doomed, alsoDoomed] = [subscribe(me!), subscribe(me!)];
    const bystander = subscribe(other!);
    await Promise.all([doomed, alsoDoomed, bystander].map((stream) => stream.snapshot()));
    const started = Date.now();
    await svc.authService.auth.logout({}, me!.md);
    for (const stream of [doomed, alsoDoomed])
      expect(await stream.ended(3_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(Date.now() - started).toBeLessThan(1_500);
    await send(svc, other!, chat.id, 'still here');
    await bystander.next(withBody('still here'));
    expect(await subscribe(me!).ended()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
