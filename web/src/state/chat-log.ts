// Each chat's event log as the client applies it: the chat list (summaries by query and by event),
// the resume cursor per chat, and the events of chats not loaded yet (orphans). Every logged event
// is applied once: a replay at or below the chat's cursor is dropped, and an event only moves the
// summary forward when the summary does not reflect it yet (model.ts says why both numbers exist).
import { chatTitle } from './display';
import { putChat, updatePane, without, type Chat, type LoggedEvent, type State } from './model';
import { raiseMarker } from './read-markers';
import { reviseMessage, upsertMessage } from './timeline';
import { typingEnded } from './typing';
import { rememberUsers, usersOfChat, usersOfMessage } from './users';

/** A chat from a query replaces the summary unless the summary already reflects later events. */
function mergeChat(known: Chat | undefined, incoming: Chat): Chat {
  return !known || incoming.lastSeq >= known.lastSeq ? incoming : known;
}

function setChat(state: State, chat: Chat): State {
  const chats = { ...state.chats, [chat.id]: chat };
  const cursors = chat.id in state.cursors ? state.cursors : { ...state.cursors, [chat.id]: chat.lastSeq };
  let next: State = { ...state, chats, cursors, users: rememberUsers(state.users, usersOfChat(chat)) };
  // Events that arrived before the chat was loaded: those past what the query saw still apply.
  const orphans = state.orphans[chat.id];
  if (orphans) {
    next = { ...next, orphans: without(next.orphans, chat.id) };
    for (const event of orphans) next = applyLogged(next, event);
  }
  return next;
}

/** Chats as a query answered them; then the chats in `remove`, which we are not in any more. */
export function chatsLoaded(state: State, chats: Chat[], remove: string[] = []): State {
  let next = state;
  for (const chat of chats) next = setChat(next, mergeChat(next.chats[chat.id], chat));
  for (const chatId of remove) next = removeChat(next, chatId);
  return next;
}

/** Forgets a chat we are not in any more; an open one says why it closed (`closed`). */
export function removeChat(state: State, chatId: string): State {
  const known = state.chats[chatId];
  return {
    ...state,
    chats: without(state.chats, chatId),
    cursors: without(state.cursors, chatId),
    panes: without(state.panes, chatId),
    typing: without(state.typing, chatId),
    orphans: without(state.orphans, chatId),
    closed:
      known && state.panes[chatId] ? { chatId, title: chatTitle(known, state.me?.id, state.users) } : state.closed,
  };
}

/** Applies an event of a chat's log once: replays at or below the cursor are dropped. */
export function applyLogged(state: State, event: LoggedEvent): State {
  const { chatId, seq } = event;
  const chat = state.chats[chatId];
  if (!chat) {
    if (event.__typename === 'RemovedFromChat') return state;
    // Added to a chat: the event carries it, as it is now.
    if (event.__typename === 'ChatUpdated' && event.chat) return setChat(state, event.chat);
    // Not loaded yet (a chat joined meanwhile, or beyond the first page): kept until it is.
    const kept = state.orphans[chatId] ?? [];
    return { ...state, orphans: { ...state.orphans, [chatId]: [...kept, event] } };
  }
  const cursor = state.cursors[chatId] ?? -1;
  if (seq <= cursor) return state;
  let next: State = { ...state, cursors: { ...state.cursors, [chatId]: seq } };
  const fresh = seq > chat.lastSeq; // the summary does not reflect this event yet
  switch (event.__typename) {
    case 'MessageCreated': {
      const { message } = event;
      const mine = message.sender.id === state.me?.id;
      if (fresh) {
        next = putChat(next, {
          ...chat,
          lastSeq: seq,
          lastMessage: message,
          updatedAt: message.createdAt,
          // Sending moves the sender's own marker to the message.
          unreadCount: mine ? 0 : chat.unreadCount + 1,
          members: mine ? chat.members.map(raiseMarker(message.sender.id, seq)) : chat.members,
        });
      }
      // A pane still loading its first page keeps the message too; the page merges into it.
      next = updatePane(next, chatId, (pane) => ({
        ...pane,
        messages: upsertMessage(pane.messages, message),
        pending: mine ? pane.pending.filter((p) => p.clientMessageId !== message.clientMessageId) : pane.pending,
        members: mine ? (pane.members?.map(raiseMarker(message.sender.id, seq)) ?? null) : pane.members,
      }));
      next = typingEnded(next, chatId, message.sender.id);
      return { ...next, users: rememberUsers(next.users, usersOfMessage(message)) };
    }
    case 'MessageEdited':
    case 'MessageDeleted': {
      const { message } = event;
      next = putChat(next, {
        ...chat,
        lastSeq: Math.max(chat.lastSeq, seq),
        lastMessage: chat.lastMessage?.id === message.id ? message : chat.lastMessage,
      });
      return updatePane(next, chatId, (pane) => reviseMessage(pane, message));
    }
    case 'ChatUpdated': {
      if (event.chat && (fresh || event.chat.lastSeq >= chat.lastSeq)) next = setChat(next, event.chat);
      else if (fresh) next = putChat(next, { ...chat, lastSeq: seq });
      // Members or roles changed: the open pane loads them again.
      return updatePane(next, chatId, (pane) => ({ ...pane, members: null }));
    }
    case 'RemovedFromChat':
      return removeChat(next, chatId);
  }
}

/** Resume cursors for every chat the client knows. */
export function resumeCursors(state: State): { chatId: string; afterSeq: number }[] {
  return Object.entries(state.cursors).map(([chatId, afterSeq]) => ({ chatId, afterSeq }));
}
