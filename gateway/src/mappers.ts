import type { AuthTokens, Session, User } from '../../proto/gen/auth/v1/auth.js';
import type { Profile } from '../../proto/gen/profiles/v1/profiles.js';
import type {
  Chat as ChatProto,
  ChatMember as ChatMemberProto,
  Message as MessageProto,
  ListChatsResponse,
  ListMembersResponse,
  ListMessagesResponse,
} from '../../proto/gen/chat/v1/chat.js';

/** The gRPC messages that back GraphQL object types (codegen `mappers`). */
export type UserModel = User;
export type SessionModel = Session;
export interface AuthPayloadModel {
  tokens: AuthTokens | undefined;
  user: User | undefined;
}

/** ts-proto leaves message fields optional; a missing one is a broken upstream, not user error. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`upstream response is missing ${what}`);
  return value;
}

export type ChatModel = ChatProto;
export type MessageModel = MessageProto;
/** A member knows its chat: (chatId, userId) is its cache key. */
export type ChatMemberModel = ChatMemberProto & { chatId: string };
export interface ChatMemberConnectionModel {
  chatId: string;
  page: ListMembersResponse;
}
export type ChatConnectionModel = ListChatsResponse;
export type MessageConnectionModel = ListMessagesResponse;
export interface MessageEventModel {
  __typename: 'MessageCreated' | 'MessageEdited' | 'MessageDeleted';
  chatId: string;
  seq: number;
  message: MessageProto;
}
export interface ChatEventModel {
  __typename: 'ChatUpdated' | 'RemovedFromChat';
  chatId: string;
  seq: number;
}
export interface ReadReceiptModel {
  __typename: 'ReadReceipt';
  chatId: string;
  userId: string;
  lastReadSeq: number;
}
export interface TypingModel {
  __typename: 'TypingIndicator';
  chatId: string;
  userId: string;
  typing: boolean;
}
export interface UserUpdatedModel {
  __typename: 'UserUpdated';
  userId: string;
}
export type ProfileModel = Profile;
export type ChatEventPayload = MessageEventModel | ChatEventModel | ReadReceiptModel | TypingModel | UserUpdatedModel;
