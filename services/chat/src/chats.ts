import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { invalidArgument, limitExceeded, notFound, permissionDenied } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import type { Caller } from '../../../lib/session-verifier.js';
import type {
  Chat as ChatProto,
  ChatMember as ChatMemberProto,
  ListMembersRequest,
} from '../../../proto/gen/chat/v1/chat.js';
import type { ChatBus } from './bus.js';
import type { ChatRole } from './entities.js';
import { appendEvent, lockChat, type LoggedEvent } from './log.js';
import { loadChatViews, ROLE_TO_PROTO, uuidArray } from './rows.js';
import {
  LIMITS,
  activityCursor,
  chatId as checkChatId,
  groupTitle,
  isUuid,
  pageSize,
  userId as checkUserId,
  userIds as checkUserIds,
} from './validation.js';

/** Which of these user ids exist, asked of auth-service on the caller's behalf. */
export type UserDirectory = (caller: Caller, ids: string[]) => Promise<Set<string>>;

export interface ChatsDeps {
  orm: MikroORM;
  bus: ChatBus;
  users: UserDirectory;
  caps: {
    /** Chats a user may be in, direct ones included (MAX_CHATS_PER_USER). */
    chatsPerUser: number;
    /** Members a group may have (MAX_GROUP_MEMBERS). */
    groupMembers: number;
  };
}

const DIRECT_IS_FIXED = 'the members of a direct chat cannot change';

/** The first key of the advisory locks that serialize the joins of one user (the second: the user). */
const MEMBERSHIPS_LOCK = 0x63686174;

/** Chats and their members: creation, membership and roles, listing. */
export function createChats({ orm, bus, users, caps }: ChatsDeps) {
  async function view(em: EntityManager, caller: Caller, chatId: string): Promise<ChatProto> {
    const chat = (await loadChatViews(em, caller.userId, [chatId])).get(chatId);
    if (!chat) throw notFound('no such chat');
    return chat;
  }

  /** Publishes after commit; a lost publish is repaired by subscribers' gap reads. */
  async function published<T>(result: T, events: LoggedEvent[]): Promise<T> {
    for (const event of events) await bus.publish({ type: 'logged', event });
    return result;
  }

  async function requireUsers(caller: Caller, field: string, ids: string[]) {
    if (ids.length === 0) return;
    const found = await users(caller, ids);
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length > 0) throw invalidArgument(field, `no such user: ${unknown.join(', ')}`);
  }

  /**
   * Takes the lock on the memberships of each of `userIds` until the transaction ends, in one
   * order (so two transactions never wait for each other): two joins of one user at once cannot
   * both pass the chats-per-user cap. Joins to different chats otherwise run in parallel.
   */
  async function lockMemberships(tx: EntityManager, userIds: readonly string[]) {
    await tx.execute(
      `SELECT pg_advisory_xact_lock(?, k)
         FROM (SELECT DISTINCT hashtext(id::text) AS k FROM unnest(?::uuid[]) AS id ORDER BY k) AS keys`,
      [MEMBERSHIPS_LOCK, uuidArray(userIds)],
    );
  }

  /**
   * After `userIds` joined a chat (under `lockMemberships`): LIMIT_EXCEEDED if one of them is now
   * in more chats than a user may be, which rolls the whole change back.
   */
  async function requireChatsCap(tx: EntityManager, caller: Caller, userIds: readonly string[]) {
    const over = await tx.execute<{ user_id: string }[]>(
      `SELECT user_id FROM chat_members WHERE user_id = ANY(?::uuid[])
        GROUP BY user_id HAVING count(*) > ? ORDER BY user_id LIMIT 1`,
      [uuidArray(userIds), caps.chatsPerUser],
    );
    const userId = over[0]?.user_id;
    if (userId === undefined) return;
    const who = userId === caller.userId ? 'you are' : `user ${userId} is`;
    throw limitExceeded(`a user may be in at most ${caps.chatsPerUser} chats, and ${who} in ${caps.chatsPerUser}`);
  }

  function requireGroupCap(members: number) {
    if (members > caps.groupMembers) throw limitExceeded(`a group may have at most ${caps.groupMembers} members`);
  }

  /** A new chat has no log event (its state at creation is seq 0); its members' streams learn of it here. */
  async function announceCreated(chatId: string, memberIds: string[]) {
    await bus.publish({ type: 'live', event: { kind: 'created', chatId, memberIds } });
  }

  async function insertChat(
    tx: EntityManager,
    chat: { id: string; kind: 'DIRECT' | 'GROUP'; title: string | null; directKey: string | null },
    members: { userId: string; role: ChatRole }[],
  ): Promise<boolean> {
    const now = new Date();
    const inserted = await tx.execute<{ id: string }[]>(
      `INSERT INTO chats (id, kind, title, direct_key, last_seq, member_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
      [chat.id, chat.kind, chat.title, chat.directKey, members.length, now, now],
    );
    if (inserted.length === 0) return false;
    await insertMembers(tx, chat.id, members, now);
    return true;
  }

  async function insertMembers(
    tx: EntityManager,
    chatId: string,
    members: { userId: string; role: ChatRole }[],
    at: Date,
  ) {
    for (let i = 0; i < members.length; i += 500) {
      const batch = members.slice(i, i + 500);
      await tx.execute(
        `INSERT INTO chat_members (chat_id, user_id, role, joined_at, last_read_seq) VALUES ${batch.map(() => '(?, ?, ?, ?, 0)').join(', ')}`,
        batch.flatMap((member) => [chatId, member.userId, member.role, at]),
      );
    }
  }

  return {
    /** One chat per pair, also when both users open it at the same moment. */
    async getOrCreateDirect(caller: Caller, otherUserId: string): Promise<ChatProto> {
      const other = checkUserId('userId', otherUserId);
      if (other === caller.userId) throw invalidArgument('userId', 'a direct chat needs another user');
      const directKey = [caller.userId, other].sort().join(':');
      const em = orm.em.fork();
      const existing = await em.execute<{ id: string }[]>('SELECT id FROM chats WHERE direct_key = ?', [directKey]);
      if (existing[0]) return view(em, caller, existing[0].id);
      if (!(await users(caller, [other])).has(other)) throw notFound('no such user');
      const chatId = randomUUID();
      // A concurrent creator of the same pair makes ON CONFLICT wait for its commit, then skip.
      const created = await em.transactional(async (tx) => {
        await lockMemberships(tx, [caller.userId, other]);
        const inserted = await insertChat(tx, { id: chatId, kind: 'DIRECT', title: null, directKey }, [
          { userId: caller.userId, role: 'MEMBER' },
          { userId: other, role: 'MEMBER' },
        ]);
        if (inserted) await requireChatsCap(tx, caller, [caller.userId, other]);
        return inserted;
      });
      if (created) {
        await announceCreated(chatId, [caller.userId, other]);
        return view(em, caller, chatId);
      }
      const winner = await em.execute<{ id: string }[]>('SELECT id FROM chats WHERE direct_key = ?', [directKey]);
      return view(em, caller, winner[0]!.id);
    },

    async createGroup(caller: Caller, rawTitle: string, rawMemberIds: string[]): Promise<ChatProto> {
      const title = groupTitle(rawTitle);
      const memberIds = checkUserIds('memberIds', rawMemberIds, LIMITS.membersPerCall).filter(
        (id) => id !== caller.userId,
      );
      requireGroupCap(1 + memberIds.length);
      await requireUsers(caller, 'memberIds', memberIds);
      const chatId = randomUUID();
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        await lockMemberships(tx, [caller.userId, ...memberIds]);
        await insertChat(tx, { id: chatId, kind: 'GROUP', title, directKey: null }, [
          { userId: caller.userId, role: 'OWNER' },
          ...memberIds.map((id) => ({ userId: id, role: 'MEMBER' as const })),
        ]);
        await requireChatsCap(tx, caller, [caller.userId, ...memberIds]);
      });
      await announceCreated(chatId, [caller.userId, ...memberIds]);
      return view(em, caller, chatId);
    },

    async addMembers(caller: Caller, rawChatId: string, rawUserIds: string[]): Promise<ChatProto> {
      const ids = checkUserIds('userIds', rawUserIds, LIMITS.membersPerCall);
      const chatId = checkChatId(rawChatId);
      // Asked before the chat is locked: no remote call while holding the lock.
      await requireUsers(caller, 'userIds', ids);
      const em = orm.em.fork();
      const events = await em.transactional(async (tx) => {
        const chat = await lockChat(tx, chatId, caller.userId);
        if (chat.kind === 'DIRECT') throw invalidArgument('chatId', DIRECT_IS_FIXED);
        if (chat.role === 'MEMBER') throw permissionDenied('only the OWNER or an ADMIN can add members');
        const present = await tx.execute<{ user_id: string }[]>(
          'SELECT user_id FROM chat_members WHERE chat_id = ? AND user_id = ANY(?::uuid[])',
          [chatId, uuidArray(ids)],
        );
        const already = new Set(present.map((row) => row.user_id));
        const added = ids.filter((id) => !already.has(id));
        if (added.length === 0) return [];
        requireGroupCap(chat.memberCount + added.length);
        await lockMemberships(tx, added);
        await insertMembers(
          tx,
          chatId,
          added.map((id) => ({ userId: id, role: 'MEMBER' as const })),
          new Date(),
        );
        await requireChatsCap(tx, caller, added);
        await tx.execute(
          "UPDATE chats SET member_count = member_count + ?, activity = nextval('chat_activity_seq') WHERE id = ?",
          [added.length, chatId],
        );
        return [await appendEvent(tx, chat, 'members_added', { userIds: added })];
      });
      return published(await view(em, caller, chatId), events);
    },

    async removeMember(caller: Caller, rawChatId: string, rawUserId: string): Promise<ChatProto> {
      const target = checkUserId('userId', rawUserId);
      const chatId = checkChatId(rawChatId);
      if (target === caller.userId) throw invalidArgument('userId', 'to remove yourself, leave the chat');
      const em = orm.em.fork();
      const events = await em.transactional(async (tx) => {
        const chat = await lockChat(tx, chatId, caller.userId);
        if (chat.kind === 'DIRECT') throw invalidArgument('chatId', DIRECT_IS_FIXED);
        if (chat.role === 'MEMBER') throw permissionDenied('only the OWNER or an ADMIN can remove members');
        const rows = await tx.execute<{ role: ChatRole }[]>(
          'DELETE FROM chat_members WHERE chat_id = ? AND user_id = ? RETURNING role',
          [chatId, target],
        );
        const removed = rows[0];
        if (!removed) throw notFound('no such member');
        if (removed.role === 'OWNER') throw permissionDenied('an ADMIN cannot remove the OWNER'); // rolls back
        await tx.execute('UPDATE chats SET member_count = member_count - 1 WHERE id = ?', [chatId]);
        return [await appendEvent(tx, chat, 'member_removed', { userId: target })];
      });
      return published(await view(em, caller, chatId), events);
    },

    async setMemberRole(
      caller: Caller,
      rawChatId: string,
      rawUserId: string,
      role: ChatRole | undefined,
    ): Promise<ChatProto> {
      const target = checkUserId('userId', rawUserId);
      if (!role) throw invalidArgument('role', 'role must be OWNER, ADMIN or MEMBER');
      const chatId = checkChatId(rawChatId);
      const em = orm.em.fork();
      const events = await em.transactional(async (tx) => {
        const chat = await lockChat(tx, chatId, caller.userId);
        if (chat.kind === 'DIRECT') throw invalidArgument('chatId', DIRECT_IS_FIXED);
        if (chat.role !== 'OWNER') throw permissionDenied('only the OWNER can change roles');
        if (target === caller.userId) {
          throw invalidArgument('userId', 'the OWNER hands ownership over by making another member OWNER');
        }
        const rows = await tx.execute<{ role: ChatRole }[]>(
          'SELECT role FROM chat_members WHERE chat_id = ? AND user_id = ?',
          [chatId, target],
        );
        if (!rows[0]) throw notFound('no such member');
        if (rows[0].role === role) return [];
        await tx.execute('UPDATE chat_members SET role = ? WHERE chat_id = ? AND user_id = ?', [role, chatId, target]);
        if (role === 'OWNER') {
          await tx.execute("UPDATE chat_members SET role = 'ADMIN' WHERE chat_id = ? AND user_id = ?", [
            chatId,
            caller.userId,
          ]);
          return [
            await appendEvent(tx, chat, 'role_changed', { userId: target, role, previousOwnerId: caller.userId }),
          ];
        }
        return [await appendEvent(tx, chat, 'role_changed', { userId: target, role })];
      });
      return published(await view(em, caller, chatId), events);
    },

    /** Leaves a group. An OWNER hands ownership to the longest-standing ADMIN, else member. */
    async leave(caller: Caller, rawChatId: string): Promise<void> {
      const chatId = checkChatId(rawChatId);
      const events = await orm.em.fork().transactional(async (tx) => {
        const chat = await lockChat(tx, chatId, caller.userId);
        if (chat.kind === 'DIRECT') throw invalidArgument('chatId', 'a direct chat cannot be left');
        await tx.execute('DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?', [chatId, caller.userId]);
        await tx.execute('UPDATE chats SET member_count = member_count - 1 WHERE id = ?', [chatId]);
        let newOwnerId: string | undefined;
        if (chat.role === 'OWNER') {
          const heirs = await tx.execute<{ user_id: string }[]>(
            `SELECT user_id FROM chat_members WHERE chat_id = ?
              ORDER BY (role = 'ADMIN') DESC, joined_at, user_id LIMIT 1`,
            [chatId],
          );
          newOwnerId = heirs[0]?.user_id;
          if (newOwnerId) {
            await tx.execute("UPDATE chat_members SET role = 'OWNER' WHERE chat_id = ? AND user_id = ?", [
              chatId,
              newOwnerId,
            ]);
          }
        }
        return [
          await appendEvent(tx, chat, 'member_left', { userId: caller.userId, ...(newOwnerId ? { newOwnerId } : {}) }),
        ];
      });
      await published(undefined, events);
    },

    /** The caller's chats, most recent activity first; the cursor is the last chat's activity. */
    async list(caller: Caller, rawFirst: number, rawAfter: string | undefined) {
      const first = pageSize('first', rawFirst, LIMITS.chatsDefault, LIMITS.pageMax);
      const after = rawAfter !== undefined ? activityCursor('after', rawAfter) : undefined;
      const em = orm.em.fork();
      const rows = await em.execute<{ id: string; activity: string }[]>(
        `SELECT c.id, c.activity FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?
          WHERE (?::bigint IS NULL OR c.activity < ?::bigint)
          ORDER BY c.activity DESC LIMIT ?`,
        [caller.userId, after ?? null, after ?? null, first + 1],
      );
      const page = rows.slice(0, first);
      const views = await loadChatViews(
        em,
        caller.userId,
        page.map((row) => row.id),
      );
      const hasPreviousPage =
        after !== undefined &&
        (
          await em.execute<unknown[]>(
            `SELECT 1 FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?
              WHERE c.activity >= ?::bigint LIMIT 1`,
            [caller.userId, after],
          )
        ).length > 0;
      return {
        edges: page.flatMap((row) => {
          const chat = views.get(row.id);
          return chat ? [{ chat, cursor: String(row.activity) }] : [];
        }),
        pageInfo: { hasNextPage: rows.length > first, hasPreviousPage },
      };
    },

    /** Tells everyone who shares a chat with the caller (and the caller) that their profile changed. */
    async announceUserUpdated(caller: Caller): Promise<void> {
      const rows = await orm.em
        .fork()
        .execute<{ chat_id: string }[]>('SELECT chat_id FROM chat_members WHERE user_id = ?', [caller.userId]);
      await bus.publish({
        type: 'live',
        event: { kind: 'user_updated', userId: caller.userId, chatIds: rows.map((row) => row.chat_id) },
      });
    },

    /** One entry per id, in order; undefined where the caller is not a member. */
    async get(caller: Caller, ids: string[]): Promise<(ChatProto | undefined)[]> {
      if (ids.length > LIMITS.getChatsMax) throw invalidArgument('ids', `at most ${LIMITS.getChatsMax} ids per call`);
      const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      const views = await loadChatViews(orm.em.fork(), caller.userId, wanted);
      return ids.map((id) => views.get(id.toLowerCase()));
    },

    /** A page of members by join time, then user id; `after` is the last user id of the previous page. */
    /** Members by join time, then user id: `first` after `after`, or `last` before `before`. */
    async members(caller: Caller, request: ListMembersRequest) {
      const backward = request.last !== undefined || request.before !== undefined;
      if (backward && (request.first !== 0 || request.after !== undefined)) {
        throw invalidArgument('last', 'give first/after or last/before, not both');
      }
      const size = backward
        ? pageSize('last', request.last, LIMITS.membersPageDefault, LIMITS.membersPageMax)
        : pageSize('first', request.first, LIMITS.membersPageDefault, LIMITS.membersPageMax);
      const chatId = checkChatId(request.chatId);
      const em = orm.em.fork();
      const mine = await em.execute<unknown[]>('SELECT 1 FROM chat_members WHERE chat_id = ? AND user_id = ?', [
        chatId,
        caller.userId,
      ]);
      if (mine.length === 0) throw notFound('no such chat');
      const field = backward ? 'before' : 'after';
      const cursor = backward ? request.before : request.after;
      let from: { joined_at: Date; user_id: string } | undefined;
      if (cursor !== undefined) {
        const rows = isUuid(cursor)
          ? await em.execute<{ joined_at: Date; user_id: string }[]>(
              'SELECT joined_at, user_id FROM chat_members WHERE chat_id = ? AND user_id = ?',
              [chatId, cursor.toLowerCase()],
            )
          : [];
        from = rows[0];
        if (!from) throw invalidArgument(field, `${field} is not a member of this chat`);
      }
      // Backward reads the page newest first and turns it round, so both directions use the index.
      const rows = await em.execute<{ user_id: string; role: ChatRole; joined_at: Date; last_read_seq: number }[]>(
        `SELECT user_id, role, joined_at, last_read_seq FROM chat_members
          WHERE chat_id = ? AND (?::timestamptz IS NULL OR (joined_at, user_id) ${backward ? '<' : '>'} (?::timestamptz, ?::uuid))
          ORDER BY joined_at ${backward ? 'DESC' : ''}, user_id ${backward ? 'DESC' : ''} LIMIT ?`,
        [chatId, from?.joined_at ?? null, from?.joined_at ?? null, from?.user_id ?? null, size + 1],
      );
      const page = rows.slice(0, size);
      if (backward) page.reverse();
      const members: ChatMemberProto[] = page.map((row) => ({
        userId: row.user_id,
        role: ROLE_TO_PROTO[row.role],
        joinedAt: new Date(row.joined_at),
        lastReadSeq: row.last_read_seq,
      }));
      const more = rows.length > size;
      return backward
        ? { members, hasNextPage: cursor !== undefined, hasPreviousPage: more }
        : { members, hasNextPage: more, hasPreviousPage: cursor !== undefined };
    },
  };
}

export type Chats = ReturnType<typeof createChats>;
