import type { Resolvers } from '../generated/resolvers.js';
import { required } from '../mappers.js';

/** Profiles: User.profile (GetProfiles, batched by the operation's loader) and updateProfile. */
export const profileResolvers: Resolvers = {
  User: {
    // Nullable on purpose: when profiles-service cannot answer, the error sits at this path and
    // the rest of the response stands.
    profile: (user, _args, ctx) => ctx.loaders.profiles.load(user.id),
  },
  Profile: {
    // One profile a user: its identity is the user's id.
    id: (profile) => profile.userId,
    avatarUrl: (profile) => profile.avatarUrl ?? null,
    updatedAt: (profile) => profile.updatedAt ?? null,
  },
  Mutation: {
    updateProfile: async (_root, { input }, ctx) => {
      // An omitted field stays; an explicit null resets it to the default.
      const fields: string[] = [];
      const values: { displayName?: string; bio?: string; avatarUrl?: string } = {};
      for (const [name, field] of [
        ['displayName', 'display_name'],
        ['bio', 'bio'],
        ['avatarUrl', 'avatar_url'],
      ] as const) {
        if (!(name in input)) continue;
        fields.push(field);
        const value = input[name];
        if (value != null) values[name] = value;
      }
      const { profile } = await ctx.profiles.updateProfile({ fields, ...values });
      const { userId } = await ctx.viewer();
      if (profile) ctx.loaders.profiles.prime(userId, profile);
      return required((await ctx.loaders.users.load(userId)) ?? undefined, 'the caller');
    },
  },
};
