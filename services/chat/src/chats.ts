import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { invalidArgument, notFound } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import type { Caller } from '../../../lib/session-verifier.js';
import type { UserDirectory } from '../../../lib/user-directory.js';
import type { Chat as ChatProto } from '../../../proto/gen/chat/v1/chat.js';
import type { ChatBus } from './bus.js';
import { lockMemberships, requireChatsCap, requireGroupCap } from './caps.js';
import type { ChatRole } from './entities.js';
import { createMembers, insertMembers, requireUsers } from './members.js';
import { loadChatView, loadChatViews } from './rows.js';
import {
  LIMITS,
  activityCursor,
  groupTitle,
  isUuid,
  pageSize,
  userId as checkUserId,
  userIds as checkUserIds,
} from './validation.js';

export interface ChatsDeps {
  orm: MikroORM;
  bus: ChatBus;
  /** Which user ids exist (auth-service, asked on the caller's behalf). */
  users: UserDirectory;
  caps: {
    /** Chats a user may be in, direct ones included (MAX_CHATS_PER_USER). */
    chatsPerUser: number;
    /** Members a group may have (MAX_GROUP_MEMBERS). */
    groupMembers: number;
  };
}

/**
 * Chats: creation (direct and group), the caller's list, batch reads, profile-change
 * announcements; and, from members.ts, the members of a group.
 */
export function createChats(deps: ChatsDeps) {
  const { orm, bus, users, caps } = deps;

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

  return {
    ...createMembers(deps),

    /** One chat per pair, also when both users open it at the same moment. */
    async getOrCreateDirect(caller: Caller, otherUserId: string): Promise<ChatProto> {
      const other = checkUserId('userId', otherUserId);
      if (other === caller.userId) throw invalidArgument('userId', 'a direct chat needs another user');
      const directKey = [caller.userId, other].sort().join(':');
      const em = orm.em.fork();
      const existing = await em.execute<{ id: string }[]>('SELECT id FROM chats WHERE direct_key = ?', [directKey]);
      if (existing[0]) return loadChatView(em, caller.userId, existing[0].id);
      if (!(await users(caller, [other])).has(other)) throw notFound('no such user');
      const chatId = randomUUID();
      // A concurrent creator of the same pair makes ON CONFLICT wait for its commit, then skip.
      const created = await em.transactional(async (tx) => {
        await lockMemberships(tx, [caller.userId, other]);
        const inserted = await insertChat(tx, { id: chatId, kind: 'DIRECT', title: null, directKey }, [
          { userId: caller.userId, role: 'MEMBER' },
          { userId: other, role: 'MEMBER' },
        ]);
        if (inserted) await requireChatsCap(tx, caller, [caller.userId, other], caps.chatsPerUser);
        return inserted;
      });
      if (created) {
        await announceCreated(chatId, [caller.userId, other]);
        return loadChatView(em, caller.userId, chatId);
      }
      const winner = await em.execute<{ id: string }[]>('SELECT id FROM chats WHERE direct_key = ?', [directKey]);
      return loadChatView(em, caller.userId, winner[0]!.id);
    },

    async createGroup(caller: Caller, rawTitle: string, rawMemberIds: string[]): Promise<ChatProto> {
      const title = groupTitle(rawTitle);
      const memberIds = checkUserIds('memberIds', rawMemberIds, LIMITS.membersPerCall).filter(
        (id) => id !== caller.userId,
      );
      requireGroupCap(1 + memberIds.length, caps.groupMembers);
      await requireUsers(users, caller, 'memberIds', memberIds);
      const chatId = randomUUID();
      const em = orm.em.fork();
      await em.transactional(async (tx) => {
        await lockMemberships(tx, [caller.userId, ...memberIds]);
        await insertChat(tx, { id: chatId, kind: 'GROUP', title, directKey: null }, [
          { userId: caller.userId, role: 'OWNER' },
          ...memberIds.map((id) => ({ userId: id, role: 'MEMBER' as const })),
        ]);
        await requireChatsCap(tx, caller, [caller.userId, ...memberIds], caps.chatsPerUser);
      });
      await announceCreated(chatId, [caller.userId, ...memberIds]);
      return loadChatView(em, caller.userId, chatId);
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
  };
}

export type Chats = ReturnType<typeof createChats>;
