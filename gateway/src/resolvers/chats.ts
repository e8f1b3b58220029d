import { ChatKind, ChatRole as ChatRoleProto } from '../../../proto/gen/chat/v1/chat.js';
import { chatCursor, chatCursorFrom, memberCursor, memberUserIdFrom, pageInfoOf } from '../cursors.js';
import { badUserInput, notFound } from '../errors.js';
import type { ChatRole, Resolvers } from '../generated/resolvers.js';
import { required, type ChatModel } from '../mappers.js';
import { historyOnly, sameHistory, type ChatWithHistory } from './history-lookahead.js';
import { historyPage } from './messages.js';

const ROLE_NAME: Record<ChatRoleProto, ChatRole | undefined> = {
  [ChatRoleProto.CHAT_ROLE_OWNER]: 'OWNER',
  [ChatRoleProto.CHAT_ROLE_ADMIN]: 'ADMIN',
  [ChatRoleProto.CHAT_ROLE_MEMBER]: 'MEMBER',
  [ChatRoleProto.CHAT_ROLE_UNSPECIFIED]: undefined,
  [ChatRoleProto.UNRECOGNIZED]: undefined,
};
const ROLE_PROTO: Record<ChatRole, ChatRoleProto> = {
  OWNER: ChatRoleProto.CHAT_ROLE_OWNER,
  ADMIN: ChatRoleProto.CHAT_ROLE_ADMIN,
  MEMBER: ChatRoleProto.CHAT_ROLE_MEMBER,
};

/** What a chat read ahead by its history alone holds besides its id: nothing anyone reads. */
const EMPTY_CHAT: ChatModel = {
  id: '',
  kind: ChatKind.CHAT_KIND_UNSPECIFIED,
  memberCount: 0,
  lastSeq: 0,
  unreadCount: 0,
  lastReadSeq: 0,
  role: ChatRoleProto.CHAT_ROLE_UNSPECIFIED,
  createdAt: undefined,
  updatedAt: undefined,
};

/** Chats, members and membership changes. */
export const chatResolvers: Resolvers = {
  Query: {
    chats: async (_root, { first, after }, ctx) =>
      ctx.chat.listChats({ first: first ?? 20, ...(after != null ? { after: chatCursorFrom(after, 'after') } : {}) }),
    chat: async (_root, { id }, ctx, info) => {
      const history = historyOnly(info);
      if (history) {
        // Only the history is asked for: reading it checks membership too (NOT_FOUND otherwise).
        const page = await historyPage(ctx, id, history);
        const chat: ChatWithHistory = { ...EMPTY_CHAT, id, history: { args: history, page } };
        return chat;
      }
      const chat = await ctx.loaders.chats.load(id);
      if (!chat) throw notFound('chat');
      return chat;
    },
  },
  Mutation: {
    createDirectChat: async (_root, { userId }, ctx) =>
      required((await ctx.chat.getOrCreateDirectChat({ userId })).chat, 'chat'),
    createGroupChat: async (_root, { input }, ctx) =>
      required((await ctx.chat.createGroupChat({ title: input.title, memberIds: input.memberIds })).chat, 'chat'),
    addChatMembers: async (_root, { chatId, userIds }, ctx) =>
      required((await ctx.chat.addMembers({ chatId, userIds })).chat, 'chat'),
    removeChatMember: async (_root, { chatId, userId }, ctx) =>
      required((await ctx.chat.removeMember({ chatId, userId })).chat, 'chat'),
    setChatMemberRole: async (_root, { chatId, userId, role }, ctx) =>
      required((await ctx.chat.setMemberRole({ chatId, userId, role: ROLE_PROTO[role] })).chat, 'chat'),
    leaveChat: async (_root, { chatId }, ctx) => {
      await ctx.chat.leaveChat({ chatId });
      return true;
    },
    markRead: async (_root, { chatId, seq }, ctx) => required((await ctx.chat.markRead({ chatId, seq })).chat, 'chat'),
    setTyping: async (_root, { chatId, typing }, ctx) => {
      await ctx.chat.setTyping({ chatId, typing });
      return true;
    },
  },
  ChatConnection: {
    edges: (connection) =>
      connection.edges.map((edge) => ({ cursor: chatCursor(edge.cursor), node: required(edge.chat, 'chat') })),
    pageInfo: (connection) => pageInfoOf(connection.edges, (edge) => chatCursor(edge.cursor), connection.pageInfo),
  },
  Chat: {
    kind: (chat) => (chat.kind === ChatKind.CHAT_KIND_DIRECT ? 'DIRECT' : 'GROUP'),
    title: (chat) => chat.title ?? null,
    lastMessage: (chat) => chat.lastMessage ?? null,
    createdAt: (chat) => required(chat.createdAt, 'createdAt'),
    updatedAt: (chat) => required(chat.updatedAt, 'updatedAt'),
    members: async (chat, { first, after }, ctx) =>
      (
        await ctx.chat.listMembers({ chatId: chat.id, first: first ?? 100, ...(after != null ? { after } : {}) })
      ).members.map((member) => ({ ...member, chatId: chat.id })),
    // The same list as a connection; chat-service checks membership and the page limits.
    membersConnection: async (chat, { first, after, last, before }, ctx) => {
      if ((first != null || after != null) && (last != null || before != null)) {
        throw badUserInput('last', 'give first/after or last/before, not both');
      }
      // chat-service reads 0 as "the default size"; a connection asked for 0 is a mistake.
      if (first != null && first < 1) throw badUserInput('first', 'first must be between 1 and 500');
      if (last != null && last < 1) throw badUserInput('last', 'last must be between 1 and 500');
      const page = await ctx.chat.listMembers({
        chatId: chat.id,
        first: first ?? 0,
        ...(after != null ? { after: memberUserIdFrom(after, 'after') } : {}),
        ...(last != null ? { last } : {}),
        ...(before != null ? { before: memberUserIdFrom(before, 'before') } : {}),
      });
      return { chatId: chat.id, page };
    },
    messages: (chat: ChatWithHistory, args, ctx) =>
      chat.history && sameHistory(chat.history.args, args) ? chat.history.page : historyPage(ctx, chat.id, args),
  },
  ChatMemberConnection: {
    edges: ({ chatId, page }) =>
      page.members.map((member) => ({ cursor: memberCursor(member.userId), node: { ...member, chatId } })),
    pageInfo: ({ page }) => pageInfoOf(page.members, (member) => memberCursor(member.userId), page),
  },
  ChatMember: {
    user: async (member, _args, ctx) => required((await ctx.loaders.users.load(member.userId)) ?? undefined, 'member'),
    role: (member) => required(ROLE_NAME[member.role], 'role'),
    joinedAt: (member) => required(member.joinedAt, 'joinedAt'),
  },
};
