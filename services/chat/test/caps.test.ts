import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isServiceError } from '../../../lib/errors.js';
import { TYPING_BURST } from '../src/typing.js';
import { useChatService } from '../../../test/support/chat.js';
import type { ChatEvent } from '../../../proto/gen/chat/v1/chat.js';
import { loadChatConfig } from '../src/config.js';
import { direct, group, outcome, send, sql, storeState, users, type TestUser } from './helpers.js';
import { is, typingOf, withBody, useStreams } from './stream-helpers.js';

// The caps chat-service enforces whatever the gateway checks: chats per user (MAX_CHATS_PER_USER,
// also the resume cursors one subscription may carry), members per group (MAX_GROUP_MEMBERS),
// and what one user can make it broadcast (TYPING_MIN_INTERVAL, READ_RECEIPT_MIN_INTERVAL).
// Small caps here; the defaults are checked from the configuration.

const CHATS = 3;
const MEMBERS = 4;
const READ_INTERVAL_MS = 1_000;
const svc = useChatService('chat_caps', {
  typingTtlMs: 300,
  env: {
    MAX_CHATS_PER_USER: String(CHATS),
    MAX_GROUP_MEMBERS: String(MEMBERS),
    // Long enough that nothing in a test outlives it: whatever a loop does, one start is announced.
    TYPING_MIN_INTERVAL: '1h',
    READ_RECEIPT_MIN_INTERVAL: `${READ_INTERVAL_MS}ms`,
  },
});
const { subscribe } = useStreams(svc);

/** The status name and message a refused call ended with. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServiceError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: status[error.code], message: error.details };
}

const chatsOf = async (user: TestUser) =>
  (await sql<{ n: number }>(svc, 'SELECT count(*)::int AS n FROM chat_members WHERE user_id = ?', [user.id]))[0]?.n;

describe('configuration', () => {
  it('defaults to 2,000 chats per user, 10,000 members per group, one typing start per 2 s, one receipt per 1 s', () => {
    const config = loadChatConfig({ CHAT_DATABASE_URL: 'postgres://x/y' });
    expect(config.caps).toEqual({
      chatsPerUser: 2_000,
      groupMembers: 10_000,
      typingIntervalMs: 2_000,
      readReceiptIntervalMs: 1_000,
    });
  });
});

describe('chats per user', () => {
  it('refuses a chat past the cap, for the caller and for whoever is added; nothing is written', async () => {
    const [full, b, c, d, owner, free] = await users(svc, 6, 'cpu');
    await direct(svc, full!, b!);
    await direct(svc, full!, c!);
    const mine = await group(svc, full!, [], 'mine');
    const theirs = await group(svc, owner!, [], 'theirs');
    expect(await chatsOf(full!)).toBe(CHATS);
    const before = await storeState(svc);

    const yours = {
      code: 'FAILED_PRECONDITION',
      message: `a user may be in at most ${CHATS} chats, and you are in ${CHATS}`,
    };
    const named = {
      code: 'FAILED_PRECONDITION',
      message: `a user may be in at most ${CHATS} chats, and user ${full!.id} is in ${CHATS}`,
    };
    expect(await refusal(svc.chat.getOrCreateDirectChat({ userId: d!.id }, full!.md))).toEqual(yours);
    expect(await refusal(svc.chat.createGroupChat({ title: 'one more', memberIds: [] }, full!.md))).toEqual(yours);
    expect(await refusal(svc.chat.getOrCreateDirectChat({ userId: full!.id }, d!.md))).toEqual(named);
    expect(
      await refusal(svc.chat.createGroupChat({ title: 'with full', memberIds: [d!.id, full!.id] }, owner!.md)),
    ).toEqual(named);
    // All or nothing: `free` is not added either.
    expect(await refusal(svc.chat.addMembers({ chatId: theirs.id, userIds: [free!.id, full!.id] }, owner!.md))).toEqual(
      named,
    );
    expect(await storeState(svc)).toEqual(before);

    // Everyone else is served meanwhile, and a chat the user already has is simply returned.
    expect((await svc.chat.getOrCreateDirectChat({ userId: d!.id }, b!.md)).chat?.id).toBeDefined();
    expect((await svc.chat.addMembers({ chatId: theirs.id, userIds: [free!.id] }, owner!.md)).chat?.memberCount).toBe(
      2,
    );
    expect((await svc.chat.getOrCreateDirectChat({ userId: b!.id }, full!.md)).chat).toBeDefined();

    // Leaving one makes room for one.
    await svc.chat.leaveChat({ chatId: mine.id }, full!.md);
    expect((await svc.chat.addMembers({ chatId: theirs.id, userIds: [full!.id] }, owner!.md)).chat?.memberCount).toBe(
      3,
    );
    expect(await chatsOf(full!)).toBe(CHATS);
  });

  it('lets only one of several joins at once take the last place', async () => {
    const [user, a, b, ...others] = await users(svc, 7, 'race');
    await direct(svc, user!, a!);
    await direct(svc, user!, b!);
    const results = await Promise.all(
      others.map((other) => outcome(svc.chat.getOrCreateDirectChat({ userId: user!.id }, other.md))),
    );
    expect(results.filter((r) => r.code === 'OK')).toHaveLength(1);
    expect(results.filter((r) => r.code === 'FAILED_PRECONDITION')).toHaveLength(others.length - 1);
    expect(await chatsOf(user!)).toBe(CHATS);
  });
});

describe('members per group', () => {
  it('refuses a group past the cap at creation and when adding; nothing is written', async () => {
    const [owner, m1, m2, m3, m4, m5] = await users(svc, 6, 'mpg');
    const before = await storeState(svc);
    const tooMany = { code: 'FAILED_PRECONDITION', message: `a group may have at most ${MEMBERS} members` };
    expect(
      await refusal(
        svc.chat.createGroupChat({ title: 'big', memberIds: [m1!, m2!, m3!, m4!].map((m) => m.id) }, owner!.md),
      ),
    ).toEqual(tooMany);
    expect(await storeState(svc)).toEqual(before);

    const chat = await group(svc, owner!, [m1!, m2!], 'capped');
    const full = await svc.chat.addMembers({ chatId: chat.id, userIds: [m3!.id] }, owner!.md);
    expect(full.chat?.memberCount).toBe(MEMBERS);
    const atCap = await storeState(svc);
    expect(await refusal(svc.chat.addMembers({ chatId: chat.id, userIds: [m4!.id, m5!.id] }, owner!.md))).toEqual(
      tooMany,
    );
    expect(await refusal(svc.chat.addMembers({ chatId: chat.id, userIds: [m4!.id] }, owner!.md))).toEqual(tooMany);
    expect(await storeState(svc)).toEqual(atCap);
    // Adding members who are already in changes nothing and is fine; so is everything else.
    expect((await svc.chat.addMembers({ chatId: chat.id, userIds: [m1!.id] }, owner!.md)).chat?.memberCount).toBe(
      MEMBERS,
    );
    expect((await send(svc, m3!, chat.id, 'still here')).seq).toBe(2);
  });
});

describe('resume cursors', () => {
  it('past the cap, a subscription is refused as INVALID_ARGUMENT on resume', async () => {
    const [me] = await users(svc, 1, 'rc');
    const cursors = Array.from({ length: CHATS + 1 }, () => ({ chatId: randomUUID(), seq: 0 }));
    expect(await subscribe(me!, cursors).ended()).toEqual({
      code: 'INVALID_ARGUMENT',
      details: `at most ${CHATS} resume cursors`,
    });
    expect((await subscribe(me!, cursors.slice(0, CHATS)).snapshot()).chats).toEqual([]);
  });

  it('cursors for chats one is not in (and duplicates) cost what one such cursor costs', async () => {
    const [me, friend] = await users(svc, 2, 'nq');
    const chat = await direct(svc, me!, friend!);
    // Every query chat-service makes while a subscription starts and its first event arrives.
    const orm = svc.app.orm;
    const fork = orm.em.fork.bind(orm.em);
    let queries = 0;
    orm.em.fork = (...args: Parameters<typeof fork>) => {
      const em = fork(...args);
      const execute = em.execute.bind(em);
      em.execute = ((...query: Parameters<typeof execute>) => {
        queries++;
        return execute(...query);
      }) as typeof em.execute;
      return em;
    };
    const queriesFor = async (resume: { chatId: string; seq: number }[], marker: string) => {
      queries = 0;
      const stream = subscribe(me!, resume);
      await stream.snapshot();
      await send(svc, friend!, chat.id, marker);
      await stream.next(withBody(marker));
      return queries;
    };
    try {
      const none = await queriesFor([{ chatId: chat.id, seq: 0 }], 'none');
      const [elsewhere, another] = [randomUUID(), randomUUID()];
      const one = await queriesFor(
        [
          { chatId: chat.id, seq: 1 },
          { chatId: elsewhere, seq: 0 },
        ],
        'one',
      );
      const two = await queriesFor(
        [
          { chatId: chat.id, seq: 2 },
          { chatId: elsewhere, seq: 0 },
          { chatId: another, seq: 7 },
        ],
        'two',
      );
      const twice = await queriesFor(
        [
          { chatId: chat.id, seq: 3 },
          { chatId: elsewhere, seq: 0 },
          { chatId: elsewhere.toUpperCase(), seq: 5 },
        ],
        'twice',
      );
      expect(one).toBeLessThanOrEqual(none + 1);
      expect(two).toBe(one);
      expect(twice).toBe(one);
    } finally {
      orm.em.fork = fork;
    }
  });
});

describe('fan-out of typing and read receipts', () => {
  it('a typing loop announces one burst of starts and their ends; another typist is announced meanwhile', async () => {
    const [typist, reader, other] = await users(svc, 3, 'ty');
    const chat = await group(svc, typist!, [reader!, other!]);
    const stream = subscribe(reader!);
    await stream.snapshot();
    for (let i = 0; i < 25; i++) {
      await svc.chat.setTyping({ chatId: chat.id, typing: true }, typist!.md);
      await svc.chat.setTyping({ chatId: chat.id, typing: false }, typist!.md);
    }
    await svc.chat.setTyping({ chatId: chat.id, typing: true }, other!.md);
    await send(svc, typist!, chat.id, 'done typing');
    const events = await stream.until(withBody('done typing'));
    // 25 toggles within the interval: only the burst (type, send, type again) is announced.
    expect(events.filter(is('typing')).map(typingOf)).toEqual([
      ...Array.from({ length: TYPING_BURST }, () => [
        { userId: typist!.id, typing: true },
        { userId: typist!.id, typing: false },
      ]).flat(),
      { userId: other!.id, typing: true },
    ]);
  });

  it('a markRead loop writes every marker, broadcasts at most one receipt per interval, and the newest arrives', async () => {
    const [author, reader] = await users(svc, 2, 'rr');
    const chat = await group(svc, author!, [reader!]);
    const count = 30;
    for (let i = 1; i <= count; i++) await send(svc, author!, chat.id, `m${i}`);
    const stream = subscribe(author!);
    await stream.snapshot();
    const started = Date.now();
    for (let seq = 1; seq <= count; seq++) {
      expect((await svc.chat.markRead({ chatId: chat.id, seq }, reader!.md)).chat?.lastReadSeq).toBe(seq);
    }
    const receiptOf = (event: ChatEvent) =>
      event.kind?.$case === 'readReceipt' && event.kind.readReceipt.userId === reader!.id
        ? event.kind.readReceipt
        : undefined;
    await stream.until((event) => receiptOf(event)?.lastReadSeq === count, 10_000);
    const elapsed = Date.now() - started;
    const receipts = stream.events.flatMap((event) => receiptOf(event) ?? []);
    // One at once, then at most one per interval that began meanwhile.
    expect(receipts.length).toBeLessThanOrEqual(2 + Math.floor(elapsed / READ_INTERVAL_MS));
    expect(receipts.length).toBeLessThan(count);
    expect(receipts.map((r) => r.lastReadSeq)).toEqual([...receipts.map((r) => r.lastReadSeq)].sort((a, b) => a - b));
  });
});
