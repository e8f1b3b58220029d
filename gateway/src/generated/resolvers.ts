/* eslint-disable */
import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type {
  UserModel,
  SessionModel,
  AuthPayloadModel,
  ChatModel,
  ChatMemberModel,
  ChatMemberConnectionModel,
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
  /** An entity representation: `{ __typename, id }`. */
  _Any: { input: unknown; output: unknown };
  /** A selection of fields, as `@key(fields:)` names them. */
  federation__FieldSet: { input: string; output: string };
  /** An element `@link` imports: a name, or `{ name, as }`. */
  link__Import: { input: unknown; output: unknown };
};

/** A signed-in session's tokens: a mutation's answer, not an entity (no cache identity; embedded). */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** A JWT for `Authorization: Bearer …`, valid until `accessTokenExpiresAt`. */
  accessToken: Scalars['String']['output'];
  /** When `accessToken` stops being accepted. */
  accessTokenExpiresAt: Scalars['DateTime']['output'];
  /** Spent by `refreshToken`, which answers a new one; valid until `refreshTokenExpiresAt`. */
  refreshToken: Scalars['String']['output'];
  /** When `refreshToken` stops being accepted unless used before. */
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
  /** The user signed in. */
  user: User;
};

/** A direct or group chat the caller is a member of. Cache identity: `id` (a UUID). */
export type Chat = {
  __typename?: 'Chat';
  /** When the chat was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The chat's UUID; never changes. */
  id: Scalars['ID']['output'];
  /** Direct or group. */
  kind: ChatKind;
  /** The newest message, a tombstone if it was deleted; null before the first. */
  lastMessage: Maybe<Message>;
  /** The seq of the newest event in the chat's log. */
  lastSeq: Scalars['Int']['output'];
  /** How many members it has now. */
  memberCount: Scalars['Int']['output'];
  /** Members by join time, then user id; `after` is the user id of the previous page's last member; `first` at most 500. The same list as a connection: `membersConnection`. */
  members: Array<ChatMember>;
  /** Members by join time, then user id, as a Relay connection: first/after or last/before, at most 500 a page; neither gives the first 100. */
  membersConnection: ChatMemberConnection;
  /** History by seq, ascending; see Query.messages. */
  messages: MessageConnection;
  /** Null for a direct chat. */
  title: Maybe<Scalars['String']['output']>;
  /** Messages from others after the caller's read marker. */
  unreadCount: Scalars['Int']['output'];
  /** When its last event (message, edit, member change) happened. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A direct or group chat the caller is a member of. Cache identity: `id` (a UUID). */
export type ChatMembersArgs = {
  after?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A direct or group chat the caller is a member of. Cache identity: `id` (a UUID). */
export type ChatMembersConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** A direct or group chat the caller is a member of. Cache identity: `id` (a UUID). */
export type ChatMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** A page of the caller's chats (Relay). Embedded in `Query.chats`; no cache identity. */
export type ChatConnection = {
  __typename?: 'ChatConnection';
  /** Most recent activity first. */
  edges: Array<ChatEdge>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** Where to resume one chat's events. */
export type ChatCursorInput = {
  /** The last seq the client has seen of this chat. */
  afterSeq: Scalars['Int']['input'];
  /** A chat of the caller (others are ignored). */
  chatId: Scalars['ID']['input'];
};

/** A chat in the caller's chat list. Embedded; the chat itself is the entity. */
export type ChatEdge = {
  __typename?: 'ChatEdge';
  /** Opaque; for `chats(after:)`. */
  cursor: Scalars['String']['output'];
  /** The chat. */
  node: Chat;
};

/** An event of `chatEvents`. */
export type ChatEvent =
  | ChatUpdated
  | MessageCreated
  | MessageDeleted
  | MessageEdited
  | ReadReceipt
  | RemovedFromChat
  | TypingIndicator
  | UserUpdated;

/** What a chat is. */
export type ChatKind =
  /** Two users, no roles, no title; one per pair of users. */
  | 'DIRECT'
  /** Any number of members with roles and a title. */
  | 'GROUP';

/**
 * A user's membership of a chat, with their read marker. Cache identity: the composite key
 * (`chatId`, `userId`), the same pair that `ReadReceipt` and `TypingIndicator` carry.
 */
export type ChatMember = {
  __typename?: 'ChatMember';
  /** The chat (part of the cache key). */
  chatId: Scalars['ID']['output'];
  /** When they joined (or were added). */
  joinedAt: Scalars['DateTime']['output'];
  /** Their read marker: the seq of the last event they have read (moved by `markRead`, announced by `ReadReceipt`). */
  lastReadSeq: Scalars['Int']['output'];
  /** Their role; MEMBER in a direct chat. */
  role: ChatRole;
  /** The member. */
  user: User;
  /** The member's user id, `user.id` (part of the cache key). */
  userId: Scalars['ID']['output'];
};

/** A page of a chat's members (Relay). Embedded in `Chat.membersConnection`; no cache identity. */
export type ChatMemberConnection = {
  __typename?: 'ChatMemberConnection';
  /** By join time, then user id, also for last/before. */
  edges: Array<ChatMemberEdge>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** A member in a page of a chat's members. Embedded; the member itself is the entity. */
export type ChatMemberEdge = {
  __typename?: 'ChatMemberEdge';
  /** Opaque; for `membersConnection(after:)` and `(before:)`. */
  cursor: Scalars['String']['output'];
  /** The member. */
  node: ChatMember;
};

/** A member's role in a group (a direct chat's two members are MEMBERs). */
export type ChatRole =
  /** Adds and removes members, deletes others' messages. */
  | 'ADMIN'
  /** Reads and writes. */
  | 'MEMBER'
  /** One per group: everything an ADMIN may, and changing roles. */
  | 'OWNER';

/** Members added, removed or re-roled, or the caller added to a (new) chat: load `chat` again. A logged event; embedded. */
export type ChatUpdated = {
  __typename?: 'ChatUpdated';
  /** The chat now; null if it cannot be read any more. */
  chat: Maybe<Chat>;
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** The event's seq. */
  seq: Scalars['Int']['output'];
};

/** What `createGroupChat` needs. */
export type CreateGroupChatInput = {
  /** At most 100 users; the caller becomes OWNER. */
  memberIds: Array<Scalars['ID']['input']>;
  /** 1–100 characters. */
  title: Scalars['String']['input'];
};

/** What `login` needs. */
export type LoginInput = {
  /** The account's email address (any case). */
  email: Scalars['String']['input'];
  /** The account's password. */
  password: Scalars['String']['input'];
};

/**
 * A message, or a tombstone once deleted. Cache identity: `id` (a UUID); edits and deletes answer
 * the same id, so a normalised cache updates it in place.
 */
export type Message = {
  __typename?: 'Message';
  /** Empty once deleted. */
  body: Scalars['String']['output'];
  /** The chat it belongs to. */
  chatId: Scalars['ID']['output'];
  /** The id the sender's client chose for it (`SendMessageInput.clientMessageId`). */
  clientMessageId: Scalars['String']['output'];
  /** When it was sent. */
  createdAt: Scalars['DateTime']['output'];
  /** When it was deleted; null if it was not. */
  deletedAt: Maybe<Scalars['DateTime']['output']>;
  /** When it was last edited; null if never. */
  editedAt: Maybe<Scalars['DateTime']['output']>;
  /** The message's UUID; never changes. */
  id: Scalars['ID']['output'];
  /** The message it answers, if any. */
  replyTo: Maybe<Message>;
  /** Who wrote it. */
  sender: User;
  /** The seq of the event that created it; history is ordered by it. */
  seq: Scalars['Int']['output'];
};

/** A page of a chat's history (Relay). Embedded in `messages`; no cache identity. */
export type MessageConnection = {
  __typename?: 'MessageConnection';
  /** Always in ascending seq order, also for last/before. */
  edges: Array<MessageEdge>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** A new message, with the seq of its event. A logged event: (`chatId`, `seq`) is unique; embedded (the message is the entity). */
export type MessageCreated = {
  __typename?: 'MessageCreated';
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** The new message. */
  message: Message;
  /** The event's seq (the message's). */
  seq: Scalars['Int']['output'];
};

/** A message became a tombstone (empty body, deletedAt set). A logged event; embedded (the message is the entity). */
export type MessageDeleted = {
  __typename?: 'MessageDeleted';
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** The tombstone (same id). */
  message: Message;
  /** The delete event's seq (not the message's). */
  seq: Scalars['Int']['output'];
};

/** A message in a page of history. Embedded; the message itself is the entity. */
export type MessageEdge = {
  __typename?: 'MessageEdge';
  /** Opaque; for `messages(after:)` and `(before:)`. */
  cursor: Scalars['String']['output'];
  /** The message. */
  node: Message;
};

/** A message's body changed. A logged event: (`chatId`, `seq`) is unique; embedded (the message is the entity). */
export type MessageEdited = {
  __typename?: 'MessageEdited';
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** The message in its new version (same id). */
  message: Message;
  /** The edit event's seq (not the message's). */
  seq: Scalars['Int']['output'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type Mutation = {
  __typename?: 'Mutation';
  /** OWNER/ADMIN only; at most 100 ids a call. */
  addChatMembers: Chat;
  /** The direct chat with another user, created on first use (safe under races). */
  createDirectChat: Chat;
  /** A new group with the caller as OWNER. */
  createGroupChat: Chat;
  /** Sender, or a group OWNER/ADMIN; leaves a tombstone. */
  deleteMessage: Message;
  /** Sender only. */
  editMessage: Message;
  /** An OWNER leaving hands ownership to the longest-standing ADMIN, else member. A cache drops the chat from `chats` (docs/client-caches.md). */
  leaveChat: Scalars['Boolean']['output'];
  /** Opens a new session. */
  login: AuthPayload;
  /** Revokes the current session. A cache clears itself (the signed-out user's data must not stay). */
  logout: Scalars['Boolean']['output'];
  /** Moves the read marker forward only, clamped to lastSeq. */
  markRead: Chat;
  /** Rotates the refresh token: the one given is spent. Presenting a spent token revokes its session. */
  refreshToken: AuthPayload;
  /** Creates an account and signs it in. */
  register: AuthPayload;
  /** OWNER/ADMIN only; an ADMIN cannot remove the OWNER. */
  removeChatMember: Chat;
  /** Revokes one of the caller's sessions. A cache evicts `Session:<id>` (docs/client-caches.md). */
  revokeSession: Scalars['Boolean']['output'];
  /** Idempotent on clientMessageId. */
  sendMessage: Message;
  /** OWNER only; making another member OWNER hands ownership over. */
  setChatMemberRole: Chat;
  /** Ephemeral; after 5 s without a refresh the server announces typing: false. Nothing to cache: others see a TypingIndicator. */
  setTyping: Scalars['Boolean']['output'];
  /** The caller's own profile. */
  updateProfile: User;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationAddChatMembersArgs = {
  chatId: Scalars['ID']['input'];
  userIds: Array<Scalars['ID']['input']>;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationCreateDirectChatArgs = {
  userId: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationCreateGroupChatArgs = {
  input: CreateGroupChatInput;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationDeleteMessageArgs = {
  id: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationEditMessageArgs = {
  body: Scalars['String']['input'];
  id: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationLeaveChatArgs = {
  chatId: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationLoginArgs = {
  input: LoginInput;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationMarkReadArgs = {
  chatId: Scalars['ID']['input'];
  seq: Scalars['Int']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationRefreshTokenArgs = {
  refreshToken: Scalars['String']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationRegisterArgs = {
  input: RegisterInput;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationRemoveChatMemberArgs = {
  chatId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationSendMessageArgs = {
  input: SendMessageInput;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationSetChatMemberRoleArgs = {
  chatId: Scalars['ID']['input'];
  role: ChatRole;
  userId: Scalars['ID']['input'];
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationSetTypingArgs = {
  chatId: Scalars['ID']['input'];
  typing?: InputMaybe<Scalars['Boolean']['input']>;
};

/** Writes; all but `register`, `login` and `refreshToken` need `Authorization: Bearer <accessToken>`. Mutations that answer `Boolean` answer `true` or an error; docs/client-caches.md shows how a cache follows each. */
export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};

/** Where a page of a connection sits (Relay). Embedded in its connection; no cache identity. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The last edge's cursor; null for an empty page. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** Whether there are items after this page. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Whether there are items before this page. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The first edge's cursor; null for an empty page. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/**
 * A user's display name, bio and avatar. Cache identity: `id`, the UUID of the user it belongs to
 * (one profile a user), so `Profile:<id>` and `User:<id>` name the same person.
 */
export type Profile = {
  __typename?: 'Profile';
  /** An https URL, or null. */
  avatarUrl: Maybe<Scalars['String']['output']>;
  /** Empty by default. */
  bio: Scalars['String']['output'];
  /** Defaults to the username. */
  displayName: Scalars['String']['output'];
  /** The id of the user it belongs to. */
  id: Scalars['ID']['output'];
  /** Null for a default profile that was never changed. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type Query = {
  __typename?: 'Query';
  /** Entities by representation, each as the typed lookups answer it: a `Chat` or `Message` only for its members, null (with an error) otherwise; at most 500 representations. Refused when GRAPHQL_FEDERATION is off. */
  _entities: Array<Maybe<_Entity>>;
  /** This subgraph's SDL, for a router's composition. Refused when GRAPHQL_FEDERATION is off. */
  _service: _Service;
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

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type Query_EntitiesArgs = {
  representations: Array<Scalars['_Any']['input']>;
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type QueryChatArgs = {
  id: Scalars['ID']['input'];
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type QueryChatsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type QueryMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  chatId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type QuerySearchUsersArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};

/** Reads; each needs `Authorization: Bearer <accessToken>`. */
export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};

/**
 * A member's read marker moved (the caller's own too). Not in the log: no seq. Embedded; the
 * marker it moves is `ChatMember:{chatId, userId}.lastReadSeq`.
 */
export type ReadReceipt = {
  __typename?: 'ReadReceipt';
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** Their new read marker. */
  lastReadSeq: Scalars['Int']['output'];
  /** The member. */
  user: User;
  /** The member's user id (`user.id`). */
  userId: Scalars['ID']['output'];
};

/** What `register` needs. */
export type RegisterInput = {
  /** A valid address, at most 254 characters; stored lower-case. */
  email: Scalars['String']['input'];
  /** 8–128 characters. */
  password: Scalars['String']['input'];
  /** 3–32 characters of a–z, 0–9 and _; stored lower-case. */
  username: Scalars['String']['input'];
};

/** The last event of a chat for a member who was removed from it or left it. A logged event; embedded. */
export type RemovedFromChat = {
  __typename?: 'RemovedFromChat';
  /** The chat, which the caller no longer sees. */
  chatId: Scalars['ID']['output'];
  /** The event's seq. */
  seq: Scalars['Int']['output'];
};

/** What `sendMessage` needs. */
export type SendMessageInput = {
  /** 1–4096 characters, not blank. */
  body: Scalars['String']['input'];
  /** A chat of the caller. */
  chatId: Scalars['ID']['input'];
  /** Chosen by the client per message, 1–64 characters: resending with it never doubles the message. */
  clientMessageId: Scalars['String']['input'];
  /** A message of the same chat. */
  replyToId?: InputMaybe<Scalars['ID']['input']>;
};

/** A signed-in device. Cache identity: `id` (a UUID). */
export type Session = {
  __typename?: 'Session';
  /** When it signed in. */
  createdAt: Scalars['DateTime']['output'];
  /** True for the session making this request. */
  current: Scalars['Boolean']['output'];
  /** When it ends unless refreshed before. */
  expiresAt: Scalars['DateTime']['output'];
  /** The session's UUID; never changes. */
  id: Scalars['ID']['output'];
  /** When a token of it was last refreshed. */
  lastUsedAt: Scalars['DateTime']['output'];
  /** The User-Agent it signed in with. */
  userAgent: Scalars['String']['output'];
};

/** Live events. */
export type Subscription = {
  __typename?: 'Subscription';
  /** Every event of every chat the caller is in; resume with the last seq seen per chat. */
  chatEvents: ChatEvent;
};

/** Live events. */
export type SubscriptionChatEventsArgs = {
  resume?: InputMaybe<Array<ChatCursorInput>>;
};

/** Another member started or stopped typing. Not in the log: no seq. Embedded; keyed like a member by (`chatId`, `userId`). */
export type TypingIndicator = {
  __typename?: 'TypingIndicator';
  /** The chat. */
  chatId: Scalars['ID']['output'];
  /** True while typing; false when they stopped (or 5 s passed). */
  typing: Scalars['Boolean']['output'];
  /** The typing member. */
  user: User;
  /** The typing member's user id (`user.id`). */
  userId: Scalars['ID']['output'];
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

/** An account. Cache identity: `id` (a UUID). */
export type User = {
  __typename?: 'User';
  /** When the account was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Only for the caller's own user; null for everyone else. */
  email: Maybe<Scalars['String']['output']>;
  /** The account's UUID; never changes. */
  id: Scalars['ID']['output'];
  /** Null only when profiles-service cannot answer (the error then sits at this path). */
  profile: Maybe<Profile>;
  /** 3–32 characters of a–z, 0–9 and _, lower-case, unique. */
  username: Scalars['String']['output'];
};

/** A profile change of someone the caller shares a chat with, the caller included. Not in the log: no seq. Embedded; the user (and their profile) is the entity. */
export type UserUpdated = {
  __typename?: 'UserUpdated';
  /** The user, with their new profile. */
  user: User;
};

/** The types `_entities` answers. */
export type _Entity = Chat | Message | User;

/** This subgraph's SDL, for composition. */
export type _Service = {
  __typename?: '_Service';
  /** The schema as SDL, with its federation directives. */
  sdl: Maybe<Scalars['String']['output']>;
};

/** What a `@link`ed specification is for. */
export type Link__Purpose =
  /** Its elements change how the schema is executed. */
  | 'EXECUTION'
  /** Its elements change what the schema's readers see. */
  | 'SECURITY';

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
  _Entity: ChatModel | MessageModel | UserModel;
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
  ChatMemberConnection: ResolverTypeWrapper<ChatMemberConnectionModel>;
  ChatMemberEdge: ResolverTypeWrapper<Omit<ChatMemberEdge, 'node'> & { node: ResolversTypes['ChatMember'] }>;
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
  _Any: ResolverTypeWrapper<Scalars['_Any']['output']>;
  _Entity: ResolverTypeWrapper<ResolversUnionTypes<ResolversTypes>['_Entity']>;
  _Service: ResolverTypeWrapper<_Service>;
  federation__FieldSet: ResolverTypeWrapper<Scalars['federation__FieldSet']['output']>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  link__Purpose: Link__Purpose;
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
  ChatMemberConnection: ChatMemberConnectionModel;
  ChatMemberEdge: Omit<ChatMemberEdge, 'node'> & { node: ResolversParentTypes['ChatMember'] };
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
  _Any: Scalars['_Any']['output'];
  _Entity: ResolversUnionTypes<ResolversParentTypes>['_Entity'];
  _Service: _Service;
  federation__FieldSet: Scalars['federation__FieldSet']['output'];
  link__Import: Scalars['link__Import']['output'];
};

export type KeyDirectiveArgs = {
  fields: Scalars['federation__FieldSet']['input'];
  resolvable?: Maybe<Scalars['Boolean']['input']>;
};

export type KeyDirectiveResolver<
  Result,
  Parent,
  ContextType = GatewayContext,
  Args = KeyDirectiveArgs,
> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  as?: Maybe<Scalars['String']['input']>;
  for?: Maybe<Link__Purpose>;
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<
  Result,
  Parent,
  ContextType = GatewayContext,
  Args = LinkDirectiveArgs,
> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ShareableDirectiveArgs = {};

export type ShareableDirectiveResolver<
  Result,
  Parent,
  ContextType = GatewayContext,
  Args = ShareableDirectiveArgs,
> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

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
  membersConnection?: Resolver<
    ResolversTypes['ChatMemberConnection'],
    ParentType,
    ContextType,
    Partial<ChatMembersConnectionArgs>
  >;
  messages?: Resolver<ResolversTypes['MessageConnection'], ParentType, ContextType, Partial<ChatMessagesArgs>>;
  title?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  unreadCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
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
  chatId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  joinedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  lastReadSeq?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  role?: Resolver<ResolversTypes['ChatRole'], ParentType, ContextType>;
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type ChatMemberConnectionResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatMemberConnection'] = ResolversParentTypes['ChatMemberConnection'],
> = {
  edges?: Resolver<Array<ResolversTypes['ChatMemberEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type ChatMemberEdgeResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['ChatMemberEdge'] = ResolversParentTypes['ChatMemberEdge'],
> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['ChatMember'], ParentType, ContextType>;
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
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
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
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type QueryResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query'],
> = {
  _entities?: Resolver<
    Array<Maybe<ResolversTypes['_Entity']>>,
    ParentType,
    ContextType,
    RequireFields<Query_EntitiesArgs, 'representations'>
  >;
  _service?: Resolver<ResolversTypes['_Service'], ParentType, ContextType>;
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
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
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
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
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
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type UserUpdatedResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['UserUpdated'] = ResolversParentTypes['UserUpdated'],
> = {
  user?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface _AnyScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['_Any'], any> {
  name: '_Any';
}

export type _EntityResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['_Entity'] = ResolversParentTypes['_Entity'],
> = {
  __resolveType: TypeResolveFn<'Chat' | 'Message' | 'User', ParentType, ContextType>;
};

export type _ServiceResolvers<
  ContextType = GatewayContext,
  ParentType extends ResolversParentTypes['_Service'] = ResolversParentTypes['_Service'],
> = {
  sdl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface Federation__FieldSetScalarConfig extends GraphQLScalarTypeConfig<
  ResolversTypes['federation__FieldSet'],
  any
> {
  name: 'federation__FieldSet';
}

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = GatewayContext> = {
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  Chat?: ChatResolvers<ContextType>;
  ChatConnection?: ChatConnectionResolvers<ContextType>;
  ChatEdge?: ChatEdgeResolvers<ContextType>;
  ChatEvent?: ChatEventResolvers<ContextType>;
  ChatMember?: ChatMemberResolvers<ContextType>;
  ChatMemberConnection?: ChatMemberConnectionResolvers<ContextType>;
  ChatMemberEdge?: ChatMemberEdgeResolvers<ContextType>;
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
  _Any?: GraphQLScalarType;
  _Entity?: _EntityResolvers<ContextType>;
  _Service?: _ServiceResolvers<ContextType>;
  federation__FieldSet?: GraphQLScalarType;
  link__Import?: GraphQLScalarType;
};

export type DirectiveResolvers<ContextType = GatewayContext> = {
  key?: KeyDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  shareable?: ShareableDirectiveResolver<any, any, ContextType>;
};
