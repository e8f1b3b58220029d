import { mergeResolvers } from '@graphql-tools/merge';
import type { Resolvers } from '../generated/resolvers.js';
import { authResolvers } from './auth.js';
import { chatResolvers } from './chats.js';
import { eventResolvers } from './events.js';
import { messageResolvers } from './messages.js';
import { profileResolvers } from './profiles.js';
import { DateTime } from './scalars.js';
import { userResolvers } from './users.js';

export const resolvers: Resolvers = mergeResolvers([
  { DateTime },
  authResolvers,
  userResolvers,
  chatResolvers,
  messageResolvers,
  eventResolvers,
  profileResolvers,
]);
