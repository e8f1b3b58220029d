import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A stored profile; a user without one has the default (display name = username). */
export const Profile = defineEntity({
  name: 'Profile',
  tableName: 'profiles',
  properties: {
    userId: p.uuid().primary(),
    displayName: p.string().nullable(),
    bio: p.text(),
    avatarUrl: p.string().nullable(),
    updatedAt: p.datetime(),
  },
});
export type Profile = InferEntity<typeof Profile>;

export const profilesEntities = [Profile];
