// Apollo Client 4: the InMemoryCache configuration for the messenger's schema and the cache
// updates its mutations and chatEvents need. docs/client-caches.md shows this file; the tests in
// test/clients/apollo.test.ts use it as it is.
import { InMemoryCache, gql, type ApolloCache, type Reference } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';

export function createMessengerCache(): InMemoryCache {
  return new InMemoryCache({
    // For fragments on the union (`... on ChatEvent`); inline fragments on members work without.
    possibleTypes: {
      ChatEvent: [
        'MessageCreated',
        'MessageEdited',
        'MessageDeleted',
        'ChatUpdated',
        'RemovedFromChat',
        'ReadReceipt',
        'TypingIndicator',
        'UserUpdated',
      ],
    },
    typePolicies: {
      // User, Session, Chat, Message and Profile are keyed by `id` (Apollo's default).
      // A member has no id of its own: its key is the pair (chat, user).
      ChatMember: { keyFields: ['chatId', 'userId'] },
      Query: {
        fields: {
          // Every page of the chat list is one list; every page of a chat's history one history.
          chats: relayStylePagination(),
          messages: relayStylePagination(['chatId']),
          // chat(id) is the Chat:<id> the cache already has (from the list, say), if it has it.
          chat: { read: (_, { args, toReference }) => toReference({ __typename: 'Chat', id: args?.id as string }) },
        },
      },
      Chat: {
        fields: {
          messages: relayStylePagination(),
          membersConnection: relayStylePagination(),
        },
      },
      // Events are not entities: each replaces the last one (applyChatEvent applies it).
      Subscription: { fields: { chatEvents: { merge: false } } },
    },
  });
}

type Cache = ApolloCache;
interface Connection {
  edges?: { cursor: string; node: Reference }[];
  pageInfo?: { hasNextPage?: boolean };
}
/** What the updates read of a message (select at least these fields). */
export interface MessageKey {
  id: string;
  chatId: string;
  seq: number;
  sender: { id: string };
}

/** A history that reaches the newest message takes a new one at its end, once. */
function append(cache: Cache, history: Connection, message: MessageKey, toReference: (id: string) => Reference) {
  if (!history.edges || history.pageInfo?.hasNextPage) return history;
  const node = toReference(cache.identify({ __typename: 'Message', id: message.id })!);
  if (history.edges.some((edge) => edge.node.__ref === node.__ref)) return history;
  // A live message has no cursor: paging goes by pageInfo, which keeps the pages' cursors.
  return { ...history, edges: [...history.edges, { __typename: 'MessageEdge', cursor: '', node }] };
}

/**
 * A chat moves to the top of the chat list (most recent activity first: a new message), or
 * with `onlyNew` only joins it there if it is not in it yet (the caller was added to it).
 */
export function bumpChat(cache: Cache, chatId: string, onlyNew = false): void {
  const chat = cache.identify({ __typename: 'Chat', id: chatId })!;
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      chats(value: unknown, { toReference }) {
        const existing = value as Connection | undefined;
        if (!existing?.edges) return existing;
        const node = toReference(chat)!;
        const found = existing.edges.find((e) => e.node.__ref === node.__ref);
        if (found && onlyNew) return existing;
        const edge = found ?? { __typename: 'ChatEdge', cursor: '', node };
        return { ...existing, edges: [edge, ...existing.edges.filter((e) => e !== edge)] };
      },
    },
  });
}

/**
 * A new message (sendMessage's answer, or MessageCreated): at the end of its chat's cached
 * history, as the chat's lastMessage, and the chat at the top of the list. `viewerId` (the
 * caller) counts others' messages as unread.
 */
export function addMessage(cache: Cache, message: MessageKey, viewerId?: string): void {
  const id = cache.identify({ __typename: 'Chat', id: message.chatId })!;
  const ref = cache.identify({ __typename: 'Message', id: message.id })!;
  // Newer than the chat's lastMessage: not seen yet (modifiers read the entity as it was).
  const isNew = (readField: <T>(field: string, from?: Reference) => T | undefined) => {
    const last = readField<Reference | null>('lastMessage');
    return !last || message.seq > (readField<number>('seq', last) ?? -1);
  };
  cache.modify({
    id,
    fields: {
      messages: (existing: unknown, { toReference }) =>
        append(cache, existing as Connection, message, (key) => toReference(key)!),
      lastMessage: (existing: unknown, { readField, toReference }) => (isNew(readField) ? toReference(ref)! : existing),
      lastSeq: (existing: unknown) => Math.max(existing as number, message.seq),
      unreadCount: (existing: unknown, { readField }) =>
        viewerId !== undefined && message.sender.id !== viewerId && isNew(readField)
          ? (existing as number) + 1
          : existing,
    },
  });
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      messages: (existing: unknown, { storeFieldName, toReference }) =>
        storeFieldName.includes(JSON.stringify(message.chatId))
          ? append(cache, existing as Connection, message, (key) => toReference(key)!)
          : existing,
    },
  });
  // Sending reads everything up to one's own message (chat-service moves the marker).
  if (message.sender.id === viewerId) {
    moveReadMarker(cache, { chatId: message.chatId, userId: viewerId, lastReadSeq: message.seq }, viewerId);
  }
  bumpChat(cache, message.chatId);
}

/** leaveChat answered true, or RemovedFromChat: the chat goes, from the list and from chat(id). */
export function removeChat(cache: Cache, chatId: string): void {
  cache.evict({ id: cache.identify({ __typename: 'Chat', id: chatId })! });
  cache.gc();
}

/** revokeSession answered true: the session goes from `sessions`. */
export function removeSession(cache: Cache, sessionId: string): void {
  cache.evict({ id: cache.identify({ __typename: 'Session', id: sessionId })! });
  cache.gc();
}

/** A member's read marker moved (ReadReceipt); the caller's own read up to the end clears unread. */
export function moveReadMarker(
  cache: Cache,
  receipt: { chatId: string; userId: string; lastReadSeq: number },
  viewerId?: string,
): void {
  cache.modify({
    id: cache.identify({ __typename: 'ChatMember', chatId: receipt.chatId, userId: receipt.userId })!,
    fields: { lastReadSeq: (existing: unknown) => Math.max(existing as number, receipt.lastReadSeq) },
  });
  if (receipt.userId !== viewerId) return;
  // Read up to the newest message: nothing unread.
  cache.modify({
    id: cache.identify({ __typename: 'Chat', id: receipt.chatId })!,
    fields: {
      unreadCount: (existing: unknown, { readField }) => {
        const last = readField<Reference | null>('lastMessage');
        return last && receipt.lastReadSeq >= (readField<number>('seq', last) ?? Infinity) ? 0 : existing;
      },
    },
  });
}

/** The chatEvents fields the updates read (spread it into the subscription). */
export const CHAT_EVENT_KEYS = `
  __typename
  ... on MessageCreated { chatId seq message { id chatId seq sender { id } } }
  ... on MessageEdited { chatId seq }
  ... on MessageDeleted { chatId seq message { id seq sender { id } } }
  ... on ChatUpdated { chatId seq chat { id } }
  ... on RemovedFromChat { chatId seq }
  ... on ReadReceipt { chatId userId lastReadSeq }
`;

/** One chatEvents event, applied to the cache. Edits, deletes and profiles need nothing: same ids. */
export function applyChatEvent(
  cache: Cache,
  event: { __typename: string } & Record<string, unknown>,
  viewerId?: string,
) {
  const { chatId, seq } = event as unknown as { chatId: string; seq: number };
  switch (event.__typename) {
    case 'MessageCreated':
      return addMessage(cache, event.message as MessageKey, viewerId);
    case 'MessageEdited':
    case 'MessageDeleted': {
      // unreadCount counts no tombstone: an unread message from someone else deleted is one less.
      const deleted = event.__typename === 'MessageDeleted' ? (event.message as MessageKey) : undefined;
      const marker =
        viewerId === undefined
          ? undefined
          : cache.readFragment<{ lastReadSeq: number }>({
              id: cache.identify({ __typename: 'ChatMember', chatId, userId: viewerId })!,
              fragment: gql`
                fragment Marker on ChatMember {
                  lastReadSeq
                }
              `,
            })?.lastReadSeq;
      const unread = deleted && deleted.sender.id !== viewerId && marker !== undefined && deleted.seq > marker;
      return void cache.modify({
        id: cache.identify({ __typename: 'Chat', id: chatId })!,
        fields: {
          lastSeq: (existing: unknown) => Math.max(existing as number, seq),
          unreadCount: (existing: unknown) => (unread ? Math.max(0, (existing as number) - 1) : existing),
        },
      });
    }
    case 'ChatUpdated':
      // The new state of the chat was written with the event; a chat joined joins the list.
      return event.chat ? bumpChat(cache, chatId, true) : undefined;
    case 'RemovedFromChat':
      return removeChat(cache, chatId);
    case 'ReadReceipt':
      return moveReadMarker(
        cache,
        event as unknown as { chatId: string; userId: string; lastReadSeq: number },
        viewerId,
      );
    default:
      // TypingIndicator is ephemeral (keep it in component state); UserUpdated updates User:<id>.
      return undefined;
  }
}
