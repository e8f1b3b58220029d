import type { EntityManager } from '@mikro-orm/postgresql';
import { invalidArgument, notFound, permissionDenied } from '../../../lib/errors.js';
import type { Caller } from '../../../lib/session-verifier.js';
import type {
  Chat as ChatProto,
  ChatMember as ChatMemberProto,
  ListMembersRequest,
} from '../../../proto/gen/chat/v1/chat.js';
import { lockMemberships, requireChatsCap, requireGroupCap } from './caps.js';
import type { UserDirectory } from '../../../lib/user-directory.js';
import type { ChatsDeps } from './chats.js';
import type { ChatRole } from './entities.js';
import { appendEvent, lockChat, type LoggedEvent } from './event-log.js';
import { loadChatView, ROLE_TO_PROTO, uuidArray } from './rows.js';
import {
  LIMITS,
  chatId as checkChatId,
  isUuid,
  pageSize,
  userId as checkUserId,
  userIds as checkUserIds,
} from './validation.js';

const DIRECT_IS_FIXED = 'the members of a direct chat cannot change';

/** INVALID_ARGUMENT on `field` unless every one of `ids` is a user. */
export async function requireUsers(users: UserDirectory, caller: Caller, field: string, ids: string[]) {
  if (ids.length === 0) return;
  const found = await users(caller, ids);
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) throw invalidArgument(field, `no such user: ${unknown.join(', ')}`);
}

export async function insertMembers(
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

/** Membership: adding, removing, roles and leaving in a group (each a logged event), and any chat's member list. */
export function createMembers({ orm, bus, users, caps }: ChatsDeps) {
  /** Publishes after commit; a lost publish is repaired by subscribers' gap reads. */
  async function published<T>(result: T, events: LoggedEvent[]): Promise<T> {
    for (const event of events) await bus.publish({ type: 'logged', event });
    return result;
  }

  return {
    async addMembers(caller: Caller, rawChatId: string, rawUserIds: string[]): Promise<ChatProto> {
      const ids = checkUserIds('userIds', rawUserIds, LIMITS.membersPerCall);
      const chatId = checkChatId(rawChatId);
      // Asked before the chat is locked: no remote call while holding the lock.
      await requireUsers(users, caller, 'userIds', ids);
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
        requireGroupCap(chat.memberCount + added.length, caps.groupMembers);
        await lockMemberships(tx, added);
        await insertMembers(
          tx,
          chatId,
          added.map((id) => ({ userId: id, role: 'MEMBER' as const })),
          new Date(),
        );
        await requireChatsCap(tx, caller, added, caps.chatsPerUser);
        await tx.execute(
          "UPDATE chats SET member_count = member_count + ?, activity = nextval('chat_activity_seq') WHERE id = ?",
          [added.length, chatId],
        );
        return [await appendEvent(tx, chat, 'members_added', { userIds: added })];
      });
      return published(await loadChatView(em, caller.userId, chatId), events);
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
      return published(await loadChatView(em, caller.userId, chatId), events);
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
      return published(await loadChatView(em, caller.userId, chatId), events);
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

    /** Members by join time, then user id: `first` after `after`, or `last` before `before` (user ids). */
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
