import { invalidArgument, notFound } from '../../../lib/errors.js';
import { codePointLength } from '../../../lib/text.js';
import { MAX_SEQ } from './event-log.js';

/** Chat limits from the design, enforced here whatever the gateway checks. Lengths in code points. */
export const LIMITS = {
  bodyMax: 4_096,
  clientMessageIdMax: 64,
  titleMax: 100,
  membersPerCall: 100,
  // Members per group and chats per user are configured caps (config.ts), enforced in caps.ts.
  pageMax: 100,
  historyDefault: 50,
  chatsDefault: 20,
  membersPageDefault: 100,
  membersPageMax: 500,
  getChatsMax: 500,
  getMessagesMax: 500,
} as const;

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_SHAPE.test(value);

/*
 * Ids are UUIDs, which PostgreSQL compares case-insensitively while JavaScript maps and sets do
 * not: every id a caller hands in is lower-cased here, before anything is read or written with
 * it, so that a change committed under `ABC…` is found again under `abc…` (the form every id is
 * stored and answered in).
 */

/** A chat id, lower-cased; one that is no UUID names no chat (NOT_FOUND, as for any other). */
export function chatId(value: string): string {
  if (!isUuid(value)) throw notFound('no such chat');
  return value.toLowerCase();
}

/** A message id, lower-cased; undefined when it is no UUID (so names no message). */
export const messageId = (value: string): string | undefined => (isUuid(value) ? value.toLowerCase() : undefined);

// NUL cannot be stored in PostgreSQL text; other control characters except tab and newlines
// have no place in chat text either.
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/u;

/** A user id: a UUID (the form auth-service hands out), lower-cased. */
export function userId(field: string, value: string): string {
  if (!isUuid(value)) throw invalidArgument(field, `${field} is not a valid user id`);
  return value.toLowerCase();
}

export function userIds(field: string, values: readonly string[], max: number): string[] {
  if (values.length > max) throw invalidArgument(field, `${field} may list at most ${max} users`);
  return [...new Set(values.map((value) => userId(field, value)))];
}

export function messageBody(field: string, body: string): string {
  const length = codePointLength(body);
  if (length < 1 || body.trim() === '') throw invalidArgument(field, `${field} must not be blank`);
  if (length > LIMITS.bodyMax) throw invalidArgument(field, `${field} must be at most ${LIMITS.bodyMax} characters`);
  if (FORBIDDEN_CONTROLS.test(body)) throw invalidArgument(field, `${field} contains control characters`);
  return body;
}

export function clientMessageId(value: string): string {
  const length = codePointLength(value);
  if (length < 1 || length > LIMITS.clientMessageIdMax) {
    throw invalidArgument('clientMessageId', `clientMessageId must be 1–${LIMITS.clientMessageIdMax} characters`);
  }
  if (FORBIDDEN_CONTROLS.test(value))
    throw invalidArgument('clientMessageId', 'clientMessageId contains control characters');
  return value;
}

export function groupTitle(title: string): string {
  const trimmed = title.trim();
  const length = codePointLength(trimmed);
  if (length < 1 || length > LIMITS.titleMax) {
    throw invalidArgument('title', `title must be 1–${LIMITS.titleMax} characters`);
  }
  if (FORBIDDEN_CONTROLS.test(trimmed)) throw invalidArgument('title', 'title contains control characters');
  return trimmed;
}

/** A page size: 0 (unset) means `fallback`; else 1–`max`. */
export function pageSize(field: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined || value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(field, `${field} must be between 1 and ${max}`);
  }
  return value;
}

/** A seq from a caller: 0 up to the largest seq a log can reach (the `integer` columns' range). */
export function seqValue(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEQ) {
    throw invalidArgument(field, `${field} must be a seq (0 to ${MAX_SEQ})`);
  }
  return value;
}

/** The largest chat-list cursor: chats.activity is a PostgreSQL `bigint`. */
const ACTIVITY_MAX = 2n ** 63n - 1n;

/** A chat-list cursor (a chat's activity number), as the text chat-service handed out. */
export function activityCursor(field: string, value: string): string {
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > ACTIVITY_MAX) {
    throw invalidArgument(field, `${field} is not a valid cursor`);
  }
  return value;
}
