/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
  '\n  fragment UserFields on User {\n    id\n    username\n    profile {\n      displayName\n      bio\n      avatarUrl\n    }\n  }\n': typeof types.UserFieldsFragmentDoc;
  '\n  fragment MessageFields on Message {\n    id\n    chatId\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    sender {\n      ...UserFields\n    }\n    replyTo {\n      id\n      seq\n      body\n      deletedAt\n      sender {\n        ...UserFields\n      }\n    }\n  }\n': typeof types.MessageFieldsFragmentDoc;
  '\n  fragment ChatFields on Chat {\n    id\n    kind\n    title\n    memberCount\n    lastSeq\n    unreadCount\n    createdAt\n    updatedAt\n    lastMessage {\n      ...MessageFields\n    }\n    members(first: 2) {\n      ...MemberFields\n    }\n  }\n': typeof types.ChatFieldsFragmentDoc;
  '\n  fragment MemberFields on ChatMember {\n    role\n    joinedAt\n    lastReadSeq\n    user {\n      ...UserFields\n    }\n  }\n': typeof types.MemberFieldsFragmentDoc;
  '\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n': typeof types.AuthFieldsFragmentDoc;
  '\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n': typeof types.RegisterDocument;
  '\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n': typeof types.LoginDocument;
  '\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n': typeof types.RefreshTokenDocument;
  '\n  mutation Logout {\n    logout\n  }\n': typeof types.LogoutDocument;
  '\n  query Me {\n    me {\n      ...UserFields\n      email\n    }\n  }\n': typeof types.MeDocument;
  '\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n': typeof types.SessionsDocument;
  '\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n': typeof types.RevokeSessionDocument;
  '\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...UserFields\n    }\n  }\n': typeof types.UpdateProfileDocument;
  '\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n': typeof types.SearchUsersDocument;
  '\n  query Chats($after: String) {\n    chats(first: 50, after: $after) {\n      edges {\n        node {\n          ...ChatFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n': typeof types.ChatsDocument;
  '\n  query Chat($id: ID!) {\n    chat(id: $id) {\n      ...ChatFields\n    }\n  }\n': typeof types.ChatDocument;
  '\n  query Members($id: ID!) {\n    chat(id: $id) {\n      id\n      memberCount\n      members(first: 500) {\n        ...MemberFields\n      }\n    }\n  }\n': typeof types.MembersDocument;
  '\n  query Messages($chatId: ID!, $before: String) {\n    messages(chatId: $chatId, last: 50, before: $before) {\n      edges {\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n': typeof types.MessagesDocument;
  '\n  mutation CreateDirectChat($userId: ID!) {\n    createDirectChat(userId: $userId) {\n      ...ChatFields\n    }\n  }\n': typeof types.CreateDirectChatDocument;
  '\n  mutation CreateGroupChat($input: CreateGroupChatInput!) {\n    createGroupChat(input: $input) {\n      ...ChatFields\n    }\n  }\n': typeof types.CreateGroupChatDocument;
  '\n  mutation AddChatMembers($chatId: ID!, $userIds: [ID!]!) {\n    addChatMembers(chatId: $chatId, userIds: $userIds) {\n      ...ChatFields\n    }\n  }\n': typeof types.AddChatMembersDocument;
  '\n  mutation RemoveChatMember($chatId: ID!, $userId: ID!) {\n    removeChatMember(chatId: $chatId, userId: $userId) {\n      ...ChatFields\n    }\n  }\n': typeof types.RemoveChatMemberDocument;
  '\n  mutation LeaveChat($chatId: ID!) {\n    leaveChat(chatId: $chatId)\n  }\n': typeof types.LeaveChatDocument;
  '\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n': typeof types.SendMessageDocument;
  '\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      ...MessageFields\n    }\n  }\n': typeof types.EditMessageDocument;
  '\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      ...MessageFields\n    }\n  }\n': typeof types.DeleteMessageDocument;
  '\n  mutation MarkRead($chatId: ID!, $seq: Int!) {\n    markRead(chatId: $chatId, seq: $seq) {\n      id\n      lastSeq\n      unreadCount\n    }\n  }\n': typeof types.MarkReadDocument;
  '\n  mutation SetTyping($chatId: ID!, $typing: Boolean!) {\n    setTyping(chatId: $chatId, typing: $typing)\n  }\n': typeof types.SetTypingDocument;
  '\n  subscription ChatEvents($resume: [ChatCursorInput!]) {\n    chatEvents(resume: $resume) {\n      __typename\n      ... on MessageCreated {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageEdited {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageDeleted {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on ChatUpdated {\n        chatId\n        seq\n        chat {\n          ...ChatFields\n        }\n      }\n      ... on RemovedFromChat {\n        chatId\n        seq\n      }\n      ... on ReadReceipt {\n        chatId\n        lastReadSeq\n        user {\n          id\n        }\n      }\n      ... on TypingIndicator {\n        chatId\n        typing\n        user {\n          ...UserFields\n        }\n      }\n      ... on UserUpdated {\n        user {\n          ...UserFields\n        }\n      }\n    }\n  }\n': typeof types.ChatEventsDocument;
};
const documents: Documents = {
  '\n  fragment UserFields on User {\n    id\n    username\n    profile {\n      displayName\n      bio\n      avatarUrl\n    }\n  }\n':
    types.UserFieldsFragmentDoc,
  '\n  fragment MessageFields on Message {\n    id\n    chatId\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    sender {\n      ...UserFields\n    }\n    replyTo {\n      id\n      seq\n      body\n      deletedAt\n      sender {\n        ...UserFields\n      }\n    }\n  }\n':
    types.MessageFieldsFragmentDoc,
  '\n  fragment ChatFields on Chat {\n    id\n    kind\n    title\n    memberCount\n    lastSeq\n    unreadCount\n    createdAt\n    updatedAt\n    lastMessage {\n      ...MessageFields\n    }\n    members(first: 2) {\n      ...MemberFields\n    }\n  }\n':
    types.ChatFieldsFragmentDoc,
  '\n  fragment MemberFields on ChatMember {\n    role\n    joinedAt\n    lastReadSeq\n    user {\n      ...UserFields\n    }\n  }\n':
    types.MemberFieldsFragmentDoc,
  '\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n':
    types.AuthFieldsFragmentDoc,
  '\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n':
    types.RegisterDocument,
  '\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n':
    types.LoginDocument,
  '\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n':
    types.RefreshTokenDocument,
  '\n  mutation Logout {\n    logout\n  }\n': types.LogoutDocument,
  '\n  query Me {\n    me {\n      ...UserFields\n      email\n    }\n  }\n': types.MeDocument,
  '\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n':
    types.SessionsDocument,
  '\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n': types.RevokeSessionDocument,
  '\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...UserFields\n    }\n  }\n':
    types.UpdateProfileDocument,
  '\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n':
    types.SearchUsersDocument,
  '\n  query Chats($after: String) {\n    chats(first: 50, after: $after) {\n      edges {\n        node {\n          ...ChatFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n':
    types.ChatsDocument,
  '\n  query Chat($id: ID!) {\n    chat(id: $id) {\n      ...ChatFields\n    }\n  }\n': types.ChatDocument,
  '\n  query Members($id: ID!) {\n    chat(id: $id) {\n      id\n      memberCount\n      members(first: 500) {\n        ...MemberFields\n      }\n    }\n  }\n':
    types.MembersDocument,
  '\n  query Messages($chatId: ID!, $before: String) {\n    messages(chatId: $chatId, last: 50, before: $before) {\n      edges {\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n':
    types.MessagesDocument,
  '\n  mutation CreateDirectChat($userId: ID!) {\n    createDirectChat(userId: $userId) {\n      ...ChatFields\n    }\n  }\n':
    types.CreateDirectChatDocument,
  '\n  mutation CreateGroupChat($input: CreateGroupChatInput!) {\n    createGroupChat(input: $input) {\n      ...ChatFields\n    }\n  }\n':
    types.CreateGroupChatDocument,
  '\n  mutation AddChatMembers($chatId: ID!, $userIds: [ID!]!) {\n    addChatMembers(chatId: $chatId, userIds: $userIds) {\n      ...ChatFields\n    }\n  }\n':
    types.AddChatMembersDocument,
  '\n  mutation RemoveChatMember($chatId: ID!, $userId: ID!) {\n    removeChatMember(chatId: $chatId, userId: $userId) {\n      ...ChatFields\n    }\n  }\n':
    types.RemoveChatMemberDocument,
  '\n  mutation LeaveChat($chatId: ID!) {\n    leaveChat(chatId: $chatId)\n  }\n': types.LeaveChatDocument,
  '\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n':
    types.SendMessageDocument,
  '\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      ...MessageFields\n    }\n  }\n':
    types.EditMessageDocument,
  '\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      ...MessageFields\n    }\n  }\n':
    types.DeleteMessageDocument,
  '\n  mutation MarkRead($chatId: ID!, $seq: Int!) {\n    markRead(chatId: $chatId, seq: $seq) {\n      id\n      lastSeq\n      unreadCount\n    }\n  }\n':
    types.MarkReadDocument,
  '\n  mutation SetTyping($chatId: ID!, $typing: Boolean!) {\n    setTyping(chatId: $chatId, typing: $typing)\n  }\n':
    types.SetTypingDocument,
  '\n  subscription ChatEvents($resume: [ChatCursorInput!]) {\n    chatEvents(resume: $resume) {\n      __typename\n      ... on MessageCreated {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageEdited {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageDeleted {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on ChatUpdated {\n        chatId\n        seq\n        chat {\n          ...ChatFields\n        }\n      }\n      ... on RemovedFromChat {\n        chatId\n        seq\n      }\n      ... on ReadReceipt {\n        chatId\n        lastReadSeq\n        user {\n          id\n        }\n      }\n      ... on TypingIndicator {\n        chatId\n        typing\n        user {\n          ...UserFields\n        }\n      }\n      ... on UserUpdated {\n        user {\n          ...UserFields\n        }\n      }\n    }\n  }\n':
    types.ChatEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment UserFields on User {\n    id\n    username\n    profile {\n      displayName\n      bio\n      avatarUrl\n    }\n  }\n',
): (typeof documents)['\n  fragment UserFields on User {\n    id\n    username\n    profile {\n      displayName\n      bio\n      avatarUrl\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment MessageFields on Message {\n    id\n    chatId\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    sender {\n      ...UserFields\n    }\n    replyTo {\n      id\n      seq\n      body\n      deletedAt\n      sender {\n        ...UserFields\n      }\n    }\n  }\n',
): (typeof documents)['\n  fragment MessageFields on Message {\n    id\n    chatId\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    sender {\n      ...UserFields\n    }\n    replyTo {\n      id\n      seq\n      body\n      deletedAt\n      sender {\n        ...UserFields\n      }\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment ChatFields on Chat {\n    id\n    kind\n    title\n    memberCount\n    lastSeq\n    unreadCount\n    createdAt\n    updatedAt\n    lastMessage {\n      ...MessageFields\n    }\n    members(first: 2) {\n      ...MemberFields\n    }\n  }\n',
): (typeof documents)['\n  fragment ChatFields on Chat {\n    id\n    kind\n    title\n    memberCount\n    lastSeq\n    unreadCount\n    createdAt\n    updatedAt\n    lastMessage {\n      ...MessageFields\n    }\n    members(first: 2) {\n      ...MemberFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment MemberFields on ChatMember {\n    role\n    joinedAt\n    lastReadSeq\n    user {\n      ...UserFields\n    }\n  }\n',
): (typeof documents)['\n  fragment MemberFields on ChatMember {\n    role\n    joinedAt\n    lastReadSeq\n    user {\n      ...UserFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n',
): (typeof documents)['\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      ...UserFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n',
): (typeof documents)['\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n',
): (typeof documents)['\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n',
): (typeof documents)['\n  mutation RefreshToken($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation Logout {\n    logout\n  }\n',
): (typeof documents)['\n  mutation Logout {\n    logout\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Me {\n    me {\n      ...UserFields\n      email\n    }\n  }\n',
): (typeof documents)['\n  query Me {\n    me {\n      ...UserFields\n      email\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n',
): (typeof documents)['\n  query Sessions {\n    sessions {\n      id\n      createdAt\n      lastUsedAt\n      expiresAt\n      userAgent\n      current\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n',
): (typeof documents)['\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...UserFields\n    }\n  }\n',
): (typeof documents)['\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...UserFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n',
): (typeof documents)['\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Chats($after: String) {\n    chats(first: 50, after: $after) {\n      edges {\n        node {\n          ...ChatFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n',
): (typeof documents)['\n  query Chats($after: String) {\n    chats(first: 50, after: $after) {\n      edges {\n        node {\n          ...ChatFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Chat($id: ID!) {\n    chat(id: $id) {\n      ...ChatFields\n    }\n  }\n',
): (typeof documents)['\n  query Chat($id: ID!) {\n    chat(id: $id) {\n      ...ChatFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Members($id: ID!) {\n    chat(id: $id) {\n      id\n      memberCount\n      members(first: 500) {\n        ...MemberFields\n      }\n    }\n  }\n',
): (typeof documents)['\n  query Members($id: ID!) {\n    chat(id: $id) {\n      id\n      memberCount\n      members(first: 500) {\n        ...MemberFields\n      }\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  query Messages($chatId: ID!, $before: String) {\n    messages(chatId: $chatId, last: 50, before: $before) {\n      edges {\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n',
): (typeof documents)['\n  query Messages($chatId: ID!, $before: String) {\n    messages(chatId: $chatId, last: 50, before: $before) {\n      edges {\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        startCursor\n      }\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation CreateDirectChat($userId: ID!) {\n    createDirectChat(userId: $userId) {\n      ...ChatFields\n    }\n  }\n',
): (typeof documents)['\n  mutation CreateDirectChat($userId: ID!) {\n    createDirectChat(userId: $userId) {\n      ...ChatFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation CreateGroupChat($input: CreateGroupChatInput!) {\n    createGroupChat(input: $input) {\n      ...ChatFields\n    }\n  }\n',
): (typeof documents)['\n  mutation CreateGroupChat($input: CreateGroupChatInput!) {\n    createGroupChat(input: $input) {\n      ...ChatFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation AddChatMembers($chatId: ID!, $userIds: [ID!]!) {\n    addChatMembers(chatId: $chatId, userIds: $userIds) {\n      ...ChatFields\n    }\n  }\n',
): (typeof documents)['\n  mutation AddChatMembers($chatId: ID!, $userIds: [ID!]!) {\n    addChatMembers(chatId: $chatId, userIds: $userIds) {\n      ...ChatFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation RemoveChatMember($chatId: ID!, $userId: ID!) {\n    removeChatMember(chatId: $chatId, userId: $userId) {\n      ...ChatFields\n    }\n  }\n',
): (typeof documents)['\n  mutation RemoveChatMember($chatId: ID!, $userId: ID!) {\n    removeChatMember(chatId: $chatId, userId: $userId) {\n      ...ChatFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation LeaveChat($chatId: ID!) {\n    leaveChat(chatId: $chatId)\n  }\n',
): (typeof documents)['\n  mutation LeaveChat($chatId: ID!) {\n    leaveChat(chatId: $chatId)\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n',
): (typeof documents)['\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      ...MessageFields\n    }\n  }\n',
): (typeof documents)['\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      ...MessageFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      ...MessageFields\n    }\n  }\n',
): (typeof documents)['\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      ...MessageFields\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation MarkRead($chatId: ID!, $seq: Int!) {\n    markRead(chatId: $chatId, seq: $seq) {\n      id\n      lastSeq\n      unreadCount\n    }\n  }\n',
): (typeof documents)['\n  mutation MarkRead($chatId: ID!, $seq: Int!) {\n    markRead(chatId: $chatId, seq: $seq) {\n      id\n      lastSeq\n      unreadCount\n    }\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  mutation SetTyping($chatId: ID!, $typing: Boolean!) {\n    setTyping(chatId: $chatId, typing: $typing)\n  }\n',
): (typeof documents)['\n  mutation SetTyping($chatId: ID!, $typing: Boolean!) {\n    setTyping(chatId: $chatId, typing: $typing)\n  }\n'];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(
  source: '\n  subscription ChatEvents($resume: [ChatCursorInput!]) {\n    chatEvents(resume: $resume) {\n      __typename\n      ... on MessageCreated {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageEdited {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageDeleted {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on ChatUpdated {\n        chatId\n        seq\n        chat {\n          ...ChatFields\n        }\n      }\n      ... on RemovedFromChat {\n        chatId\n        seq\n      }\n      ... on ReadReceipt {\n        chatId\n        lastReadSeq\n        user {\n          id\n        }\n      }\n      ... on TypingIndicator {\n        chatId\n        typing\n        user {\n          ...UserFields\n        }\n      }\n      ... on UserUpdated {\n        user {\n          ...UserFields\n        }\n      }\n    }\n  }\n',
): (typeof documents)['\n  subscription ChatEvents($resume: [ChatCursorInput!]) {\n    chatEvents(resume: $resume) {\n      __typename\n      ... on MessageCreated {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageEdited {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on MessageDeleted {\n        chatId\n        seq\n        message {\n          ...MessageFields\n        }\n      }\n      ... on ChatUpdated {\n        chatId\n        seq\n        chat {\n          ...ChatFields\n        }\n      }\n      ... on RemovedFromChat {\n        chatId\n        seq\n      }\n      ... on ReadReceipt {\n        chatId\n        lastReadSeq\n        user {\n          id\n        }\n      }\n      ... on TypingIndicator {\n        chatId\n        typing\n        user {\n          ...UserFields\n        }\n      }\n      ... on UserUpdated {\n        user {\n          ...UserFields\n        }\n      }\n    }\n  }\n'];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> =
  TDocumentNode extends DocumentNode<infer TType, any> ? TType : never;
