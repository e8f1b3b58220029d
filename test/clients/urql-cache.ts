// urql Graphcache: the cache exchange for the messenger's schema, with the `keys`, the Relay
// pagination resolvers and the `updates` its mutations and chatEvents need. docs/client-caches.md
// shows this file; the tests in test/clients/urql.test.ts use it as it is.
import { readFileSync } from 'node:fs';
import { buildSchema, introspectionFromSchema } from 'graphql';
import { cacheExchange, type Cache, type FieldInfo } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { gql } from '@urql/core';

/**
 * Schema awareness, from the published SDL (schema.graphql): Graphcache then matches fragments
 * on the ChatEvent union exactly instead of guessing. An app would generate this at build time
 * (e.g. GraphQL Code Generator's `urql-introspection` plugin) rather than parse SDL at run time.
 */
const schema = introspectionFromSchema(
  buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')),
);

/** What the updates read of a message (select at least these fields). */
export interface MessageKey {
  id: string;
  chatId: string;
  seq: number;
  sender: { id: string };
}

/** Types without an identity of their own: stored inside their parent (no warning for them). */
const embedded = () => null;

/** `viewerId`: the signed-in user, so that others' messages count as unread. */
export function messengerCacheExchange({ viewerId }: { viewerId?: string } = {}) {
  return cacheExchange({
    schema,
    keys: {
      // User, Session, Chat, Message and Profile are keyed by `id` (Graphcache's default).
      // A member has no id of its own: its key is the pair (chat, user).
      ChatMember: (member) => `${member.chatId as string}|${member.userId as string}`,
      AuthPayload: embedded,
      PageInfo: embedded,
      ChatConnection: embedded,
      ChatEdge: embedded,
      ChatMemberConnection: embedded,
      ChatMemberEdge: embedded,
      MessageConnection: embedded,
      MessageEdge: embedded,
      MessageCreated: embedded,
      MessageEdited: embedded,
      MessageDeleted: embedded,
      ChatUpdated: embedded,
      RemovedFromChat: embedded,
      ReadReceipt: embedded,
      TypingIndicator: embedded,
      UserUpdated: embedded,
    },
    resolvers: {
      Query: {
        // Every page of the chat list is one list; every page of a chat's history one history.
        chats: relayPagination(),
        messages: relayPagination(),
        // chat(id) is the Chat:<id> the cache already has (from the list, say), if it has it.
        chat: (_parent, args) => ({ __typename: 'Chat', id: args.id as string }),
      },
      Chat: {
        messages: relayPagination(),
        membersConnection: relayPagination(),
      },
    },
    updates: {
      Mutation: {
        sendMessage: (result, _args, cache) => addMessage(cache, result.sendMessage as MessageKey, viewerId),
        createDirectChat: (result, _args, cache) =>
          bumpChat(cache, (result.createDirectChat as { id: string }).id, true),
        createGroupChat: (result, _args, cache) => bumpChat(cache, (result.createGroupChat as { id: string }).id, true),
        leaveChat: (result, args, cache) => (result.leaveChat ? removeChat(cache, args.chatId as string) : undefined),
        revokeSession: (result, args, cache) =>
          result.revokeSession ? removeSession(cache, args.id as string) : undefined,
        // logout: sign out by dropping the client (and its cache) for a new one.
        // setTyping: nothing to cache; the others see a TypingIndicator.
        // editMessage, deleteMessage, markRead, updateProfile, member changes: they answer the
        // entity they changed (same key), which updates it in place.
      },
      Subscription: {
        chatEvents: (result, _args, cache) =>
          applyChatEvent(cache, result.chatEvents as { __typename: string } & Record<string, unknown>, viewerId),
      },
    },
  });
}

interface Page {
  __typename: string;
  edges: { __typename: string; cursor: string; node: { __typename: string; id: string } }[];
  pageInfo: { __typename: 'PageInfo' } & Record<string, unknown>;
}

/** One cached page of a connection field as data (edges' nodes by id), for writing it back. */
function readPage(cache: Cache, entity: string, field: FieldInfo): Page | null {
  const connection = cache.resolve(entity, field.fieldKey) as string | null;
  if (!connection) return null;
  const pageInfo = cache.resolve(connection, 'pageInfo') as string;
  const edges = (cache.resolve(connection, 'edges') as string[]).map((edge) => {
    const node = cache.resolve(edge, 'node') as string;
    return {
      __typename: cache.resolve(edge, '__typename') as string,
      cursor: cache.resolve(edge, 'cursor') as string,
      node: { __typename: cache.resolve(node, '__typename') as string, id: cache.resolve(node, 'id') as string },
    };
  });
  const info = Object.fromEntries(
    ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'].map((name) => [name, cache.resolve(pageInfo, name)]),
  );
  return {
    __typename: cache.resolve(connection, '__typename') as string,
    edges,
    pageInfo: { __typename: 'PageInfo', ...info },
  };
}

const PAGE = 'edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';
const CHAT_LIST = gql`
  fragment _ on Query { chats(first: $first, after: $after) { ${PAGE} } }
`;
const CHAT_HISTORY = gql`
  fragment _ on Chat { id messages(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }
`;
const QUERY_HISTORY = gql`
  fragment _ on Query {
    messages(chatId: $chatId, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
  }
`;

/** Rewrites every cached page of a connection field with `change`. */
function updatePages(
  cache: Cache,
  entity: string,
  fieldName: string,
  write: (page: Page, args: Record<string, unknown>) => void,
  change: (page: Page, args: Record<string, unknown>) => Page | null,
) {
  for (const field of cache.inspectFields(entity).filter((f) => f.fieldName === fieldName)) {
    const page = readPage(cache, entity, field);
    const args = field.arguments ?? {};
    const changed = page && change(page, args);
    if (changed) write(changed, args);
  }
}

/** A history page that reaches the newest message takes a new one at its end, once. */
function append(message: MessageKey) {
  return (page: Page): Page | null => {
    if (page.pageInfo.hasNextPage || page.edges.some((edge) => edge.node.id === message.id)) return null;
    // A live message has no cursor: paging goes by pageInfo, which keeps the pages' cursors.
    const edge = { __typename: 'MessageEdge', cursor: '', node: { __typename: 'Message', id: message.id } };
    return { ...page, edges: [...page.edges, edge] };
  };
}

/**
 * A chat moves to the top of the chat list (most recent activity first: a new message), or
 * with `onlyNew` only joins it there if it is not in it yet (the caller was added to it).
 */
export function bumpChat(cache: Cache, chatId: string, onlyNew = false): void {
  // Only the first page (no `after`) holds the top of the list; any other page loses the chat.
  updatePages(
    cache,
    'Query',
    'chats',
    (chats, args) => cache.writeFragment(CHAT_LIST, { __typename: 'Query', chats }, args),
    (page, args) => {
      const found = page.edges.find((edge) => edge.node.id === chatId);
      if (found && onlyNew) return null;
      const rest = page.edges.filter((edge) => edge !== found);
      if (args.after !== undefined) return found ? { ...page, edges: rest } : null;
      const edge = found ?? { __typename: 'ChatEdge', cursor: '', node: { __typename: 'Chat', id: chatId } };
      return { ...page, edges: [edge, ...rest] };
    },
  );
}

/**
 * A new message (sendMessage's answer, or MessageCreated): at the end of its chat's cached
 * history, as the chat's lastMessage, and the chat at the top of the list.
 */
export function addMessage(cache: Cache, message: MessageKey, viewerId?: string): void {
  const chat = cache.keyOfEntity({ __typename: 'Chat', id: message.chatId })!;
  updatePages(
    cache,
    chat,
    'messages',
    (messages, args) => cache.writeFragment(CHAT_HISTORY, { __typename: 'Chat', id: message.chatId, messages }, args),
    append(message),
  );
  updatePages(
    cache,
    'Query',
    'messages',
    (messages, args) => cache.writeFragment(QUERY_HISTORY, { __typename: 'Query', messages }, args),
    (page, args) => (args.chatId === message.chatId ? append(message)(page) : null),
  );
  // Newer than the chat's lastMessage: not seen yet.
  const last = cache.resolve(chat, 'lastMessage') as string | null | undefined;
  if (!last || message.seq > ((cache.resolve(last, 'seq') as number | undefined) ?? -1)) {
    cache.writeFragment(
      gql`
        fragment _ on Chat {
          id
          lastMessage {
            id
          }
        }
      `,
      {
        __typename: 'Chat',
        id: message.chatId,
        lastMessage: { __typename: 'Message', id: message.id },
      },
    );
    const lastSeq = cache.resolve(chat, 'lastSeq') as number | null | undefined;
    if (lastSeq != null && message.seq > lastSeq) {
      cache.writeFragment(
        gql`
          fragment _ on Chat {
            id
            lastSeq
          }
        `,
        { __typename: 'Chat', id: message.chatId, lastSeq: message.seq },
      );
    }
    const unread = cache.resolve(chat, 'unreadCount') as number | null | undefined;
    if (unread != null && viewerId !== undefined && message.sender.id !== viewerId) {
      cache.writeFragment(
        gql`
          fragment _ on Chat {
            id
            unreadCount
          }
        `,
        {
          __typename: 'Chat',
          id: message.chatId,
          unreadCount: unread + 1,
        },
      );
    }
  }
  // Sending reads everything up to one's own message (chat-service moves the marker).
  if (message.sender.id === viewerId) {
    moveReadMarker(cache, { chatId: message.chatId, userId: viewerId, lastReadSeq: message.seq }, viewerId);
  }
  bumpChat(cache, message.chatId);
}

/** leaveChat answered true, or RemovedFromChat: the chat goes, from the list and from chat(id). */
export function removeChat(cache: Cache, chatId: string): void {
  updatePages(
    cache,
    'Query',
    'chats',
    (chats, args) => cache.writeFragment(CHAT_LIST, { __typename: 'Query', chats }, args),
    (page) => ({ ...page, edges: page.edges.filter((edge) => edge.node.id !== chatId) }),
  );
  cache.invalidate({ __typename: 'Chat', id: chatId });
}

/** revokeSession answered true: the session goes from `sessions`. */
export function removeSession(cache: Cache, sessionId: string): void {
  const session = cache.keyOfEntity({ __typename: 'Session', id: sessionId });
  const sessions = cache.resolve('Query', 'sessions') as string[] | null;
  if (sessions)
    cache.link(
      'Query',
      'sessions',
      sessions.filter((key) => key !== session),
    );
  cache.invalidate({ __typename: 'Session', id: sessionId });
}

/** A member's read marker moved (ReadReceipt); the caller's own read up to the end clears unread. */
export function moveReadMarker(
  cache: Cache,
  receipt: { chatId: string; userId: string; lastReadSeq: number },
  viewerId?: string,
): void {
  const member = { __typename: 'ChatMember', chatId: receipt.chatId, userId: receipt.userId };
  const marker = cache.resolve(member, 'lastReadSeq') as number | null;
  if (marker != null && receipt.lastReadSeq > marker) {
    cache.writeFragment(
      gql`
        fragment _ on ChatMember {
          chatId
          userId
          lastReadSeq
        }
      `,
      {
        ...member,
        lastReadSeq: receipt.lastReadSeq,
      },
    );
  }
  // Read up to the newest message: nothing unread.
  const chat = { __typename: 'Chat', id: receipt.chatId };
  const last = cache.resolve(chat, 'lastMessage') as string | null | undefined;
  const lastMessageSeq = last ? (cache.resolve(last, 'seq') as number | undefined) : undefined;
  if (receipt.userId === viewerId && lastMessageSeq !== undefined && receipt.lastReadSeq >= lastMessageSeq) {
    cache.writeFragment(
      gql`
        fragment _ on Chat {
          id
          unreadCount
        }
      `,
      { ...chat, unreadCount: 0 },
    );
  }
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

/** One chatEvents event, applied to the cache. Edits, deletes and profiles need nothing: same keys. */
export function applyChatEvent(
  cache: Cache,
  event: { __typename: string } & Record<string, unknown>,
  viewerId?: string,
): void {
  const { chatId, seq } = event as unknown as { chatId: string; seq: number };
  switch (event.__typename) {
    case 'MessageCreated':
      return addMessage(cache, event.message as MessageKey, viewerId);
    case 'MessageEdited':
    case 'MessageDeleted': {
      const chat = { __typename: 'Chat', id: chatId };
      const lastSeq = cache.resolve(chat, 'lastSeq') as number | null | undefined;
      if (lastSeq != null && seq > lastSeq) {
        cache.writeFragment(
          gql`
            fragment _ on Chat {
              id
              lastSeq
            }
          `,
          { ...chat, lastSeq: seq },
        );
      }
      // unreadCount counts no tombstone: an unread message from someone else deleted is one less.
      const deleted = event.__typename === 'MessageDeleted' ? (event.message as MessageKey) : undefined;
      const member = viewerId && { __typename: 'ChatMember', chatId, userId: viewerId };
      const marker = member ? (cache.resolve(member, 'lastReadSeq') as number | null | undefined) : undefined;
      const unread = cache.resolve(chat, 'unreadCount') as number | null | undefined;
      if (deleted && deleted.sender.id !== viewerId && marker != null && deleted.seq > marker && unread) {
        cache.writeFragment(
          gql`
            fragment _ on Chat {
              id
              unreadCount
            }
          `,
          { ...chat, unreadCount: unread - 1 },
        );
      }
      return;
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
