/* eslint-disable */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type {
  UserModel,
  SessionModel,
  AuthPayloadModel,
  ChatModel,
  ChatMemberModel,
  MessageModel,
  ChatConnectionModel,
  MessageConnectionModel,
  MessageEventModel,
  ChatEventModel,
  ReadReceiptModel,
  TypingModel,
  UserUpdatedModel,
  ProfileModel,
} from '../mappers.js';
import type { GatewayContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string };
  String: { input: string; output: string };
  Boolean: { input: boolean; output: boolean };
  Int: { input: number; output: number };
  Float: { input: number; output: number };
  /** An ISO-8601 date and time in UTC, e.g. 2026-01-31T12:00:00.000Z. */
  DateTime: { input: Date; output: Date };
};

export type AuthPayload = {
  __typename?: 'AuthPayload';
  accessToken: Scalars['String']['output'];
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  refreshToken: Scalars['String']['output'];
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
  user: User;
};

export type Chat = {
  __typename?: 'Chat';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: ChatKind;
  lastMessage: Maybe<Message>;
  /** The seq of the newest event in the chat's log. */
  lastSeq: Scalars['Int']['output'];
  memberCount: Scalars['Int']['output'];
  /** Members by join time, then user id; `after` is the user id of the previous page's last member; `first` at most 500. */
  members: Array<ChatMember>;
  /** History by seq, ascending; see Query.messages. */
  messages: MessageConnection;
  /** Null for a direct chat. */
  title: Maybe<Scalars['String']['output']>;
  /** Messages from others after the caller's read marker. */
  unreadCount: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type ChatMembersArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ChatMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type ChatConnection = {
  __typename?: 'ChatConnection';
  edges: Array<ChatEdge>;
  pageInfo: PageInfo;
};

export type ChatCursorInput = {
  /** The last seq the client has seen of this chat. */
  afterSeq: Scalars['Int']['input'];
  chatId: Scalars['ID']['input'];
};

export type ChatEdge = {
  __typename?: 'ChatEdge';
  cursor: Scalars['String']['output'];
  node: Chat;
};

export type ChatEvent =
  | ChatUpdated
  | MessageCreated
  | MessageDeleted
  | MessageEdited
  | ReadReceipt
  | RemovedFromChat
  | TypingIndicator
  | UserUpdated;

export type ChatKind = 'DIRECT' | 'GROUP';

export type ChatMember = {
  __typename?: 'ChatMember';
  joinedAt: Scalars['DateTime']['output'];
  lastReadSeq: Scalars['Int']['output'];
  role: ChatRole;
  user: User;
};

export type ChatRole = 'ADMIN' | 'MEMBER' | 'OWNER';

/** Members added, removed or re-roled, or the caller added to a (new) chat: load `chat` again. */
export type ChatUpdated = {
  __typename?: 'ChatUpdated';
  chat: Maybe<Chat>;
  chatId: Scalars['ID']['output'];
  seq: Scalars['Int']['output'];
};

export type CreateGroupChatInput = {
  /** At most 100 users; the caller becomes OWNER. */
  memberIds: Array<Scalars['ID']['input']>;
  /** 1–100 characters. */
  title: Scalars['String']['input'];
};

export type LoginInput = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

export type Message = {
  __typename?: 'Message';
  /** Empty once deleted. */
  body: Scalars['String']['output'];
  chatId: Scalars['ID']['output'];
  clientMessageId: Scalars['String']['output'];
  createdAt: Scalars['DateTime']['output'];
  deletedAt: Maybe<Scalars['DateTime']['output']>;
  editedAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  replyTo: Maybe<Message>;
  sender: User;
  /** The seq of the event that created it; history is ordered by it. */
  seq: Scalars['Int']['output'];
};

export type MessageConnection = {
  __typename?: 'MessageConnection';
  /** Always in ascending seq order, also for last/before. */
  edges: Array<MessageEdge>;
  pageInfo: PageInfo;
};

/** A new message, with the seq of its event. */
export type MessageCreated = {
  __typename?: 'MessageCreated';
  chatId: Scalars['ID']['output'];
  message: Message;
  seq: Scalars['Int']['output'];
};

/** A message became a tombstone (empty body, deletedAt set). */
export type MessageDeleted = {
  __typename?: 'MessageDeleted';
  chatId: Scalars['ID']['output'];
  message: Message;
  seq: Scalars['Int']['output'];
};

export type MessageEdge = {
  __typename?: 'MessageEdge';
  cursor: Scalars['String']['output'];
  node: Message;
};

export type MessageEdited = {
  __typename?: 'MessageEdited';
  chatId: Scalars['ID']['output'];
  message: Message;
  seq: Scalars['Int']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** OWNER/ADMIN only; at most 100 ids a call. */
  addChatMembers: Chat;
  /** The direct chat with another user, created on first use (safe under races). */
  createDirectChat: Chat;
  createGroupChat: Chat;
  /** Sender, or a group OWNER/ADMIN; leaves a tombstone. */
  deleteMessage: Message;
  /** Sender only. */
  editMessage: Message;
  /** An OWNER leaving hands ownership to the longest-standing ADMIN, else member. */
  leaveChat: Scalars['Boolean']['output'];
  /** Opens a new session. */
  login: AuthPayload;
  /** Revokes the current session. */
  logout: Scalars['Boolean']['output'];
  /** Moves the read marker forward only, clamped to lastSeq. */
  markRead: Chat;
  /** Rotates the refresh token: the one given is spent. Presenting a spent token revokes its session. */
  refreshToken: AuthPayload;
  /** Creates an account and signs it in. */
  register: AuthPayload;
  /** OWNER/ADMIN only; an ADMIN cannot remove the OWNER. */
  removeChatMember: Chat;
  /** Revokes one of the caller's sessions. */
  revokeSession: Scalars['Boolean']['output'];
  /** Idempotent on clientMessageId. */
  sendMessage: Message;
  /** OWNER only; making another member OWNER hands ownership over. */
  setChatMemberRole: Chat;
  /** Ephemeral; after 5 s without a refresh the server announces typing: false. */
  setTyping: Scalars['Boolean']['output'];
  /** The caller's own profile. */
  updateProfile: User;
};

export type MutationAddChatMembersArgs = {
  chatId: Scalars['ID']['input'];
  userIds: Array<Scalars['ID']['input']>;
};

export type MutationCreateDirectChatArgs = {
  userId: Scalars['ID']['input'];
};

export type MutationCreateGroupChatArgs = {
  input: CreateGroupChatInput;
};

export type MutationDeleteMessageArgs = {
  id: Scalars['ID']['input'];
};

export type MutationEditMessageArgs = {
  body: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

export type MutationLeaveChatArgs = {
  chatId: Scalars['ID']['input'];
};

export type MutationLoginArgs = {
  input: LoginInput;
};

export type MutationMarkReadArgs = {
  chatId: Scalars['ID']['input'];
  seq: Scalars['Int']['input'];
};

export type MutationRefreshTokenArgs = {
  refreshToken: Scalars['String']['input'];
};

export type MutationRegisterArgs = {
  input: RegisterInput;
};

export type MutationRemoveChatMemberArgs = {
  chatId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};

export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};

export type MutationSendMessageArgs = {
  input: SendMessageInput;
};

export type MutationSetChatMemberRoleArgs = {
  chatId: Scalars['ID']['input'];
  role: ChatRole;
  userId: Scalars['ID']['input'];
};

export type MutationSetTypingArgs = {
  chatId: Scalars['ID']['input'];
  typing?: InputMaybe<Scalars['Boolean']['input']>;
};

export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor: Maybe<Scalars['String']['output']>;
};

export type Profile = {
  __typename?: 'Profile';
  /** An https URL, or null. */
  avatarUrl: Maybe<Scalars['String']['output']>;
  /** Empty by default. */
  bio: Scalars['String']['output'];
  /** Defaults to the username. */
  displayName: Scalars['String']['output'];
  /** Null for a default profile that was never changed. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** One chat; NOT_FOUND when the caller is not a member. */
  chat: Maybe<Chat>;
  /** The caller's chats, most recent activity first. */
  chats: ChatConnection;
  /** The caller. */
  me: User;
  /** History by seq, both directions: first/after or last/before (at most 100); neither gives the newest 50. */
  messages: MessageConnection;
  /** Users whose username or display name starts with `query` (case-insensitive). `query` 1–64 characters, `first` at most 50. */
  searchUsers: Array<User>;
  /** The caller's active sessions (devices). */
  sessions: Array<Session>;
  /** One user; null when there is none. */
  user: Maybe<User>;
};

export type QueryChatArgs = {
  id: Scalars['ID']['input'];
};

export type QueryChatsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type QueryMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  chatId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

export type QuerySearchUsersArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};

export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};

/** A member's read marker moved (the caller's own too). Not in the log: no seq. */
export type ReadReceipt = {
  __typename?: 'ReadReceipt';
  chatId: Scalars['ID']['output'];
  lastReadSeq: Scalars['Int']['output'];
  user: User;
};

export type RegisterInput = {
  /** A valid address, at most 254 characters; stored lower-case. */
  email: Scalars['String']['input'];
  /** 8–128 characters. */
  password: Scalars['String']['input'];
  /** 3–32 characters of a–z, 0–9 and _; stored lower-case. */
  username: Scalars['String']['input'];
};

/** The last event of a chat for a member who was removed from it or left it. */
export type RemovedFromChat = {
  __typename?: 'RemovedFromChat';
  chatId: Scalars['ID']['output'];
  seq: Scalars['Int']['output'];
};

export type SendMessageInput = {
  /** 1–4096 characters, not blank. */
  body: Scalars['String']['input'];
  chatId: Scalars['ID']['input'];
  /** Chosen by the client per message, 1–64 characters: resending with it never doubles the message. */
  clientMessageId: Scalars['String']['input'];
  /** A message of the same chat. */
  replyToId?: InputMaybe<Scalars['ID']['input']>;
};

/** A signed-in device. */
export type Session = {
  __typename?: 'Session';
  createdAt: Scalars['DateTime']['output'];
  /** True for the session making this request. */
  current: Scalars['Boolean']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt: Scalars['DateTime']['output'];
  userAgent: Scalars['String']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every event of every chat the caller is in; resume with the last seq seen per chat. */
  chatEvents: ChatEvent;
};

export type SubscriptionChatEventsArgs = {
  resume?: InputMaybe<Array<ChatCursorInput>>;
};

/** Another member started or stopped typing. Not in the log: no seq. */
export type TypingIndicator = {
  __typename?: 'TypingIndicator';
  chatId: Scalars['ID']['output'];
  typing: Scalars['Boolean']['output'];
  user: User;
};

/** Each field optional: an omitted field is unchanged, null resets it to the default. */
export type UpdateProfileInput = {
  /** https only, at most 2048 characters. */
  avatarUrl?: InputMaybe<Scalars['String']['input']>;
  /** At most 500 characters. */
  bio?: InputMaybe<Scalars['String']['input']>;
  /** 1–64 characters. */
  displayName?: InputMaybe<Scalars['String']['input']>;
};

export type User = {
  __typename?: 'User';
  createdAt: Scalars['DateTime']['output'];
  /** Only for the caller's own user; null for everyone else. */
  email: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Null only when profiles-service cannot answer (the error then sits at this path). */
  profile: Maybe<Profile>;
  username: Scalars['String']['output'];
};

/** A profile change of someone the caller shares a chat with, the caller included. Not in the log: no seq. */
export type UserUpdated = {
  __typename?: 'UserUpdated';
  user: User;
};

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<
  TResult,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<
  TResult,
  TKey extends string,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo,
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  obj: T,
  context: TContext,
  info: GraphQLResolveInfo,
) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<
  TResult = Record<PropertyKey, never>,
  TParent = Record<PropertyKey, never>,
  TContext = Record<PropertyKey, never>,
  TArgs = Record<PropertyKey, never>,
> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo,
) => TResult | Promise<TResult>;

/** Mapping of union types */
export type ResolversUnionTypes<_RefType extends Record<string, unknown>> = {
  ChatEvent:
    | ChatEventModel
    | MessageEventModel
    | MessageEventModel
    | MessageEventModel
    | ReadReceiptModel
    | ChatEventModel
    | TypingModel
    | UserUpdatedModel;
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AuthPayload: ResolverTypeWrapper<AuthPayloadModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Chat: ResolverTypeWrapper<ChatModel>;
  ChatConnection: ResolverTypeWrapper<ChatConnectionModel>;
  ChatCursorInput: ChatCursorInput;
  ChatEdge: ResolverTypeWrapper<Omit<ChatEdge, 'node'> & { node: ResolversTypes['Chat'] }>;
  ChatEvent: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['ChatEvent']>;
  ChatKind: ChatKind;
  ChatMember: ResolverTypeWrapper<ChatMemberModel>;
  ChatRole: ChatRole;
  ChatUpdated: ResolverTypeWrapper<ChatEventModel>;
  CreateGroupChatInput: CreateGroupChatInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  LoginInput: LoginInput;
  Message: ResolverTypeWrapper<MessageModel>;
  MessageConnection: ResolverTypeWrapper<MessageConnectionModel>;
  MessageCreated: ResolverTypeWrapper<MessageEventModel>;
  MessageDeleted: ResolverTypeWrapper<MessageEventModel>;
  MessageEdge: ResolverTypeWrapper<Omit<MessageEdge, 'node'> & { node: ResolversTypes['Message'] }>;
  MessageEdited: ResolverTypeWrapper<MessageEventModel>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Profile: ResolverTypeWrapper<ProfileModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ReadReceipt: ResolverTypeWrapper<ReadReceiptModel>;
  RegisterInput: RegisterInput;
  RemovedFromChat: ResolverTypeWrapper<ChatEventModel>;
  SendMessageInput: SendMessageInput;
  Session: ResolverTypeWrapper<SessionModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  TypingIndicator: ResolverTypeWrapper<TypingModel>;
  UpdateProfileInput: UpdateProfileInput;
  User: ResolverTypeWrapper<UserModel>;
  UserUpdated: ResolverTypeWrapper<UserUpdatedModel>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AuthPayload: AuthPayloadModel;
  Boolean: Scalars['Boolean']['output'];
  Chat: ChatModel;
  ChatConnection: ChatConnectionModel;
  ChatCursorInput: ChatCursorInput;
  ChatEdge: Omit<ChatEdge, 'node'> & { node: ResolversParentTypes['Chat'] };
  ChatEvent: ResolversUnionTypes<ResolversParentTypes>['ChatEvent'];
  ChatMember: ChatMemberModel;
  ChatUpdated: ChatEventModel;
  CreateGroupChatInput: CreateGroupChatInput;
  DateTime: Scalars['DateTime']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  LoginInput: LoginInput;
  Message: MessageModel;
  MessageConnection: MessageConnectionModel;
  MessageCreated: MessageEventModel;
  MessageDeleted: MessageEventModel;
  MessageEdge: Omit<MessageEdge, 'node'> & { node: ResolversParentTypes['Message'] };
  MessageEdited: MessageEventModel;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Profile: ProfileModel;
  Query: Record<PropertyKey, never>;
  ReadReceipt: ReadReceiptModel;
  RegisterInput: RegisterInput;
  RemovedFromChat: ChatEventModel;
  SendMessageInput: SendMessageInput;
  Session: SessionModel;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  TypingIndicator: TypingModel;
  UpdateProfileInput: UpdateProfileInput;
  User: UserModel;
  UserUpdated: UserUpdatedModel;
};

export type AuthPayloadResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload'],
> = {
  accessToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  accessTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refreshTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type ChatResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Chat'] = ResolversParentTypes['Chat'],
> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ChatKind'], ParentType, ContextType>;
  lastMessage?: Resolver<Maybe<ResolversTypes['Message']>, ParentType, ContextType>;
  lastSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  memberCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  members?: Resolver<
    Array<ResolversTypes['ChatMember']>,
    ParentType,
    ContextType,
    RequireFields<ChatMembersArgs, 'first'>
  >;
  messages?: Resolver<ResolversTypes['MessageConnection'], ParentType, ContextType, Partial<ChatMessagesArgs>>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  unreadCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ChatConnectionResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatConnection'] = ResolversParentTypes['ChatConnection'],
> = {
  edges?: Resolver<Array<ResolversTypes['ChatEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type ChatEdgeResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatEdge'] = ResolversParentTypes['ChatEdge'],
> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Chat'], ParentType, ContextType>;
};

export type ChatEventResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatEvent'] = ResolversParentTypes['ChatEvent'],
> = {
  __resolveType: TypeResolveFn<
    | 'ChatUpdated'
    | 'MessageCreated'
    | 'MessageDeleted'
    | 'MessageEdited'
    | 'ReadReceipt'
    | 'RemovedFromChat'
    | 'TypingIndicator'
    | 'UserUpdated',
    ParentType,
    ContextType
  >;
};

export type ChatMemberResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatMember'] = ResolversParentTypes['ChatMember'],
> = {
  joinedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  lastReadSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['ChatRole'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
};

export type ChatUpdatedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatUpdated'] = ResolversParentTypes['ChatUpdated'],
> = {
  chat?: Resolver<Maybe<ResolversTypes['Chat']>, ParentType, ContextType>;
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MessageResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Message'] = ResolversParentTypes['Message'],
> = {
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  clientMessageId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  deletedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  editedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  replyTo?: Resolver<Maybe<ResolversTypes['Message']>, ParentType, ContextType>;
  sender?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MessageConnectionResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['MessageConnection'] = ResolversParentTypes['MessageConnection'],
> = {
  edges?: Resolver<Array<ResolversTypes['MessageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type MessageCreatedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['MessageCreated'] = ResolversParentTypes['MessageCreated'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MessageDeletedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['MessageDeleted'] = ResolversParentTypes['MessageDeleted'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MessageEdgeResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['MessageEdge'] = ResolversParentTypes['MessageEdge'],
> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
};

export type MessageEditedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['MessageEdited'] = ResolversParentTypes['MessageEdited'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MutationResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation'],
> = {
  addChatMembers?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationAddChatMembersArgs, 'chatId' | 'userIds'>
  >;
  createDirectChat?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationCreateDirectChatArgs, 'userId'>
  >;
  createGroupChat?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationCreateGroupChatArgs, 'input'>
  >;
  deleteMessage?: Resolver<
    ResolversTypes['Message'],
    ParentType,
    ContextType,
    RequireFields<MutationDeleteMessageArgs, 'id'>
  >;
  editMessage?: Resolver<
    ResolversTypes['Message'],
    ParentType,
    ContextType,
    RequireFields<MutationEditMessageArgs, 'body' | 'id'>
  >;
  leaveChat?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationLeaveChatArgs, 'chatId'>
  >;
  login?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLoginArgs, 'input'>>;
  logout?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  markRead?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationMarkReadArgs, 'chatId' | 'seq'>
  >;
  refreshToken?: Resolver<
    ResolversTypes['AuthPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationRefreshTokenArgs, 'refreshToken'>
  >;
  register?: Resolver<
    ResolversTypes['AuthPayload'],
    ParentType,
    ContextType,
    RequireFields<MutationRegisterArgs, 'input'>
  >;
  removeChatMember?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationRemoveChatMemberArgs, 'chatId' | 'userId'>
  >;
  revokeSession?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationRevokeSessionArgs, 'id'>
  >;
  sendMessage?: Resolver<
    ResolversTypes['Message'],
    ParentType,
    ContextType,
    RequireFields<MutationSendMessageArgs, 'input'>
  >;
  setChatMemberRole?: Resolver<
    ResolversTypes['Chat'],
    ParentType,
    ContextType,
    RequireFields<MutationSetChatMemberRoleArgs, 'chatId' | 'role' | 'userId'>
  >;
  setTyping?: Resolver<
    ResolversTypes['Boolean'],
    ParentType,
    ContextType,
    RequireFields<MutationSetTypingArgs, 'chatId' | 'typing'>
  >;
  updateProfile?: Resolver<
    ResolversTypes['User'],
    ParentType,
    ContextType,
    RequireFields<MutationUpdateProfileArgs, 'input'>
  >;
};

export type PageInfoResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo'],
> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ProfileResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Profile'] = ResolversParentTypes['Profile'],
> = {
  avatarUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  bio?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type QueryResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query'],
> = {
  chat?: Resolver<Maybe<ResolversTypes['Chat']>, ParentType, ContextType, RequireFields<QueryChatArgs, 'id'>>;
  chats?: Resolver<ResolversTypes['ChatConnection'], ParentType, ContextType, RequireFields<QueryChatsArgs, 'first'>>;
  me?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  messages?: Resolver<
    ResolversTypes['MessageConnection'],
    ParentType,
    ContextType,
    RequireFields<QueryMessagesArgs, 'chatId'>
  >;
  searchUsers?: Resolver<
    Array<ResolversTypes['User']>,
    ParentType,
    ContextType,
    RequireFields<QuerySearchUsersArgs, 'first' | 'query'>
  >;
  sessions?: Resolver<Array<ResolversTypes['Session']>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
};

export type ReadReceiptResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ReadReceipt'] = ResolversParentTypes['ReadReceipt'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastReadSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type RemovedFromChatResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['RemovedFromChat'] = ResolversParentTypes['RemovedFromChat'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  seq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type SessionResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Session'] = ResolversParentTypes['Session'],
> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  current?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  userAgent?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription'],
> = {
  chatEvents?: SubscriptionResolver<
    ResolversTypes['ChatEvent'],
    'chatEvents',
    ParentType,
    ContextType,
    Partial<SubscriptionChatEventsArgs>
  >;
};

export type TypingIndicatorResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['TypingIndicator'] = ResolversParentTypes['TypingIndicator'],
> = {
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  typing?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UserResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'],
> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  profile?: Resolver<Maybe<ResolversTypes['Profile']>, ParentType, ContextType>;
  username?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type UserUpdatedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['UserUpdated'] = ResolversParentTypes['UserUpdated'],
> = {
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = GatewayContext> = {
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  Chat?: ChatResolvers<ContextType>;
  ChatConnection?: ChatConnectionResolvers<ContextType>;
  ChatEdge?: ChatEdgeResolvers<ContextType>;
  ChatEvent?: ChatEventResolvers<ContextType>;
  ChatMember?: ChatMemberResolvers<ContextType>;
  ChatUpdated?: ChatUpdatedResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Message?: MessageResolvers<ContextType>;
  MessageConnection?: MessageConnectionResolvers<ContextType>;
  MessageCreated?: MessageCreatedResolvers<ContextType>;
  MessageDeleted?: MessageDeletedResolvers<ContextType>;
  MessageEdge?: MessageEdgeResolvers<ContextType>;
  MessageEdited?: MessageEditedResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Profile?: ProfileResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  ReadReceipt?: ReadReceiptResolvers<ContextType>;
  RemovedFromChat?: RemovedFromChatResolvers<ContextType>;
  Session?: SessionResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  TypingIndicator?: TypingIndicatorResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserUpdated?: UserUpdatedResolvers<ContextType>;
};
