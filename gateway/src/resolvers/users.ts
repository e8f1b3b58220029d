import { userInputError } from '../errors.js';
import type { Resolvers } from '../generated/resolvers.js';
import { required } from '../mappers.js';

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
      if (first < 1 || first > SEARCH_MAX) throw userInputError('first', `first must be between 1 and ${SEARCH_MAX}`);
      return (await ctx.auth.searchUsers({ query, limit: first }, ctx.call)).users;
    },
  },
  User: {
    email: (user) => user.email ?? null,
    createdAt: (user) => required(user.createdAt, 'createdAt'),
  },
};
