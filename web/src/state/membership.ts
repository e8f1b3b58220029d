// Who is in which chat: creating chats, adding and removing members, leaving, and loading the
// members (with their read markers) of an open chat.
import type { Client, CombinedError } from '@urql/core';
import {
  AddChatMembersMutation,
  CreateDirectChatMutation,
  CreateGroupChatMutation,
  LeaveChatMutation,
  MembersQuery,
  RemoveChatMemberMutation,
} from '../api/operations';
import type { Chat } from './model';
import { failure, type Outcome } from './outcome';
import type { Store } from './store';

export interface Membership {
  loadMembers: (chatId: string) => Promise<void>;
  createDirectChat: (userId: string) => Promise<Outcome<string>>;
  createGroupChat: (title: string, memberIds: string[]) => Promise<Outcome<string>>;
  addMembers: (chatId: string, userIds: string[]) => Promise<Outcome>;
  removeMember: (chatId: string, userId: string) => Promise<Outcome>;
  leave: (chatId: string) => Promise<Outcome>;
}

export function createMembership(api: Client, { dispatch }: Store): Membership {
  async function loadMembers(chatId: string): Promise<void> {
    const result = await api.query(MembersQuery, { id: chatId }).toPromise();
    if (result.data?.chat) dispatch({ type: 'membersLoaded', chatId, members: result.data.chat.members });
  }

  /** After adding or removing members: the chat as the server answered, and its members again. */
  async function membersChanged(
    chatId: string,
    chat: Chat | undefined,
    error: CombinedError | undefined,
  ): Promise<Outcome> {
    if (!chat) return failure(error);
    dispatch({ type: 'chatsLoaded', chats: [chat] });
    await loadMembers(chatId);
    return { ok: true, value: undefined };
  }

  return {
    loadMembers,
    async createDirectChat(userId) {
      const result = await api.mutation(CreateDirectChatMutation, { userId }).toPromise();
      const chat = result.data?.createDirectChat;
      if (!chat) return failure(result.error);
      dispatch({ type: 'chatsLoaded', chats: [chat] });
      return { ok: true, value: chat.id };
    },
    async createGroupChat(title, memberIds) {
      const result = await api.mutation(CreateGroupChatMutation, { input: { title, memberIds } }).toPromise();
      const chat = result.data?.createGroupChat;
      if (!chat) return failure(result.error);
      dispatch({ type: 'chatsLoaded', chats: [chat] });
      return { ok: true, value: chat.id };
    },
    async addMembers(chatId, userIds) {
      const result = await api.mutation(AddChatMembersMutation, { chatId, userIds }).toPromise();
      return membersChanged(chatId, result.data?.addChatMembers, result.error);
    },
    async removeMember(chatId, userId) {
      const result = await api.mutation(RemoveChatMemberMutation, { chatId, userId }).toPromise();
      return membersChanged(chatId, result.data?.removeChatMember, result.error);
    },
    async leave(chatId) {
      const result = await api.mutation(LeaveChatMutation, { chatId }).toPromise();
      if (!result.data) return failure(result.error);
      dispatch({ type: 'chatGone', chatId });
      dispatch({ type: 'closedSeen' });
      return { ok: true, value: undefined };
    },
  };
}
