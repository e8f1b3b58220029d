import type { Resolvers } from '../generated/resolvers.js';
import type { GatewayContext } from '../context.js';
import { required, type AuthPayloadModel } from '../mappers.js';

/** The payload's nested fields (the user's profile, …) resolve as the user just signed in. */
function signedIn(ctx: GatewayContext, payload: AuthPayloadModel): AuthPayloadModel {
  if (payload.tokens?.accessToken) ctx.actAs(payload.tokens.accessToken);
  return payload;
}

/** Accounts, tokens and sessions: register, login, refresh, logout, revoke, list. */
export const authResolvers: Resolvers = {
  Query: {
    sessions: async (_root, _args, ctx) => (await ctx.auth.listSessions({})).sessions,
  },
  Mutation: {
    register: async (_root, { input }, ctx) =>
      signedIn(ctx, await ctx.auth.register({ ...input, userAgent: ctx.userAgent })),
    login: async (_root, { input }, ctx) => signedIn(ctx, await ctx.auth.login({ ...input, userAgent: ctx.userAgent })),
    refreshToken: async (_root, { refreshToken }, ctx) =>
      signedIn(ctx, await ctx.auth.refresh({ refreshToken, userAgent: ctx.userAgent })),
    logout: async (_root, _args, ctx) => {
      await ctx.auth.logout({});
      return true;
    },
    revokeSession: async (_root, { id }, ctx) => {
      await ctx.auth.revokeSession({ sessionId: id });
      return true;
    },
  },
  AuthPayload: {
    accessToken: (payload) => required(payload.tokens, 'tokens').accessToken,
    refreshToken: (payload) => required(payload.tokens, 'tokens').refreshToken,
    accessTokenExpiresAt: (payload) =>
      required(required(payload.tokens, 'tokens').accessTokenExpiresAt, 'accessTokenExpiresAt'),
    refreshTokenExpiresAt: (payload) =>
      required(required(payload.tokens, 'tokens').refreshTokenExpiresAt, 'refreshTokenExpiresAt'),
    user: (payload) => required(payload.user, 'user'),
  },
  Session: {
    createdAt: (session) => required(session.createdAt, 'createdAt'),
    lastUsedAt: (session) => required(session.lastUsedAt, 'lastUsedAt'),
    expiresAt: (session) => required(session.expiresAt, 'expiresAt'),
  },
};
