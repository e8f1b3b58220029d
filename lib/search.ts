import { invalidArgument } from './errors.js';
import { codePointLength } from './text.js';

/** Limits of a prefix search (searchUsers in the GraphQL contract), shared by every service that searches. */
export const SEARCH_LIMITS = { queryMax: 64, default: 20, max: 50 } as const;

/**
 * A search query, trimmed and lower-cased, 1–64 code points; a limit of 0 (unset) means 20, at
 * most 50. Errors name the GraphQL arguments: `query` and `first`.
 */
export function checkSearch(query: string, limit: number): { query: string; limit: number } {
  const trimmed = query.trim();
  const length = codePointLength(trimmed);
  if (length < 1 || length > SEARCH_LIMITS.queryMax) {
    throw invalidArgument('query', `query must be 1–${SEARCH_LIMITS.queryMax} characters`);
  }
  if (!Number.isInteger(limit) || limit < 0 || limit > SEARCH_LIMITS.max) {
    throw invalidArgument('first', `first must be at most ${SEARCH_LIMITS.max}`);
  }
  return { query: trimmed.toLowerCase(), limit: limit === 0 ? SEARCH_LIMITS.default : limit };
}
