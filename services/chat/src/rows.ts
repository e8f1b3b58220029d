import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../../lib/errors.js';
import {
  ChatKind as ChatKindProto,
  ChatRole as ChatRoleProto,
  type Chat as ChatProto,
  type Message as MessageProto,
} from '../../../proto/gen/chat/v1/chat.js';
import type { ChatKind, ChatRole } from './entities.js';

/** A `messages` row as PostgreSQL returns it. */
export interface MessageRow {
  id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  body: string;
  client_message_id: string;
  reply_to_id: string | null;
  created_at: Date | string;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
}

/** A chat joined with the caller's membership, as the views need it. */
export interface ChatViewRow {
  id: string;
  kind: ChatKind;
  title: string | null;
  last_seq: number;
  member_count: number;
  last_message_id: string | null;
  activity: string;
  created_at: Date | string;
  updated_at: Date | string;
  role: ChatRole;
  last_read_seq: number;
  unread_count: string | number;
}

export const MESSAGE_COLUMNS =
  'm.id, m.chat_id, m.seq, m.sender_id, m.body, m.client_message_id, m.reply_to_id, m.created_at, m.edited_at, m.deleted_at';

/** A PostgreSQL array literal of ids that were validated as UUIDs, for `= ANY(?::uuid[])`. */
export const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));

export const ROLE_TO_PROTO: Record<ChatRole, ChatRoleProto> = {
  OWNER: ChatRoleProto.CHAT_ROLE_OWNER,
  ADMIN: ChatRoleProto.CHAT_ROLE_ADMIN,
  MEMBER: ChatRoleProto.CHAT_ROLE_MEMBER,
};
export const ROLE_FROM_PROTO = new Map<ChatRoleProto, ChatRole>(
  Object.entries(ROLE_TO_PROTO).map(([role, proto]) => [proto, role as ChatRole]),
);

export function toMessage(row: MessageRow, replyTo?: MessageRow): MessageProto {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    chatId: row.chat_id,
    seq: row.seq,
    senderId: row.sender_id,
    // A tombstone keeps its place, never its content.
    body: deleted ? '' : row.body,
    clientMessageId: row.client_message_id,
    createdAt: date(row.created_at),
    ...(row.reply_to_id ? { replyToId: row.reply_to_id } : {}),
    ...(row.edited_at ? { editedAt: date(row.edited_at) } : {}),
    ...(row.deleted_at ? { deletedAt: date(row.deleted_at) } : {}),
    ...(replyTo ? { replyTo: toMessage(replyTo) } : {}),
  };
}

/** Messages by id with the messages they reply to, in two queries. */
export async function loadMessages(em: EntityManager, ids: readonly string[]): Promise<Map<string, MessageProto>> {
  const result = new Map<string, MessageProto>();
  if (ids.length === 0) return result;
  const rows = await em.execute<MessageRow[]>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ANY(?::uuid[])`, [
    uuidArray(ids),
  ]);
  await withReplies(em, rows, (row, reply) => result.set(row.id, toMessage(row, reply)));
  return result;
}

/** Calls `each` for every row with the row it replies to (if any), loading those in one query. */
export async function withReplies(
  em: EntityManager,
  rows: readonly MessageRow[],
  each: (row: MessageRow, replyTo: MessageRow | undefined) => void,
): Promise<void> {
  const replyIds = [...new Set(rows.flatMap((row) => (row.reply_to_id ? [row.reply_to_id] : [])))];
  const replies = replyIds.length
    ? await em.execute<MessageRow[]>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ANY(?::uuid[])`, [
        uuidArray(replyIds),
      ])
    : [];
  const byId = new Map(replies.map((row) => [row.id, row]));
  for (const row of rows) each(row, row.reply_to_id ? byId.get(row.reply_to_id) : undefined);
}

/**
 * The caller's view of chats they are a member of, by id (absent where they are not). Unread =
 * messages from others after the caller's read marker; tombstones do not count.
 */
export async function loadChatViews(
  em: EntityManager,
  userId: string,
  chatIds: readonly string[],
): Promise<Map<string, ChatProto>> {
  if (chatIds.length === 0) return new Map();
  const rows = await em.execute<ChatViewRow[]>(
    `SELECT c.id, c.kind, c.title, c.last_seq, c.member_count, c.last_message_id, c.activity,
            c.created_at, c.updated_at, cm.role, cm.last_read_seq,
            (SELECT count(*) FROM messages m
              WHERE m.chat_id = c.id AND m.seq > cm.last_read_seq
                AND m.sender_id <> cm.user_id AND m.deleted_at IS NULL) AS unread_count
       FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = ?
      WHERE c.id = ANY(?::uuid[])`,
    [userId, uuidArray(chatIds)],
  );
  const lastMessages = await loadMessages(
    em,
    rows.flatMap((row) => (row.last_message_id ? [row.last_message_id] : [])),
  );
  return new Map(rows.map((row) => [row.id, toChatView(row, lastMessages)]));
}

/** The caller's view of one chat; NOT_FOUND unless they are a member. */
export async function loadChatView(em: EntityManager, userId: string, chatId: string): Promise<ChatProto> {
  const chat = (await loadChatViews(em, userId, [chatId])).get(chatId);
  if (!chat) throw notFound('no such chat');
  return chat;
}

export function toChatView(row: ChatViewRow, lastMessages: Map<string, MessageProto>): ChatProto {
  const lastMessage = row.last_message_id ? lastMessages.get(row.last_message_id) : undefined;
  return {
    id: row.id,
    kind: row.kind === 'DIRECT' ? ChatKindProto.CHAT_KIND_DIRECT : ChatKindProto.CHAT_KIND_GROUP,
    ...(row.title !== null ? { title: row.title } : {}),
    memberCount: row.member_count,
    lastSeq: row.last_seq,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    ...(lastMessage ? { lastMessage } : {}),
    unreadCount: Number(row.unread_count),
    lastReadSeq: row.last_read_seq,
    role: ROLE_TO_PROTO[row.role],
  };
}
