import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { status } from '@grpc/grpc-js';
import { errorField, isServiceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { DocumentLimit } from './defence/documents.js';
import type { TrustedDocumentCode } from './defence/trusted-documents.js';

/** `errors[].extensions.code` values of the GraphQL contract. */
export const ErrorCode = {
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  BadUserInput: 'BAD_USER_INPUT',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  /** A configured cap (members per group, subscriptions per socket, …); the message names it. */
  LimitExceeded: 'LIMIT_EXCEEDED',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** gRPC status → GraphQL error code; a status not listed is unexpected and gets masked. */
const CODE_OF_STATUS = new Map<status, ErrorCode>([
  [status.INVALID_ARGUMENT, ErrorCode.BadUserInput],
  [status.UNAUTHENTICATED, ErrorCode.Unauthenticated],
  [status.PERMISSION_DENIED, ErrorCode.Forbidden],
  [status.NOT_FOUND, ErrorCode.NotFound],
  [status.ALREADY_EXISTS, ErrorCode.Conflict],
  [status.RESOURCE_EXHAUSTED, ErrorCode.RateLimited],
  [status.FAILED_PRECONDITION, ErrorCode.LimitExceeded],
  [status.UNAVAILABLE, ErrorCode.Unavailable],
  [status.DEADLINE_EXCEEDED, ErrorCode.Unavailable],
]);

const SAFE_MESSAGE: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.Unavailable]: 'a service is unavailable; try again',
};

/**
 * The extensions the gateway sets on its errors, besides yoga's own `http` (the status over HTTP,
 * which yoga and ws-connection.ts strip from what clients get). Errors of graphql-js and yoga
 * themselves may carry codes of their own (GRAPHQL_VALIDATION_FAILED, BAD_REQUEST, …), so a
 * reader compares a code, never assumes it is one of these.
 */
declare module 'graphql' {
  interface GraphQLErrorExtensions {
    code?: ErrorCode | TrustedDocumentCode;
    /** BAD_USER_INPUT and CONFLICT: the argument or input field at fault. */
    field?: string;
    /** RATE_LIMITED: whole seconds until a retry may pass, at least 1. */
    retryAfter?: number;
    /** LIMIT_EXCEEDED of a document (defence/documents.ts): which limit it is over. */
    limit?: DocumentLimit;
  }
}

// The errors the gateway raises itself, one helper per code: what a client gets is decided here.

/** No valid credentials: a missing, malformed, expired or revoked token. */
export const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.Unauthenticated } });

/** Not allowed; `http`, when given, is the status yoga answers it with over HTTP. */
export const forbidden = (message: string, http?: { status: number }) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.Forbidden, ...(http ? { http } : {}) } });

/** `no such <what>`: also what a non-member hears of a chat, as if it did not exist. */
export const notFound = (what: string) =>
  new GraphQLError(`no such ${what}`, { extensions: { code: ErrorCode.NotFound } });

/** An argument the gateway refuses before calling anything, e.g. one out of range. */
export const badUserInput = (field: string, message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput, field } });

/** A call over a rate limit (limits/); the message names the limit and the wait. */
export function rateLimited(label: string, retryAfter: number): GraphQLError {
  return new GraphQLError(`Rate limit exceeded (${label}); retry in ${retryAfter} s`, {
    extensions: { code: ErrorCode.RateLimited, retryAfter },
  });
}

/**
 * A request refused by the trusted-documents rules (defence/trusted-documents.ts), with the codes
 * of yoga's persisted-operations plugin; status 400 over HTTP, as a validation error's.
 */
export const untrustedDocument = (message: string, code: TrustedDocumentCode) =>
  new GraphQLError(message, { extensions: { code, http: { spec: true, status: 400 } } });

/** A configured cap reached; the message names it, `limit` says which limit of a document. */
export const limitExceeded = (message: string, limit?: DocumentLimit) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.LimitExceeded, ...(limit ? { limit } : {}) } });

/**
 * The `extensions.code` a client sees for `error` once masked, without logging anything: for the
 * operation metrics and log lines (gateway/src/metrics/). INTERNAL_SERVER_ERROR when masked.
 */
export function errorCodeOf(error: unknown): string {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (isServiceError(original)) return CODE_OF_STATUS.get(original.code) ?? ErrorCode.Internal;
  const shown = original instanceof GraphQLError ? original : error instanceof GraphQLError ? error : undefined;
  const code = shown?.extensions.code;
  if (typeof code === 'string') return code;
  return shown && !shown.originalError ? ErrorCode.BadUserInput : ErrorCode.Internal;
}

/**
 * The one place where errors become what clients see (yoga's `maskError` hook): gRPC errors
 * with a known status keep their safe message and get their code (and `field`); everything else
 * is masked as INTERNAL_SERVER_ERROR and logged with its stack.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isServiceError(original)) {
      const code = CODE_OF_STATUS.get(original.code);
      if (code) {
        const field = errorField(original);
        return new GraphQLError(SAFE_MESSAGE[code] ?? original.details, {
          ...(error instanceof GraphQLError ? { nodes: error.nodes ?? null, path: error.path ?? null } : {}),
          extensions: { code, ...(field ? { field } : {}) },
        });
      }
    }
    if (!(error instanceof GraphQLError && !error.originalError) && !(original instanceof GraphQLError)) {
      logger.error({ err: original }, 'unexpected error in an operation');
    }
    return yogaMaskError(error, message, false);
  };
}
