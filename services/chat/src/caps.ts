import type { EntityManager } from '@mikro-orm/postgresql';
import { limitExceeded } from '../../../lib/errors.js';
import type { Caller } from '../../../lib/session-verifier.js';
import { uuidArray } from './rows.js';

/*
 * The configured caps on membership (config.ts: MAX_CHATS_PER_USER, MAX_GROUP_MEMBERS), checked
 * by every change that adds members, inside its transaction. Limits on input are in
 * validation.ts; what one user can make the service broadcast is bounded by fanout-gate.ts.
 */

/** The first key of the advisory locks that serialize the joins of one user (the second: the user). */
const MEMBERSHIPS_LOCK = 0x63686174;

/**
 * Takes the lock on the memberships of each of `userIds` until the transaction ends, in one
 * order (so two transactions never wait for each other): two joins of one user at once cannot
 * both pass the chats-per-user cap. Joins to different chats otherwise run in parallel.
 */
export async function lockMemberships(tx: EntityManager, userIds: readonly string[]): Promise<void> {
  await tx.execute(
    `SELECT pg_advisory_xact_lock(?, k)
       FROM (SELECT DISTINCT hashtext(id::text) AS k FROM unnest(?::uuid[]) AS id ORDER BY k) AS keys`,
    [MEMBERSHIPS_LOCK, uuidArray(userIds)],
  );
}

/**
 * After `userIds` joined a chat (under `lockMemberships`): LIMIT_EXCEEDED if one of them is now
 * in more than `chatsPerUser` chats, which rolls the whole change back.
 */
export async function requireChatsCap(
  tx: EntityManager,
  caller: Caller,
  userIds: readonly string[],
  chatsPerUser: number,
): Promise<void> {
  const over = await tx.execute<{ user_id: string }[]>(
    `SELECT user_id FROM chat_members WHERE user_id = ANY(?::uuid[])
      GROUP BY user_id HAVING count(*) > ? ORDER BY user_id LIMIT 1`,
    [uuidArray(userIds), chatsPerUser],
  );
  const userId = over[0]?.user_id;
  if (userId === undefined) return;
  const who = userId === caller.userId ? 'you are' : `user ${userId} is`;
  throw limitExceeded(`a user may be in at most ${chatsPerUser} chats, and ${who} in ${chatsPerUser}`);
}

/** LIMIT_EXCEEDED if a group would have `members` members, more than `groupMembers`. */
export function requireGroupCap(members: number, groupMembers: number): void {
  if (members > groupMembers) throw limitExceeded(`a group may have at most ${groupMembers} members`);
}
