import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { errorField, isServiceError } from '../../../lib/errors.js';
import { as, newAccount } from '../../../test/support/auth.js';
import type { useChatService } from '../../../test/support/chat.js';
import type { Chat, Message } from '../../../proto/gen/chat/v1/chat.js';

export type ChatService = ReturnType<typeof useChatService>;
export type TestUser = Awaited<ReturnType<ChatService['user']>>;

/** How a call ended: `OK`, or the gRPC status name and the `field` trailer the service named. */
export interface Outcome {
  code: keyof typeof status | 'OK';
  field?: string | undefined;
}

export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { code: 'OK' };
  } catch (error) {
    if (!isServiceError(error)) throw error;
    const field = errorField(error);
    return { code: status[error.code] as keyof typeof status, ...(field !== undefined ? { field } : {}) };
  }
}

/** Runs SQL on chat-service's database. */
export const sql = <T = Record<string, unknown>>(svc: ChatService, query: string, params: unknown[] = []) =>
  svc.app.orm.em.fork().execute<T[]>(query, params);

/** The chat's log as stored: its seqs in order. */
export async function loggedSeqs(svc: ChatService, chatId: string): Promise<number[]> {
  const rows = await sql<{ seq: number }>(svc, 'SELECT seq FROM chat_events WHERE chat_id = ? ORDER BY seq', [chatId]);
  return rows.map((row) => row.seq);
}

/** The stored log of a chat as [seq, message id] pairs. */
export async function storedLog(svc: ChatService, chatId: string) {
  const rows = await sql<{ seq: number; message_id: string | null }>(
    svc,
    'SELECT seq, message_id FROM chat_events WHERE chat_id = ? ORDER BY seq',
    [chatId],
  );
  return rows.map((row) => [row.seq, row.message_id ?? undefined]);
}

/** The chat's stored row. */
export async function chatRow(svc: ChatService, chatId: string) {
  const rows = await sql<{ last_seq: number; member_count: number }>(
    svc,
    'SELECT last_seq, member_count FROM chats WHERE id = ?',
    [chatId],
  );
  return rows[0];
}

/** Counts of everything chat-service stores, to show that a refused call wrote nothing. */
export async function storeState(svc: ChatService) {
  const rows = await sql<Record<string, number | string>>(
    svc,
    `SELECT (SELECT count(*)::int FROM chats) AS chats,
            (SELECT count(*)::int FROM messages) AS messages,
            (SELECT count(*)::int FROM chat_events) AS events,
            (SELECT coalesce(sum(last_seq), 0)::int FROM chats) AS seqs,
            (SELECT string_agg(chat_id || ':' || user_id || ':' || role || ':' || last_read_seq, ','
                               ORDER BY chat_id, user_id) FROM chat_members) AS members,
            (SELECT string_agg(id || ':' || md5(body) || ':' || coalesce(edited_at::text, '') || ':' ||
                               coalesce(deleted_at::text, ''), ',' ORDER BY id) FROM messages) AS bodies`,
  );
  return rows[0];
}

/** `n` (1-based) as 1..n. */
export const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

export async function users(svc: ChatService, count: number, tag = 'u'): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => svc.user(tag)));
}

/** One user signed in `count` times: a session (and token) per device. */
export async function devices(svc: ChatService, count: number): Promise<TestUser[]> {
  const account = newAccount('dev');
  const registered = await svc.authService.auth.register(account, as());
  const logins = await Promise.all(
    range(count - 1).map(() =>
      svc.authService.auth.login({ email: account.email, password: account.password, userAgent: 'device' }, as()),
    ),
  );
  return [registered, ...logins].map(({ tokens }) => ({
    id: registered.user!.id,
    username: registered.user!.username,
    token: tokens!.accessToken,
    md: as(tokens!.accessToken),
    sessionId: tokens!.sessionId,
  }));
}

/** A group owned by `owner` with `members` as MEMBERs. */
export async function group(svc: ChatService, owner: TestUser, members: TestUser[], title = 'group'): Promise<Chat> {
  const { chat } = await svc.chat.createGroupChat({ title, memberIds: members.map((m) => m.id) }, owner.md);
  return chat!;
}

/** A group owned by `owner` with the users of `memberIds` as MEMBERs. */
export async function groupOf(svc: ChatService, owner: TestUser, memberIds: string[], title = 'group'): Promise<Chat> {
  return (await svc.chat.createGroupChat({ title, memberIds }, owner.md)).chat!;
}

export async function direct(svc: ChatService, a: TestUser, b: TestUser): Promise<Chat> {
  const { chat } = await svc.chat.getOrCreateDirectChat({ userId: b.id }, a.md);
  return chat!;
}

/** Sends a message with a fresh clientMessageId. */
export async function send(
  svc: ChatService,
  user: TestUser,
  chatId: string,
  body: string,
  extra: { clientMessageId?: string; replyToId?: string } = {},
): Promise<Message> {
  const { message } = await svc.chat.sendMessage(
    { chatId, body, clientMessageId: extra.clientMessageId ?? randomUUID(), replyToId: extra.replyToId },
    user.md,
  );
  return message!;
}

export async function chatAs(svc: ChatService, user: TestUser, chatId: string): Promise<Chat | undefined> {
  const { results } = await svc.chat.getChats({ ids: [chatId] }, user.md);
  return results[0]?.chat;
}

/**
 * `count` accounts written straight into auth-service's database: users that exist (GetUsers
 * finds them) without paying an argon2 hash each. They cannot sign in; they are only members.
 */
export async function bulkUserIds(svc: ChatService, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await svc.authService.app.orm.em.fork().execute(
    `INSERT INTO users (id, email, username, password_hash, created_at)
     SELECT id, 'b' || replace(id::text, '-', '') || '@example.com', 'b' || substr(replace(id::text, '-', ''), 1, 30),
            'not a hash', now()
       FROM unnest(?::uuid[]) AS id`,
    [`{${ids.join(',')}}`],
  );
  return ids;
}

/**
 * `count` groups of `userId`, each with one logged message, written straight into the database;
 * returns resume cursors at 0 for them. A Subscribe carrying these cursors spends its start
 * replaying one chat after another: a stream that is busy for a while, deterministically enough
 * to show what happens to events that arrive meanwhile.
 */
export async function busyCursors(svc: ChatService, userId: string, count = 500) {
  const rows = await sql<{ id: string }>(
    svc,
    `WITH c AS (
       INSERT INTO chats (id, kind, title, last_seq, member_count, created_at, updated_at)
       SELECT gen_random_uuid(), 'GROUP', 'busy', 1, 1, now(), now() FROM generate_series(1, ?) RETURNING id),
     member AS (INSERT INTO chat_members (chat_id, user_id, role, joined_at) SELECT id, ?, 'OWNER', now() FROM c),
     message AS (
       INSERT INTO messages (id, chat_id, seq, sender_id, body, client_message_id, created_at)
       SELECT gen_random_uuid(), id, 1, ?, 'old', 'old', now() FROM c RETURNING id, chat_id),
     event AS (
       INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at)
       SELECT chat_id, 1, 'message_created', id, '{}', now() FROM message)
     SELECT id FROM c`,
    [count, userId, userId],
  );
  return rows.map((row) => ({ chatId: row.id, seq: 0 }));
}

/** `count` messages of `senderId` written straight into the chat's log (seqs 1..count). */
export async function bulkLog(svc: ChatService, chatId: string, senderId: string, count: number) {
  await sql(
    svc,
    `WITH m AS (
       INSERT INTO messages (id, chat_id, seq, sender_id, body, client_message_id, created_at)
       SELECT gen_random_uuid(), ?, s, ?, 'bulk ' || s, 'bulk-' || s, now() FROM generate_series(1, ?) s
       RETURNING id, seq)
     INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at)
     SELECT ?, seq, 'message_created', id, '{}', now() FROM m`,
    [chatId, senderId, count, chatId],
  );
  await sql(svc, 'UPDATE chats SET last_seq = ? WHERE id = ?', [count, chatId]);
}
