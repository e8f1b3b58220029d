import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { status } from '@grpc/grpc-js';
import { errorField, isServiceError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';

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

/** A client-facing error raised by the gateway itself, e.g. for an argument out of range. */
export function userInputError(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BadUserInput, field } });
}

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
