import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { invalidArgument, notFound, permissionDenied } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import type { Caller } from '../../../lib/session-verifier.js';
import type { Chat as ChatProto, Message as MessageProto } from '../../../proto/gen/chat/v1/chat.js';
import type { ChatBus } from './bus.js';
import type { ReadReceipts } from './read-receipts.js';
import { logFull, lockChat, MAX_SEQ, recordEvent, takeSeq, type LockedChat, type LoggedEvent } from './event-log.js';
import { loadChatView, MESSAGE_COLUMNS, toMessage, uuidArray, withReplies, type MessageRow } from './rows.js';
import {
  LIMITS,
  chatId as checkChatId,
  clientMessageId as checkClientMessageId,
  messageBody,
  messageId as checkMessageId,
  pageSize,
  seqValue,
} from './validation.js';

type SendOutcome = 'sent' | 'existing' | 'not_found' | 'bad_reply' | 'exhausted';

/** A history page row: the membership and beyond-the-cursor flags repeat on every row. */
interface HistoryRow extends MessageRow {
  member: boolean;
  upto_after: boolean;
  from_before: boolean;
  reply_row: MessageRow | null;
}

export interface HistoryPage {
  messages: MessageProto[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
}

/** Messages: send (idempotent), edit, delete, history, read markers. */
export function createMessages({ orm, bus, receipts }: { orm: MikroORM; bus: ChatBus; receipts: ReadReceipts }) {
  async function messageRow(em: EntityManager, rawId: string, lock = false): Promise<MessageRow | undefined> {
    const id = checkMessageId(rawId);
    if (id === undefined) return undefined;
    const rows = await em.execute<MessageRow[]>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0];
  }

  const replyOf = (em: EntityManager, row: MessageRow) =>
    row.reply_to_id ? messageRow(em, row.reply_to_id) : Promise.resolve(undefined);

  async function withReply(em: EntityManager, row: MessageRow): Promise<MessageProto> {
    let message: MessageProto | undefined;
    await withReplies(em, [row], (r, reply) => (message = toMessage(r, reply)));
    return message!;
  }

  async function isMember(em: EntityManager, chatId: string, userId: string): Promise<boolean> {
    const rows = await em.execute<unknown[]>('SELECT 1 FROM chat_members WHERE chat_id = ? AND user_id = ?', [
      chatId,
      userId,
    ]);
    return rows.length > 0;
  }

  /** Locks the message's chat (the caller must be a member) and re-reads the message under it. */
  async function lockMessage(tx: EntityManager, caller: Caller, messageId: string) {
    const found = await messageRow(tx, messageId);
    if (!found) throw notFound('no such message');
    const chat = await lockChat(tx, found.chat_id, caller.userId);
    const row = (await messageRow(tx, messageId, true))!;
    return { chat, row };
  }

  /** Updates a message under its chat's lock and logs the change with the chat's next seq. */
  async function change(
    tx: EntityManager,
    chat: LockedChat,
    messageId: string,
    kind: 'message_edited' | 'message_deleted',
    assignments: string,
    values: unknown[],
  ): Promise<{ row: MessageRow; event: LoggedEvent }> {
    const seq = await takeSeq(tx, chat);
    const updated = await tx.execute<MessageRow[]>(
      `UPDATE messages AS m SET ${assignments} WHERE m.id = ? RETURNING ${MESSAGE_COLUMNS}`,
      [...values, messageId],
    );
    await recordEvent(tx, { chatId: chat.id, seq, kind, messageId });
    const message = updated[0]!;
    return {
      row: message,
      event: { chatId: chat.id, seq, kind, data: {}, message, replyTo: await replyOf(tx, message) },
    };
  }

  async function publish(event: LoggedEvent) {
    await bus.publish({ type: 'logged', event });
  }

  return {
    /**
     * Sends a message, in one statement (`chat_send_message`, see its migration): under the
     * chat's lock, a `clientMessageId` the sender already used in this chat returns the first
     * message and writes nothing, so concurrent retries of one message serialize and only the
     * first inserts. Published after commit.
     */
    async send(
      caller: Caller,
      input: { chatId: string; body: string; clientMessageId: string; replyToId?: string | undefined },
    ): Promise<MessageProto> {
      const body = messageBody('body', input.body);
      const clientMessageId = checkClientMessageId(input.clientMessageId);
      const chatId = checkChatId(input.chatId);
      const replyToId = input.replyToId !== undefined ? checkMessageId(input.replyToId) : undefined;
      if (input.replyToId !== undefined && replyToId === undefined) {
        throw invalidArgument('replyToId', 'replyToId must be a message of the same chat');
      }
      const [result] = await orm.em
        .fork()
        .execute<{ outcome: SendOutcome; message: MessageRow | null; reply: MessageRow | null }[]>(
          'SELECT outcome, message, reply FROM chat_send_message(?, ?, ?, ?, ?, ?, ?)',
          [chatId, caller.userId, randomUUID(), body, clientMessageId, replyToId ?? null, MAX_SEQ],
        );
      switch (result?.outcome) {
        case 'sent':
        case 'existing':
          break;
        case 'bad_reply':
          throw invalidArgument('replyToId', 'replyToId must be a message of the same chat');
        case 'exhausted':
          throw logFull();
        default:
          throw notFound('no such chat');
      }
      const row = result.message!;
      const replyTo = result.reply ?? undefined;
      if (result.outcome === 'sent') {
        await publish({ chatId: row.chat_id, seq: row.seq, kind: 'message_created', data: {}, message: row, replyTo });
        await bus.publish({
          type: 'live',
          event: { kind: 'read', chatId: row.chat_id, userId: caller.userId, lastReadSeq: row.seq },
        });
      }
      return toMessage(row, replyTo);
    },

    /** Sender only; a deleted message is gone (NOT_FOUND). */
    async edit(caller: Caller, messageId: string, rawBody: string): Promise<MessageProto> {
      const body = messageBody('body', rawBody);
      const em = orm.em.fork();
      const result = await em.transactional(async (tx) => {
        const { chat, row } = await lockMessage(tx, caller, messageId);
        if (row.deleted_at !== null) throw notFound('no such message');
        if (row.sender_id !== caller.userId) throw permissionDenied('only the sender can edit a message');
        if (row.body === body) return { row, event: undefined };
        return change(tx, chat, row.id, 'message_edited', 'body = ?, edited_at = now()', [body]);
      });
      if (result.event) await publish(result.event);
      return withReply(em, result.row);
    },

    /** The sender, or a group's OWNER/ADMIN. The body is erased; the tombstone keeps its seq. */
    async delete(caller: Caller, messageId: string): Promise<MessageProto> {
      const em = orm.em.fork();
      const result = await em.transactional(async (tx) => {
        const { chat, row } = await lockMessage(tx, caller, messageId);
        if (row.deleted_at !== null) return { row, event: undefined };
        const moderator = chat.kind === 'GROUP' && (chat.role === 'OWNER' || chat.role === 'ADMIN');
        if (row.sender_id !== caller.userId && !moderator) {
          throw permissionDenied('only the sender or a group OWNER/ADMIN can delete a message');
        }
        return change(tx, chat, row.id, 'message_deleted', "body = '', deleted_at = now()", []);
      });
      if (result.event) await publish(result.event);
      return withReply(em, result.row);
    },

    /** One entry per id, in order; undefined where there is no such message or the caller is not a member of its chat. */
    async get(caller: Caller, ids: string[]): Promise<(MessageProto | undefined)[]> {
      if (ids.length > LIMITS.getMessagesMax) {
        throw invalidArgument('ids', `at most ${LIMITS.getMessagesMax} ids per call`);
      }
      const wanted = [...new Set(ids.flatMap((id) => checkMessageId(id) ?? []))];
      const found = new Map<string, MessageProto>();
      if (wanted.length > 0) {
        const em = orm.em.fork();
        const rows = await em.execute<MessageRow[]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages m
           JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = ?
           WHERE m.id = ANY(?::uuid[])`,
          [caller.userId, uuidArray(wanted)],
        );
        await withReplies(em, rows, (row, reply) => found.set(row.id, toMessage(row, reply)));
      }
      return ids.map((id) => found.get(checkMessageId(id) ?? ''));
    },

    /**
     * History by seq, ascending, in either direction: `first` after `afterSeq`, or `last` before
     * `beforeSeq`; neither gives the newest page. Cursors are seqs, never timestamps.
     */
    async list(
      caller: Caller,
      input: {
        chatId: string;
        first?: number | undefined;
        afterSeq?: number | undefined;
        last?: number | undefined;
        beforeSeq?: number | undefined;
      },
    ): Promise<HistoryPage> {
      if (input.first !== undefined && input.last !== undefined) {
        throw invalidArgument('last', 'give first or last, not both');
      }
      const forward = input.last === undefined && (input.first !== undefined || input.afterSeq !== undefined);
      const size = forward
        ? pageSize('first', input.first, LIMITS.historyDefault, LIMITS.pageMax)
        : pageSize(input.last !== undefined ? 'last' : 'first', input.last, LIMITS.historyDefault, LIMITS.pageMax);
      const after = input.afterSeq !== undefined ? seqValue('after', input.afterSeq) : null;
      const before = input.beforeSeq !== undefined ? seqValue('before', input.beforeSeq) : null;
      const chatId = checkChatId(input.chatId);
      // One statement: the membership check, the page (one more row than asked, to tell whether
      // there is more), the messages replied to, and whether anything lies beyond the cursor.
      const rows = await orm.em.fork().execute<HistoryRow[]>(
        `SELECT (cm.user_id IS NOT NULL) AS member,
                (?::int IS NOT NULL AND EXISTS (SELECT 1 FROM messages x WHERE x.chat_id = ? AND x.seq <= ?::int)) AS upto_after,
                (?::int IS NOT NULL AND EXISTS (SELECT 1 FROM messages x WHERE x.chat_id = ? AND x.seq >= ?::int)) AS from_before,
                page.*
           FROM (SELECT 1) AS one
           LEFT JOIN chat_members cm ON cm.chat_id = ? AND cm.user_id = ?
           LEFT JOIN LATERAL (
             SELECT ${MESSAGE_COLUMNS}, to_jsonb(r) AS reply_row
               FROM messages m LEFT JOIN messages r ON r.id = m.reply_to_id
              WHERE cm.user_id IS NOT NULL AND m.chat_id = ?
                AND (?::int IS NULL OR m.seq > ?::int) AND (?::int IS NULL OR m.seq < ?::int)
              ORDER BY m.seq ${forward ? 'ASC' : 'DESC'} LIMIT ?
           ) AS page ON true`,
        [
          after,
          chatId,
          after,
          before,
          chatId,
          before,
          chatId,
          caller.userId,
          chatId,
          after,
          after,
          before,
          before,
          size + 1,
        ],
      );
      const head = rows[0];
      if (!head?.member) throw notFound('no such chat');
      const found = rows.filter((row) => row.id !== null);
      const more = found.length > size;
      const page = found.slice(0, size);
      if (!forward) page.reverse();
      return {
        messages: page.map((row) => toMessage(row, row.reply_row ?? undefined)),
        pageInfo: forward
          ? { hasNextPage: more, hasPreviousPage: head.upto_after }
          : { hasNextPage: head.from_before, hasPreviousPage: more },
      };
    },

    /** Moves the caller's read marker forward only, clamped to the chat's last seq. */
    async markRead(caller: Caller, rawChatId: string, rawSeq: number): Promise<ChatProto> {
      const seq = seqValue('seq', rawSeq);
      const chatId = checkChatId(rawChatId);
      const em = orm.em.fork();
      const moved = await em.execute<{ last_read_seq: number }[]>(
        `UPDATE chat_members cm SET last_read_seq = LEAST(?::int, c.last_seq)
           FROM chats c
          WHERE c.id = cm.chat_id AND cm.chat_id = ? AND cm.user_id = ? AND cm.last_read_seq < LEAST(?::int, c.last_seq)
          RETURNING cm.last_read_seq`,
        [seq, chatId, caller.userId, seq],
      );
      const chat = await loadChatView(em, caller.userId, chatId);
      if (moved[0]) {
        // At most one receipt per interval reaches the chat's members (read-receipts.ts).
        await receipts.moved(chatId, caller.userId, moved[0].last_read_seq);
      }
      return chat;
    },

    /** Throws NOT_FOUND unless the caller is a member; returns the chat id lower-cased. */
    async requireMember(caller: Caller, rawChatId: string): Promise<string> {
      const chatId = checkChatId(rawChatId);
      if (!(await isMember(orm.em.fork(), chatId, caller.userId))) throw notFound('no such chat');
      return chatId;
    },
  };
}

export type Messages = ReturnType<typeof createMessages>;
