import type { ChatEvent } from '../../../proto/gen/chat/v1/chat.js';
import type { ChatEventPayload } from '../mappers.js';

/** The GraphQL shape of one chat-service event; undefined for what clients do not see. */
export function toPayload(event: ChatEvent): ChatEventPayload | undefined {
  const { chatId, seq, kind } = event;
  switch (kind?.$case) {
    case 'messageCreated':
      return (
        kind.messageCreated.message && {
          __typename: 'MessageCreated',
          chatId,
          seq,
          message: kind.messageCreated.message,
        }
      );
    case 'messageEdited':
      return (
        kind.messageEdited.message && { __typename: 'MessageEdited', chatId, seq, message: kind.messageEdited.message }
      );
    case 'messageDeleted':
      return (
        kind.messageDeleted.message && {
          __typename: 'MessageDeleted',
          chatId,
          seq,
          message: kind.messageDeleted.message,
        }
      );
    case 'chatUpdated':
      return { __typename: 'ChatUpdated', chatId, seq };
    case 'removedFromChat':
      return { __typename: 'RemovedFromChat', chatId, seq };
    case 'readReceipt':
      return {
        __typename: 'ReadReceipt',
        chatId,
        userId: kind.readReceipt.userId,
        lastReadSeq: kind.readReceipt.lastReadSeq,
      };
    case 'typing':
      return { __typename: 'TypingIndicator', chatId, userId: kind.typing.userId, typing: kind.typing.typing };
    case 'userUpdated':
      return { __typename: 'UserUpdated', userId: kind.userUpdated.userId };
    default:
      return undefined;
  }
}
