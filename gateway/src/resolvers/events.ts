import { resumeCursorsFrom } from '../cursors.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { ChatEventPayload } from '../mappers.js';
import { required } from '../mappers.js';

/** `chatEvents` and the event types of its union. */
export const eventResolvers: Resolvers = {
  Subscription: {
    chatEvents: {
      subscribe: (_root, { resume }, ctx) => ctx.chatEvents(resumeCursorsFrom(resume ?? [], 'resume')),
      resolve: (payload: ChatEventPayload) => payload,
    },
  },
  ChatEvent: {
    __resolveType: (event) => event.__typename,
  },
  ChatUpdated: {
    chat: (event, _args, ctx) => ctx.loaders.chats.load(event.chatId),
  },
  ReadReceipt: {
    user: async (event, _args, ctx) => required((await ctx.loaders.users.load(event.userId)) ?? undefined, 'user'),
  },
  UserUpdated: {
    user: async (event, _args, ctx) => required((await ctx.loaders.users.load(event.userId)) ?? undefined, 'user'),
  },
  TypingIndicator: {
    user: async (event, _args, ctx) => required((await ctx.loaders.users.load(event.userId)) ?? undefined, 'user'),
  },
};
