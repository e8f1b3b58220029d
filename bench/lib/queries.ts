// The operations the scenarios send. The web client's subscription is taken from the web client
// itself (its generated document), so the bench measures exactly what a browser asks for.
import { print } from 'graphql';
import { ChatEventsDocument } from '../../web/src/graphql/graphql.js';

/** `chatEvents` with the web client's whole selection (messages with sender, profile, replyTo). */
export const WEB_CHAT_EVENTS = print(ChatEventsDocument);

/** `chatEvents` selecting only a message's own fields. */
export const OWN_CHAT_EVENTS = `subscription {
  chatEvents {
    __typename
    ... on MessageCreated { chatId seq message { id chatId seq body clientMessageId createdAt editedAt deletedAt } }
  }
}`;

/** Issue #10's history page, with each sender's username and display name. */
export const READ_WITH_SENDERS = `query ($id: ID!) {
  chat(id: $id) { messages(last: 50) { edges { node { id seq body createdAt sender { username profile { displayName } } } } } }
}`;

/** The same page, the messages' own fields only. */
export const READ_OWN = `query ($id: ID!) {
  chat(id: $id) { messages(last: 50) { edges { node { id seq body createdAt } } } }
}`;

/** The same page through Hive Gateway's Mesh gRPC source: ListMessages, own fields. */
export const READ_HIVE = `query ($id: String) {
  messenger_chat_v1_ChatService_ListMessages(input: { chat_id: $id, last: 50 }) { messages { id seq body created_at { seconds nanos } } }
}`;
