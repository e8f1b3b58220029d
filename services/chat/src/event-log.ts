import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound, resourceExhausted } from '../../../lib/errors.js';
import type { ChatKind, ChatRole } from './entities.js';
import type { MessageRow } from './rows.js';

/**
 * The chat event log: where every logged change gets its `seq`.
 *
 * A writer first locks the chat row (`lockChat`), which serializes every writer of that chat, so
 * checks made after the lock (membership, roles) hold until commit. It then takes the next seq by
 * incrementing `chats.last_seq` (`takeSeq`) and records the event (`recordEvent`), in the same
 * transaction as the change itself: a rolled-back change gives its seq back, so the log has no
 * gaps. Membership changes do both with `appendEvent`; an edit or a deletion of a message calls
 * them itself (messages.ts); a send does all of it in one statement, `chat_send_message` (its
 * migration, migrations/chat/).
 */

export type LoggedKind =
  | 'message_created'
  | 'message_edited'
  | 'message_deleted'
  | 'members_added'
  | 'member_removed'
  | 'member_left'
  | 'role_changed';

export interface EventData {
  /** members_added: who was added. */
  userIds?: string[];
  /** member_removed, member_left, role_changed: whose membership changed. */
  userId?: string;
  role?: ChatRole;
  /** member_left by an OWNER, role_changed to OWNER: the new OWNER. */
  newOwnerId?: string;
  /** role_changed to OWNER: the previous OWNER, now ADMIN. */
  previousOwnerId?: string;
}

/** A committed log entry, as the bus and the replay hand it to subscriber streams. */
export interface LoggedEvent {
  chatId: string;
  seq: number;
  kind: LoggedKind;
  data: EventData;
  /** For message events: the message as of this event. */
  message?: MessageRow | undefined;
  /** For message events of a reply: the message it replies to. */
  replyTo?: MessageRow | undefined;
  /** When it was published after its commit (ms since the epoch); none when read from the log. */
  committedAt?: number | undefined;
}

export interface LockedChat {
  id: string;
  kind: ChatKind;
  lastSeq: number;
  memberCount: number;
}

/** The largest seq a chat's log can reach: the GraphQL contract's `Int`. */
export const MAX_SEQ = 2_147_483_647;

/**
 * Locks the chat for this transaction; NOT_FOUND unless `userId` is a member (with their role).
 * NO KEY UPDATE: writers of one chat exclude each other, while inserts that only reference the
 * chat (their foreign-key check takes KEY SHARE) are not blocked.
 */
export async function lockChat(
  tx: EntityManager,
  chatId: string,
  userId: string,
): Promise<LockedChat & { role: ChatRole }> {
  const rows = await tx.execute<
    { id: string; kind: ChatKind; last_seq: number; member_count: number; role: ChatRole | null }[]
  >(
    `SELECT c.id, c.kind, c.last_seq, c.member_count,
            (SELECT role FROM chat_members WHERE chat_id = c.id AND user_id = ?) AS role
       FROM chats c WHERE c.id = ? FOR NO KEY UPDATE OF c`,
    [userId, chatId],
  );
  const row = rows[0];
  if (!row?.role) throw notFound('no such chat');
  return { id: row.id, kind: row.kind, lastSeq: row.last_seq, memberCount: row.member_count, role: row.role };
}

export const logFull = () => resourceExhausted('this chat has reached its maximum number of events');

/** Takes the chat's next seq. The chat must be locked by this transaction. */
export async function takeSeq(tx: EntityManager, chat: LockedChat): Promise<number> {
  if (chat.lastSeq >= MAX_SEQ) throw logFull();
  await tx.execute('UPDATE chats SET last_seq = last_seq + 1, updated_at = now() WHERE id = ?', [chat.id]);
  chat.lastSeq += 1;
  return chat.lastSeq;
}

/** Records the event that took `seq`. */
export async function recordEvent(
  tx: EntityManager,
  event: { chatId: string; seq: number; kind: LoggedKind; data?: EventData; messageId?: string },
): Promise<void> {
  await tx.execute(
    'INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at) VALUES (?, ?, ?, ?, ?, now())',
    [event.chatId, event.seq, event.kind, event.messageId ?? null, JSON.stringify(event.data ?? {})],
  );
}

/** Takes a seq and records a non-message event with it. */
export async function appendEvent(
  tx: EntityManager,
  chat: LockedChat,
  kind: LoggedKind,
  data: EventData,
): Promise<LoggedEvent> {
  const seq = await takeSeq(tx, chat);
  await recordEvent(tx, { chatId: chat.id, seq, kind, data });
  return { chatId: chat.id, seq, kind, data };
}
