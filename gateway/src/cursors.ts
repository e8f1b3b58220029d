import { badUserInput } from './errors.js';
import type { PageInfo } from './generated/resolvers.js';

/**
 * Connection cursors are opaque to clients: a message cursor wraps its seq, a chat cursor the
 * chat-service's own cursor, a member cursor the member's user id. A cursor that does not
 * decode, or names a value out of range, is BAD_USER_INPUT on its argument — never an error of
 * a service or of PostgreSQL.
 */
const encode = (kind: string, value: string) => Buffer.from(`${kind}:${value}`).toString('base64url');

/** The largest seq: the GraphQL contract's `Int`, and the services' `int32`/`integer` seqs. */
export const MAX_SEQ = 2_147_483_647;
/** The largest chat-list cursor: chat-service's activity numbers are PostgreSQL `bigint`s. */
const MAX_ACTIVITY = 2n ** 63n - 1n;

function decode(kind: string, cursor: string, field: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${kind}:`)) throw badUserInput(field, `${field} is not a valid cursor`);
  return text.slice(kind.length + 1);
}

export const messageCursor = (seq: number) => encode('m', String(seq));

export function messageSeqFrom(cursor: string, field: string): number {
  const value = decode('m', cursor, field);
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_SEQ) throw badUserInput(field, `${field} is not a valid cursor`);
  return Number(value);
}

export const chatCursor = (serviceCursor: string) => encode('c', serviceCursor);

export function chatCursorFrom(cursor: string, field: string): string {
  const value = decode('c', cursor, field);
  if (!/^\d{1,19}$/.test(value) || BigInt(value) > MAX_ACTIVITY) {
    throw badUserInput(field, `${field} is not a valid cursor`);
  }
  return value;
}

/** A member cursor wraps the member's user id (chat-service checks it is a member). */
export const memberCursor = (userId: string) => encode('u', userId);

export function memberUserIdFrom(cursor: string, field: string): string {
  const value = decode('u', cursor, field);
  if (!/^[0-9a-f-]{36}$/i.test(value)) throw badUserInput(field, `${field} is not a valid cursor`);
  return value;
}

/**
 * The `pageInfo` of every connection: the service's flags for the page (none: false) and the
 * cursors of its first and last item (none on an empty page).
 */
export function pageInfoOf<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean } | undefined,
): PageInfo {
  const first = items[0];
  const last = items.at(-1);
  return {
    hasNextPage: page?.hasNextPage ?? false,
    hasPreviousPage: page?.hasPreviousPage ?? false,
    startCursor: first !== undefined ? cursorOf(first) : null,
    endCursor: last !== undefined ? cursorOf(last) : null,
  };
}

/** `chatEvents(resume:)`: each `afterSeq` a seq (0 or more); checked before any stream opens. */
export function resumeCursorsFrom<T extends { afterSeq: number }>(resume: readonly T[], field: string): T[] {
  for (const cursor of resume) {
    if (!Number.isInteger(cursor.afterSeq) || cursor.afterSeq < 0 || cursor.afterSeq > MAX_SEQ) {
      throw badUserInput(field, `${field}: afterSeq must be a seq (0 to ${MAX_SEQ})`);
    }
  }
  return [...resume];
}
