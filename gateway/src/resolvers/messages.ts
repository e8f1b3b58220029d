import { messageCursor, messageSeqFrom, pageInfoOf } from '../cursors.js';
import type { GatewayContext } from '../context.js';
import { badUserInput } from '../errors.js';
import type { Resolvers } from '../generated/resolvers.js';
import { required, type MessageConnectionModel } from '../mappers.js';

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A page of a chat's history (chat-service enforces the limits too). */
export async function historyPage(
  ctx: GatewayContext,
  chatId: string,
  args: PageArgs,
): Promise<MessageConnectionModel> {
  if (args.first != null && args.last != null) throw badUserInput('last', 'give first or last, not both');
  return ctx.chat.listMessages({
    chatId,
    ...(args.first != null ? { first: args.first } : {}),
    ...(args.last != null ? { last: args.last } : {}),
    ...(args.after != null ? { afterSeq: messageSeqFrom(args.after, 'after') } : {}),
    ...(args.before != null ? { beforeSeq: messageSeqFrom(args.before, 'before') } : {}),
  });
}

/** Messages: history, send, edit, delete. */
export const messageResolvers: Resolvers = {
  Query: {
    messages: (_root, { chatId, ...args }, ctx) => historyPage(ctx, chatId, args),
  },
  Mutation: {
    sendMessage: async (_root, { input }, ctx) =>
      required(
        (
          await ctx.chat.sendMessage({
            chatId: input.chatId,
            body: input.body,
            clientMessageId: input.clientMessageId,
            ...(input.replyToId != null ? { replyToId: input.replyToId } : {}),
          })
        ).message,
        'message',
      ),
    editMessage: async (_root, { id, body }, ctx) =>
      required((await ctx.chat.editMessage({ messageId: id, body })).message, 'message'),
    deleteMessage: async (_root, { id }, ctx) =>
      required((await ctx.chat.deleteMessage({ messageId: id })).message, 'message'),
  },
  MessageConnection: {
    edges: (page) => page.messages.map((message) => ({ cursor: messageCursor(message.seq), node: message })),
    pageInfo: (page) => pageInfoOf(page.messages, (message) => messageCursor(message.seq), page.pageInfo),
  },
  Message: {
    sender: async (message, _args, ctx) =>
      required((await ctx.loaders.users.load(message.senderId)) ?? undefined, 'sender'),
    replyTo: (message) => message.replyTo ?? null,
    createdAt: (message) => required(message.createdAt, 'createdAt'),
    editedAt: (message) => message.editedAt ?? null,
    deletedAt: (message) => message.deletedAt ?? null,
  },
};
