import { describe, expect, it } from 'vitest';
import { pageInfoOf } from '../src/cursors.js';
import {
  badUserInput,
  forbidden,
  limitExceeded,
  notFound,
  rateLimited,
  unauthenticated,
  untrustedDocument,
} from '../src/errors.js';

// The error helpers (gateway/src/errors.ts) build what clients get: each one's JSON, byte for
// byte, as the GraphQL contract (docs/architecture.md) and the clients' code read it. `http` is
// yoga's, stripped before an answer goes out.

describe('error helpers', () => {
  it.each([
    [unauthenticated('no token'), '{"message":"no token","extensions":{"code":"UNAUTHENTICATED"}}'],
    [
      forbidden('not from a web page', { status: 403 }),
      '{"message":"not from a web page","extensions":{"code":"FORBIDDEN","http":{"status":403}}}',
    ],
    [notFound('chat'), '{"message":"no such chat","extensions":{"code":"NOT_FOUND"}}'],
    [
      badUserInput('first', 'first must be between 1 and 50'),
      '{"message":"first must be between 1 and 50","extensions":{"code":"BAD_USER_INPUT","field":"first"}}',
    ],
    [
      rateLimited('login: 5 per 60 s per address', 12),
      '{"message":"Rate limit exceeded (login: 5 per 60 s per address); retry in 12 s","extensions":{"code":"RATE_LIMITED","retryAfter":12}}',
    ],
    [
      limitExceeded('too many subscriptions'),
      '{"message":"too many subscriptions","extensions":{"code":"LIMIT_EXCEEDED"}}',
    ],
    [
      limitExceeded('Token limit of 10 exceeded.', 'tokens'),
      '{"message":"Token limit of 10 exceeded.","extensions":{"code":"LIMIT_EXCEEDED","limit":"tokens"}}',
    ],
    [
      untrustedDocument('unknown documentId', 'PERSISTED_QUERY_NOT_IN_LIST'),
      '{"message":"unknown documentId","extensions":{"code":"PERSISTED_QUERY_NOT_IN_LIST","http":{"spec":true,"status":400}}}',
    ],
  ])('%s', (error, json) => {
    expect(JSON.stringify(error)).toBe(json);
  });
});

describe('pageInfoOf', () => {
  const cursorOf = (n: number) => `c${n}`;

  it('takes the cursors of the first and last item, and the flags of the page', () => {
    expect(pageInfoOf([0, 1, 2], cursorOf, { hasNextPage: true, hasPreviousPage: false })).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: 'c0',
      endCursor: 'c2',
    });
  });

  it('has no cursors on an empty page, and no more pages without flags', () => {
    expect(pageInfoOf([], cursorOf, undefined)).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
