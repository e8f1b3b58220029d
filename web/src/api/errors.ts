// Server errors in words a person understands. The services' BAD_USER_INPUT, CONFLICT and
// LIMIT_EXCEEDED messages are written for people already ("username is taken", "a group may have
// at most 10000 members"); field names become labels.
import type { CombinedError } from '@urql/core';
import { GraphQLRequestError } from './graphql-fetch';

/** Input names as a sentence says them; the first word is capitalised afterwards. */
const FIELD_LABELS: Record<string, string> = {
  displayName: 'display name',
  avatarUrl: 'avatar URL',
  clientMessageId: 'message id',
  replyToId: 'the message replied to',
  memberIds: 'members',
  userIds: 'users',
};

const MESSAGES: Record<string, string> = {
  // Seen only while still signed in (a session that ended shows the sign-in screen instead):
  // the token could not be renewed, which means the server was out of reach.
  UNAUTHENTICATED: 'Could not renew your sign-in. Check your connection and try again.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'That chat or message is no longer available.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
};
const NETWORK = 'Cannot reach the server. Check your connection and try again.';
const UNKNOWN = 'Something went wrong on our side. Please try again.';

export interface FriendlyError {
  message: string;
  /** The input the server named, when it named one. */
  field: string | null;
  code: string | null;
}

function humanize(message: string): string {
  let text = message;
  for (const [field, label] of Object.entries(FIELD_LABELS)) {
    text = text.replace(new RegExp(`\\b${field}\\b`), label);
  }
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function friendlyError(error: unknown, overrides: Partial<Record<string, string>> = {}): FriendlyError {
  let first: { message: string; extensions?: Record<string, unknown> } | undefined;
  let network = false;
  if (error instanceof GraphQLRequestError) {
    first = error.errors[0];
    network = error.network;
  } else if (error && typeof error === 'object' && 'graphQLErrors' in error) {
    const combined = error as CombinedError;
    first = combined.graphQLErrors[0];
    network = !first && !!combined.networkError;
  }
  if (!first || network) return { message: NETWORK, field: null, code: null };
  const code = typeof first.extensions?.['code'] === 'string' ? first.extensions['code'] : null;
  const field = typeof first.extensions?.['field'] === 'string' ? first.extensions['field'] : null;
  const override = code ? overrides[code] : undefined;
  if (override) return { message: override, field, code };
  if (code === 'BAD_USER_INPUT' || code === 'CONFLICT' || code === 'LIMIT_EXCEEDED') {
    return { message: humanize(first.message), field, code };
  }
  return { message: (code && MESSAGES[code]) ?? UNKNOWN, field, code };
}

/** True when trying again later may succeed (no answer, or a service briefly down). */
export function isTransient(error: CombinedError | undefined): boolean {
  if (!error) return false;
  if (error.networkError && error.graphQLErrors.length === 0) return true;
  return error.graphQLErrors.some((e) => e.extensions['code'] === 'UNAVAILABLE');
}
