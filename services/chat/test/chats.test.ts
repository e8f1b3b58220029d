import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { ChatKind, ChatRole } from '../../../proto/gen/chat/v1/chat.js';
import {
  bulkUserIds,
  chatAs,
  chatRow,
  direct,
  group,
  loggedSeqs,
  outcome,
  send,
  sql,
  storeState,
  users,
  type TestUser,
} from './helpers.js';

const svc = useChatService('chat_chats');

async function members(chatId: string, as: TestUser) {
  const { members } = await svc.chat.listMembers({ chatId, first: 500 }, as.md);
  return new Map(members.map((m) => [m.userId, m.role]));
}

describe('direct chats', () => {
  it('get-or-create returns the same chat from both sides, with two MEMBERs and no title', async () => {
    const [a, b] = await users(svc, 2);
    const first = await direct(svc, a!, b!);
    const again = await direct(svc, a!, b!);
    const other = await direct(svc, b!, a!);
    expect(again.id).toBe(first.id);
    expect(other.id).toBe(first.id);
    expect(first).toMatchObject({ kind: ChatKind.CHAT_KIND_DIRECT, memberCount: 2, lastSeq: 0 });
    expect(first.title).toBeUndefined();
    expect(first.role).toBe(ChatRole.CHAT_ROLE_MEMBER);
    expect(other.role).toBe(ChatRole.CHAT_ROLE_MEMBER);
    expect(await members(first.id, a!)).toEqual(
      new Map([
        [a!.id, ChatRole.CHAT_ROLE_MEMBER],
        [b!.id, ChatRole.CHAT_ROLE_MEMBER],
      ]),
    );
  });

  it('creates exactly one chat when both users open it concurrently', async () => {
    const [a, b] = await users(svc, 2);
    const chats = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? direct(svc, a!, b!) : direct(svc, b!, a!))),
    );
    expect(new Set(chats.map((chat) => chat.id)).size).toBe(1);
    const rows = await sql<{ n: number }>(
      svc,
      `SELECT count(*)::int AS n FROM chats c
        WHERE (SELECT count(*) FROM chat_members m WHERE m.chat_id = c.id AND m.user_id IN (?, ?)) = 2`,
      [a!.id, b!.id],
    );
    expect(rows[0]?.n).toBe(1);
    expect(await sql(svc, 'SELECT user_id FROM chat_members WHERE chat_id = ?', [chats[0]!.id])).toHaveLength(2);
  });

  it('needs another user who exists, by a valid id', async () => {
    const [a] = await users(svc, 1);
    const before = await storeState(svc);
    const call = (userId: string) => outcome(svc.chat.getOrCreateDirectChat({ userId }, a!.md));
    expect(await call(randomUUID())).toEqual({ code: 'NOT_FOUND' });
    expect(await call(a!.id)).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await call(a!.id.toUpperCase())).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await call('not-a-uuid')).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await call('')).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await storeState(svc)).toEqual(before);
  });

  it('refuses adding, removing, re-roling and leaving with INVALID_ARGUMENT, changing nothing', async () => {
    const [a, b, c] = await users(svc, 3);
    const chat = await direct(svc, a!, b!);
    const before = await storeState(svc);
    expect(await outcome(svc.chat.addMembers({ chatId: chat.id, userIds: [c!.id] }, a!.md))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(await outcome(svc.chat.removeMember({ chatId: chat.id, userId: b!.id }, a!.md))).toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(
      await outcome(svc.chat.setMemberRole({ chatId: chat.id, userId: b!.id, role: ChatRole.CHAT_ROLE_OWNER }, a!.md)),
    ).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await outcome(svc.chat.leaveChat({ chatId: chat.id }, b!.md))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await storeState(svc)).toEqual(before);
    expect((await chatAs(svc, b!, chat.id))?.memberCount).toBe(2);
  });
});

describe('group creation', () => {
  it('makes the caller OWNER and the others MEMBERs', async () => {
    const [owner, m1, m2] = await users(svc, 3);
    const chat = await group(svc, owner!, [m1!, m2!, m1!, owner!], '  Team  ');
    expect(chat).toMatchObject({
      kind: ChatKind.CHAT_KIND_GROUP,
      title: 'Team',
      memberCount: 3,
      lastSeq: 0,
      role: ChatRole.CHAT_ROLE_OWNER,
      unreadCount: 0,
    });
    expect(await members(chat.id, m2!)).toEqual(
      new Map([
        [owner!.id, ChatRole.CHAT_ROLE_OWNER],
        [m1!.id, ChatRole.CHAT_ROLE_MEMBER],
        [m2!.id, ChatRole.CHAT_ROLE_MEMBER],
      ]),
    );
    expect((await chatAs(svc, m1!, chat.id))?.role).toBe(ChatRole.CHAT_ROLE_MEMBER);
  });

  it('takes a title of 1–100 code points', async () => {
    const [owner] = await users(svc, 1);
    const before = await storeState(svc);
    for (const title of ['', '   ', 'a'.repeat(101), '😀'.repeat(101)]) {
      expect(await outcome(svc.chat.createGroupChat({ title, memberIds: [] }, owner!.md))).toEqual({
        code: 'INVALID_ARGUMENT',
        field: 'title',
      });
    }
    expect(await storeState(svc)).toEqual(before);
    expect((await group(svc, owner!, [], '😀'.repeat(100))).title).toBe('😀'.repeat(100));
    expect((await group(svc, owner!, [], 'b'.repeat(100))).title).toBe('b'.repeat(100));
  });

  it('takes at most 100 member ids, all of existing users, and writes nothing otherwise', async () => {
    const [owner, m1] = await users(svc, 2);
    const before = await storeState(svc);
    const tooMany = await bulkUserIds(svc, 101);
    expect(await outcome(svc.chat.createGroupChat({ title: 't', memberIds: tooMany }, owner!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'memberIds',
    });
    expect(
      await outcome(svc.chat.createGroupChat({ title: 't', memberIds: [m1!.id, randomUUID()] }, owner!.md)),
    ).toEqual({ code: 'INVALID_ARGUMENT', field: 'memberIds' });
    expect(await outcome(svc.chat.createGroupChat({ title: 't', memberIds: ['nope'] }, owner!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'memberIds',
    });
    expect(await storeState(svc)).toEqual(before);
    expect((await group(svc, owner!, [], 't')).memberCount).toBe(1);
    const hundred = await svc.chat.createGroupChat({ title: 't', memberIds: tooMany.slice(0, 100) }, owner!.md);
    expect(hundred.chat?.memberCount).toBe(101);
  });
});

describe('membership changes', () => {
  it('AddMembers: OWNER and ADMIN only, ≤ 100 ids, existing members ignored, non-members NOT_FOUND', async () => {
    const [owner, admin, member, x, y, outsider] = await users(svc, 6);
    const chat = await group(svc, owner!, [admin!, member!]);
    await svc.chat.setMemberRole({ chatId: chat.id, userId: admin!.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    const add = (by: TestUser, userIds: string[]) => svc.chat.addMembers({ chatId: chat.id, userIds }, by.md);

    expect(await outcome(add(member!, [x!.id]))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(add(outsider!, [x!.id]))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(add(owner!, await bulkUserIds(svc, 101)))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'userIds',
    });
    expect(await outcome(add(owner!, [x!.id, randomUUID()]))).toEqual({ code: 'INVALID_ARGUMENT', field: 'userIds' });
    expect(await chatRow(svc, chat.id)).toEqual({ last_seq: 1, member_count: 3 }); // only the role change

    const added = await add(admin!, [x!.id, member!.id]);
    expect(added.chat).toMatchObject({ memberCount: 4, lastSeq: 2 });
    expect((await add(owner!, [x!.id, member!.id, owner!.id])).chat).toMatchObject({ memberCount: 4, lastSeq: 2 });
    expect((await add(owner!, [y!.id, y!.id])).chat).toMatchObject({ memberCount: 5, lastSeq: 3 });
    expect((await chatAs(svc, x!, chat.id))?.role).toBe(ChatRole.CHAT_ROLE_MEMBER);
    expect(await loggedSeqs(svc, chat.id)).toEqual([1, 2, 3]);
  });

  it('AddMembers refuses to grow a group past 10,000 members (MAX_GROUP_MEMBERS by default)', async () => {
    const [owner, m1, m2, m3] = await users(svc, 4);
    const chat = await group(svc, owner!, [m1!]);
    // 9,997 more member rows, as if added earlier: 9,999 members in all.
    await sql(
      svc,
      `INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq)
       SELECT ?, gen_random_uuid(), 'MEMBER', now(), 0 FROM generate_series(1, 9997)`,
      [chat.id],
    );
    await sql(
      svc,
      'UPDATE chats SET member_count = (SELECT count(*) FROM chat_members WHERE chat_id = ?) WHERE id = ?',
      [chat.id, chat.id],
    );
    const before = await storeState(svc);
    expect(await outcome(svc.chat.addMembers({ chatId: chat.id, userIds: [m2!.id, m3!.id] }, owner!.md))).toEqual({
      code: 'FAILED_PRECONDITION',
    });
    expect(await storeState(svc)).toEqual(before);
    expect((await svc.chat.addMembers({ chatId: chat.id, userIds: [m2!.id] }, owner!.md)).chat?.memberCount).toBe(
      10_000,
    );
    expect(await outcome(svc.chat.addMembers({ chatId: chat.id, userIds: [m3!.id] }, owner!.md))).toMatchObject({
      code: 'FAILED_PRECONDITION',
    });
    expect((await chatRow(svc, chat.id))?.member_count).toBe(10_000);
  });

  it('RemoveMember: OWNER and ADMIN; an ADMIN cannot remove the OWNER; nobody removes themselves', async () => {
    const [owner, admin, m1, m2, outsider] = await users(svc, 5);
    const chat = await group(svc, owner!, [admin!, m1!, m2!]);
    await svc.chat.setMemberRole({ chatId: chat.id, userId: admin!.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    const remove = (by: TestUser, userId: string) => svc.chat.removeMember({ chatId: chat.id, userId }, by.md);

    const before = await storeState(svc);
    expect(await outcome(remove(m1!, m2!.id))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(remove(admin!, owner!.id))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(remove(owner!, owner!.id))).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await outcome(remove(admin!, admin!.id))).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await outcome(remove(owner!, outsider!.id))).toEqual({ code: 'NOT_FOUND' });
    expect(await outcome(remove(owner!, 'bad'))).toEqual({ code: 'INVALID_ARGUMENT', field: 'userId' });
    expect(await storeState(svc)).toEqual(before);

    expect((await remove(admin!, m1!.id)).chat).toMatchObject({ memberCount: 3, lastSeq: 2 });
    expect((await remove(owner!, m2!.id)).chat).toMatchObject({ memberCount: 2, lastSeq: 3 });
    expect(await members(chat.id, owner!)).toEqual(
      new Map([
        [owner!.id, ChatRole.CHAT_ROLE_OWNER],
        [admin!.id, ChatRole.CHAT_ROLE_ADMIN],
      ]),
    );
    expect(await chatAs(svc, m1!, chat.id)).toBeUndefined();
  });

  it('SetMemberRole: OWNER only; making another OWNER hands ownership over', async () => {
    const [owner, a, b] = await users(svc, 3);
    const chat = await group(svc, owner!, [a!, b!]);
    const setRole = (by: TestUser, userId: string, role: ChatRole) =>
      svc.chat.setMemberRole({ chatId: chat.id, userId, role }, by.md);

    expect((await setRole(owner!, a!.id, ChatRole.CHAT_ROLE_ADMIN)).chat?.lastSeq).toBe(1);
    expect(await outcome(setRole(a!, b!.id, ChatRole.CHAT_ROLE_ADMIN))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(setRole(b!, b!.id, ChatRole.CHAT_ROLE_ADMIN))).toEqual({ code: 'PERMISSION_DENIED' });
    expect(await outcome(setRole(owner!, b!.id, ChatRole.CHAT_ROLE_UNSPECIFIED))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'role',
    });
    expect(await outcome(setRole(owner!, owner!.id, ChatRole.CHAT_ROLE_MEMBER))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'userId',
    });
    expect((await chatRow(svc, chat.id))?.last_seq).toBe(1);

    const handed = await setRole(owner!, b!.id, ChatRole.CHAT_ROLE_OWNER);
    expect(handed.chat).toMatchObject({ role: ChatRole.CHAT_ROLE_ADMIN, lastSeq: 2 });
    expect(await members(chat.id, b!)).toEqual(
      new Map([
        [owner!.id, ChatRole.CHAT_ROLE_ADMIN],
        [a!.id, ChatRole.CHAT_ROLE_ADMIN],
        [b!.id, ChatRole.CHAT_ROLE_OWNER],
      ]),
    );
    // The old OWNER is an ADMIN now: no longer allowed to change roles.
    expect(await outcome(setRole(owner!, a!.id, ChatRole.CHAT_ROLE_MEMBER))).toEqual({ code: 'PERMISSION_DENIED' });
    expect((await setRole(b!, a!.id, ChatRole.CHAT_ROLE_MEMBER)).chat?.lastSeq).toBe(3);
  });

  it('LeaveChat: an OWNER hands ownership to the longest-standing ADMIN', async () => {
    const [owner, first, second, third] = await users(svc, 4);
    const chat = await group(svc, owner!, [first!]);
    await svc.chat.addMembers({ chatId: chat.id, userIds: [second!.id] }, owner!.md);
    await svc.chat.addMembers({ chatId: chat.id, userIds: [third!.id] }, owner!.md);
    // Promoted in the other order: the join time decides, not the promotion time.
    for (const user of [third!, second!]) {
      await svc.chat.setMemberRole({ chatId: chat.id, userId: user.id, role: ChatRole.CHAT_ROLE_ADMIN }, owner!.md);
    }
    await svc.chat.leaveChat({ chatId: chat.id }, owner!.md);
    const roles = await members(chat.id, first!);
    expect(roles.get(second!.id)).toBe(ChatRole.CHAT_ROLE_OWNER);
    expect(roles.get(third!.id)).toBe(ChatRole.CHAT_ROLE_ADMIN);
    expect(roles.get(first!.id)).toBe(ChatRole.CHAT_ROLE_MEMBER);
    expect(roles.has(owner!.id)).toBe(false);
    expect((await chatAs(svc, first!, chat.id))?.memberCount).toBe(3);
    expect(await outcome(svc.chat.listMembers({ chatId: chat.id, first: 10 }, owner!.md))).toEqual({
      code: 'NOT_FOUND',
    });
  });

  it('LeaveChat: without ADMINs the longest-standing member becomes OWNER; a MEMBER just leaves', async () => {
    const [owner, early, late, other] = await users(svc, 4);
    const chat = await group(svc, owner!, [early!]);
    await svc.chat.addMembers({ chatId: chat.id, userIds: [late!.id, other!.id] }, owner!.md);
    await svc.chat.leaveChat({ chatId: chat.id }, other!.md);
    expect((await members(chat.id, early!)).get(owner!.id)).toBe(ChatRole.CHAT_ROLE_OWNER);
    await svc.chat.leaveChat({ chatId: chat.id }, owner!.md);
    const roles = await members(chat.id, early!);
    expect(roles).toEqual(
      new Map([
        [early!.id, ChatRole.CHAT_ROLE_OWNER],
        [late!.id, ChatRole.CHAT_ROLE_MEMBER],
      ]),
    );
    expect(await loggedSeqs(svc, chat.id)).toEqual([1, 2, 3]);
    expect(await outcome(svc.chat.leaveChat({ chatId: chat.id }, owner!.md))).toEqual({ code: 'NOT_FOUND' });
  });
});

describe('listing', () => {
  it('ListMembers pages by join time then user id, with `after` the last user id', async () => {
    const [owner] = await users(svc, 1);
    const ids = await bulkUserIds(svc, 260);
    const chat = await group(svc, owner!, [], 'big');
    for (let i = 0; i < ids.length; i += 100) {
      await svc.chat.addMembers({ chatId: chat.id, userIds: ids.slice(i, i + 100) }, owner!.md);
    }
    const expected = await sql<{ user_id: string }>(
      svc,
      'SELECT user_id FROM chat_members WHERE chat_id = ? ORDER BY joined_at, user_id',
      [chat.id],
    );
    expect(expected).toHaveLength(261);
    expect(expected[0]?.user_id).toBe(owner!.id);

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await svc.chat.listMembers({ chatId: chat.id, first: 37, after }, owner!.md);
      expect(page.members.length).toBe(page.hasNextPage ? 37 : 261 % 37);
      seen.push(...page.members.map((m) => m.userId));
      if (!page.hasNextPage) break;
      after = page.members.at(-1)!.userId;
    }
    expect(seen).toEqual(expected.map((row) => row.user_id));

    expect((await svc.chat.listMembers({ chatId: chat.id, first: 0 }, owner!.md)).members).toHaveLength(100);
    expect((await svc.chat.listMembers({ chatId: chat.id, first: 500 }, owner!.md)).members).toHaveLength(261);
    const list = (first: number, after?: string) =>
      outcome(svc.chat.listMembers({ chatId: chat.id, first, after }, owner!.md));
    expect(await list(501)).toEqual({ code: 'INVALID_ARGUMENT', field: 'first' });
    expect(await list(-1)).toEqual({ code: 'INVALID_ARGUMENT', field: 'first' });
    expect(await list(10, randomUUID())).toEqual({ code: 'INVALID_ARGUMENT', field: 'after' });
    expect(await list(10, 'garbage')).toEqual({ code: 'INVALID_ARGUMENT', field: 'after' });
  });

  it('ListChats orders by last activity and pages by cursor without duplicates or gaps', async () => {
    const [me, other] = await users(svc, 2);
    const created: Awaited<ReturnType<typeof group>>[] = [];
    for (let i = 0; i < 23; i++)
      created.push(await group(svc, i % 2 ? me! : other!, i % 2 ? [other!] : [me!], `c${i}`));
    const newestFirst = created.map((chat) => chat.id).reverse();
    const firstPage = await svc.chat.listChats({ first: 5 }, me!.md);
    expect(firstPage.edges.map((e) => e.chat!.id)).toEqual(newestFirst.slice(0, 5));
    expect(firstPage.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false });

    // A message moves its chat to the top.
    const old = created[3]!.id;
    await send(svc, other!, old, 'bump');
    const bumped = [old, ...newestFirst.filter((id) => id !== old)];
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await svc.chat.listChats({ first: 7, after }, me!.md);
      pages++;
      expect(page.pageInfo!.hasPreviousPage).toBe(after !== undefined);
      seen.push(...page.edges.map((e) => e.chat!.id));
      if (!page.pageInfo!.hasNextPage) break;
      after = page.edges.at(-1)!.cursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(bumped);
    const top = (await svc.chat.listChats({ first: 1 }, me!.md)).edges[0]!.chat!;
    expect(top).toMatchObject({ id: old, unreadCount: 1, lastSeq: 1 });
    expect(top.lastMessage?.body).toBe('bump');
    expect(await outcome(svc.chat.listChats({ first: 101 }, me!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'first',
    });
    expect(await outcome(svc.chat.listChats({ first: 5, after: 'x' }, me!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'after',
    });
  });

  it('GetChats keeps the order of the ids and leaves chats of others unset', async () => {
    const [me, other, third] = await users(svc, 3);
    const mine = await group(svc, me!, [other!], 'mine');
    const theirs = await group(svc, other!, [third!], 'theirs');
    const dm = await direct(svc, other!, me!);
    const ids = [theirs.id, dm.id, 'not-a-uuid', mine.id, randomUUID(), dm.id.toUpperCase(), mine.id];
    const { results } = await svc.chat.getChats({ ids }, me!.md);
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results.map((r) => r.chat?.id)).toEqual([undefined, dm.id, undefined, mine.id, undefined, dm.id, mine.id]);
    expect(results[3]?.chat).toMatchObject({ title: 'mine', role: ChatRole.CHAT_ROLE_OWNER, memberCount: 2 });
    expect((await svc.chat.getChats({ ids: Array<string>(500).fill(mine.id) }, me!.md)).results).toHaveLength(500);
    expect(await outcome(svc.chat.getChats({ ids: Array<string>(501).fill(mine.id) }, me!.md))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'ids',
    });
  });
});
