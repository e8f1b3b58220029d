import { status } from '@grpc/grpc-js';
import { isServiceError } from '../../../lib/errors.js';
import { badUserInput } from '../errors.js';
import type { Resolvers } from '../generated/resolvers.js';
import { required, type UserModel } from '../mappers.js';

const SEARCH_MAX = 50;

/** Users: the caller, one by id, and search. */
export const userResolvers: Resolvers = {
  Query: {
    me: async (_root, _args, ctx) => {
      const { userId } = await ctx.viewer();
      return required((await ctx.loaders.users.load(userId)) ?? undefined, 'the caller');
    },
    user: (_root, { id }, ctx) => ctx.loaders.users.load(id),
    searchUsers: async (_root, { query, first }, ctx) => {
      if (first < 1 || first > SEARCH_MAX) throw badUserInput('first', `first must be between 1 and ${SEARCH_MAX}`);
      // Username matches first, then display-name matches of other users, up to `first`.
      const [byName, byProfile] = await Promise.all([
        ctx.auth.searchUsers({ query, limit: first }),
        // Without profiles-service, the username matches still answer.
        ctx.profiles.searchProfiles({ query, limit: first }).catch((error: unknown) => {
          if (isServiceError(error) && (error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED)) {
            ctx.logger.warn({ err: error }, 'searchUsers without display names: profiles-service unavailable');
            return { profiles: [] };
          }
          throw error;
        }),
      ]);
      const seen = new Set(byName.users.map((user) => user.id));
      const more = byProfile.profiles.map((profile) => profile.userId).filter((id) => !seen.has(id));
      const others = await ctx.loaders.users.loadMany(more);
      const users = [
        ...byName.users,
        ...others.filter((user): user is UserModel => user !== null && !(user instanceof Error)),
      ];
      return users.slice(0, first);
    },
  },
  User: {
    email: (user, _args, ctx) => ctx.emailOf(user),
    createdAt: (user) => required(user.createdAt, 'createdAt'),
  },
};
