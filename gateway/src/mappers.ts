import type { AuthTokens, Session, User } from '../../proto/gen/auth/v1/auth.js';

/** The gRPC messages that back GraphQL object types (codegen `mappers`). */
export type UserModel = User;
export type SessionModel = Session;
export interface AuthPayloadModel {
  tokens: AuthTokens | undefined;
  user: User | undefined;
}

/** ts-proto leaves message fields optional; a missing one is a broken upstream, not user error. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`upstream response is missing ${what}`);
  return value;
}
