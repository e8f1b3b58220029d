import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export type ChatKind = 'DIRECT' | 'GROUP';
export type ChatRole = 'OWNER' | 'ADMIN' | 'MEMBER';

export const Chat = defineEntity({
  name: 'Chat',
  tableName: 'chats',
  properties: {
    id: p.uuid().primary(),
    kind: p.string().$type<ChatKind>(),
    title: p.string().nullable(),
    directKey: p.string().nullable(),
    lastSeq: p.integer(),
    memberCount: p.integer(),
    lastMessageId: p.uuid().nullable(),
    activity: p.bigint(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Chat = InferEntity<typeof Chat>;

export const ChatMember = defineEntity({
  name: 'ChatMember',
  tableName: 'chat_members',
  properties: {
    chatId: () => p.manyToOne(Chat).mapToPk().primary().fieldName('chat_id'),
    userId: p.uuid().primary(),
    role: p.string().$type<ChatRole>(),
    joinedAt: p.datetime(),
    lastReadSeq: p.integer(),
  },
  primaryKeys: ['chatId', 'userId'],
});
export type ChatMember = InferEntity<typeof ChatMember>;

export const Message = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    id: p.uuid().primary(),
    chatId: () => p.manyToOne(Chat).mapToPk().fieldName('chat_id'),
    seq: p.integer(),
    senderId: p.uuid(),
    body: p.text(),
    clientMessageId: p.string(),
    replyToId: p.uuid().nullable(),
    createdAt: p.datetime(),
    editedAt: p.datetime().nullable(),
    deletedAt: p.datetime().nullable(),
  },
});
export type Message = InferEntity<typeof Message>;

/** One row per logged event of a chat: the log subscribers replay from. */
export const ChatEventRow = defineEntity({
  name: 'ChatEventRow',
  tableName: 'chat_events',
  properties: {
    chatId: () => p.manyToOne(Chat).mapToPk().primary().fieldName('chat_id'),
    seq: p.integer().primary(),
    kind: p.string(),
    messageId: () => p.manyToOne(Message).mapToPk().nullable().fieldName('message_id'),
    data: p.json<Record<string, unknown>>(),
    createdAt: p.datetime(),
  },
  primaryKeys: ['chatId', 'seq'],
});
export type ChatEventRow = InferEntity<typeof ChatEventRow>;

export const chatEntities = [Chat, ChatMember, Message, ChatEventRow];
