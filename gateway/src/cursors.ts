import { userInputError } from './errors.js';

/**
 * Connection cursors are opaque to clients: a message cursor wraps its seq, a chat cursor the
 * chat-service's own cursor. A cursor that does not decode is BAD_USER_INPUT on its argument.
 */
const encode = (kind: string, value: string) => Buffer.from(`${kind}:${value}`).toString('base64url');

function decode(kind: string, cursor: string, field: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${kind}:`)) throw userInputError(field, `${field} is not a valid cursor`);
  return text.slice(kind.length + 1);
}

export const messageCursor = (seq: number) => encode('m', String(seq));

export function messageSeqFrom(cursor: string, field: string): number {
  const value = decode('m', cursor, field);
  if (!/^\d{1,10}$/.test(value)) throw userInputError(field, `${field} is not a valid cursor`);
  return Number(value);
}

export const chatCursor = (serviceCursor: string) => encode('c', serviceCursor);
export const chatCursorFrom = (cursor: string, field: string) => decode('c', cursor, field);
