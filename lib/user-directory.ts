import { status } from '@grpc/grpc-js';
import type { AuthServiceClient } from '../proto/gen/auth/v1/auth.js';
import { isServiceError, unavailable } from './errors.js';
import type { ServiceClient } from './grpc/client.js';
import { callMetadata } from './grpc/metadata.js';
import type { Caller } from './session-verifier.js';

/** Usernames of these user ids (absent: no such user), asked of auth-service for the caller. */
export type UserDirectory = (caller: Caller, ids: string[]) => Promise<Map<string, string>>;

/**
 * Users looked up in auth-service (`GetUsers`) on the caller's behalf: with their token, request
 * id and subscription mark (a subscription's read outlives its access token). A refused token is
 * the caller's UNAUTHENTICATED; any other failure is UNAVAILABLE, to be retried.
 */
export function authUserDirectory(auth: ServiceClient<AuthServiceClient>): UserDirectory {
  return async (caller, ids) => {
    try {
      const { results } = await auth.unary.getUsers(
        { ids },
        {
          metadata: callMetadata({
            authorization: caller.authorization,
            subscription: caller.forSubscription,
            requestId: caller.requestId,
          }),
        },
      );
      return new Map(
        results.flatMap((result) => (result.user ? [[result.user.id, result.user.username] as const] : [])),
      );
    } catch (error) {
      if (isServiceError(error) && error.code === status.UNAUTHENTICATED) throw error;
      throw unavailable('cannot look users up now; try again');
    }
  };
}
