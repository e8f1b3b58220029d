import { Metadata } from '@grpc/grpc-js';
import { callMetadata, forSubscription } from '../../../lib/grpc/metadata.js';
import type { CallContext, Handlers } from '../../../lib/grpc/server.js';
import type { Caller, SessionVerifier } from '../../../lib/session-verifier.js';
import type { ChatServiceService } from '../../../proto/gen/chat/v1/chat.js';
import type { Chats } from './chats.js';
import type { Messages } from './messages.js';
import { ROLE_FROM_PROTO } from './rows.js';
import type { DeliveryHub } from './delivery/hub.js';
import { serveDeliver, type DeliverLimits } from './delivery/deliver-call.js';
import { serveSubscribe } from './delivery/subscribe-call.js';
import type { createTyping } from './typing.js';

export interface ChatHandlerDeps {
  verifier: SessionVerifier;
  chats: Chats;
  messages: Messages;
  typing: ReturnType<typeof createTyping>;
  hub: DeliveryHub;
  limits: DeliverLimits & { maxSubscribeBuffered: number };
}

export function chatHandlers({
  verifier,
  chats,
  messages,
  typing,
  hub,
  limits,
}: ChatHandlerDeps): Handlers<typeof ChatServiceService> {
  const caller = (ctx: CallContext): Promise<Caller> => verifier.verify(ctx.metadata);
  /** Read-only calls: a live subscription's events may need them past the token's exp. */
  const reader = (ctx: CallContext): Promise<Caller> =>
    verifier.verify(ctx.metadata, { allowExpired: forSubscription(ctx.metadata) });

  return {
    getOrCreateDirectChat: async (request, ctx) => ({
      chat: await chats.getOrCreateDirect(await caller(ctx), request.userId),
    }),
    createGroupChat: async (request, ctx) => ({
      chat: await chats.createGroup(await caller(ctx), request.title, request.memberIds),
    }),
    addMembers: async (request, ctx) => ({
      chat: await chats.addMembers(await caller(ctx), request.chatId, request.userIds),
    }),
    removeMember: async (request, ctx) => ({
      chat: await chats.removeMember(await caller(ctx), request.chatId, request.userId),
    }),
    setMemberRole: async (request, ctx) => ({
      chat: await chats.setMemberRole(
        await caller(ctx),
        request.chatId,
        request.userId,
        ROLE_FROM_PROTO.get(request.role),
      ),
    }),
    async leaveChat(request, ctx) {
      await chats.leave(await caller(ctx), request.chatId);
      return {};
    },
    listChats: async (request, ctx) => chats.list(await caller(ctx), request.first, request.after),
    async getChats(request, ctx) {
      const found = await chats.get(await reader(ctx), request.ids);
      return { results: request.ids.map((id, index) => ({ id, ...(found[index] ? { chat: found[index] } : {}) })) };
    },
    listMembers: async (request, ctx) => chats.members(await reader(ctx), request),
    sendMessage: async (request, ctx) => ({ message: await messages.send(await caller(ctx), request) }),
    editMessage: async (request, ctx) => ({
      message: await messages.edit(await caller(ctx), request.messageId, request.body),
    }),
    deleteMessage: async (request, ctx) => ({ message: await messages.delete(await caller(ctx), request.messageId) }),
    listMessages: async (request, ctx) => messages.list(await reader(ctx), request),
    async getMessages(request, ctx) {
      const found = await messages.get(await reader(ctx), request.ids);
      return {
        results: request.ids.map((id, index) => ({ id, ...(found[index] ? { message: found[index] } : {}) })),
      };
    },
    markRead: async (request, ctx) => ({
      chat: await messages.markRead(await caller(ctx), request.chatId, request.seq),
    }),
    async setTyping(request, ctx) {
      const me = await caller(ctx);
      await messages.requireMember(me, request.chatId);
      await typing.set(request.chatId.toLowerCase(), me.userId, request.typing);
      return {};
    },
    async notifyUserUpdated(_request, ctx) {
      await chats.announceUserUpdated(await caller(ctx));
      return {};
    },
    // A subscription lives as long as its session, not its access token.
    async subscribe(_request, call, ctx) {
      const me = await verifier.verify(ctx.metadata, { allowExpired: true });
      await serveSubscribe(hub, me, call, ctx.signal, limits.maxSubscribeBuffered);
    },
    async deliver(call, ctx) {
      // Headers at once: the caller knows this instance took the call before any event flows.
      call.sendMetadata(new Metadata());
      await serveDeliver(
        hub,
        (authorization) =>
          verifier.verify(callMetadata({ authorization, requestId: ctx.requestId }), { allowExpired: true }),
        call,
        ctx.signal,
        limits,
      );
    },
  };
}
