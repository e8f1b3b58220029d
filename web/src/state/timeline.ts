// A chat's messages as its pane shows them: history pages, live events and our own saved messages
// merged into one list. Messages are upserted by id, so a message that came by query and again by
// event shows once, and of two versions of a message the later one wins (deleted > edited later >
// edited earlier), whichever arrived last: a history page answered before an edit cannot undo it.
import { emptyPane, putChat, updatePane, type Message, type Pane, type State } from './model';
import { rememberUsers, usersOfMessage } from './users';

/** How far a message's life has gone: created, edited (later is further), deleted. */
const versionOf = (m: Message) => (m.deletedAt ? Number.POSITIVE_INFINITY : m.editedAt ? Date.parse(m.editedAt) : 0);

/** The later of two versions of one message; on a tie the incoming one. */
export const newerVersion = (known: Message, incoming: Message) =>
  versionOf(incoming) >= versionOf(known) ? incoming : known;

/** Inserts `message` by id, keeping ascending seq order; a known message keeps its newest version. */
export function upsertMessage(messages: Message[], message: Message): Message[] {
  const at = messages.findIndex((m) => m.id === message.id);
  if (at >= 0) {
    const kept = newerVersion(messages[at]!, message);
    return kept === messages[at] ? messages : messages.map((m, i) => (i === at ? kept : m));
  }
  let index = messages.length;
  while (index > 0 && messages[index - 1]!.seq > message.seq) index--;
  return [...messages.slice(0, index), message, ...messages.slice(index)];
}

/** An edited or deleted message (by event): in place, and in the quotes of replies to it. */
export function reviseMessage(pane: Pane, message: Message): Pane {
  const known = pane.messages.some((m) => m.id === message.id);
  const newest = pane.messages[pane.messages.length - 1];
  if (!known && (!pane.loaded || !newest || message.seq < newest.seq)) {
    // Not shown yet (older than the window, or the first page is still on its way): kept for
    // the page that will bring it.
    return { ...pane, revisions: { ...pane.revisions, [message.id]: message } };
  }
  const messages = upsertMessage(pane.messages, message).map((m) =>
    m.replyTo?.id === message.id
      ? { ...m, replyTo: { ...m.replyTo, body: message.body, deletedAt: message.deletedAt } }
      : m,
  );
  return { ...pane, messages };
}

/** The chat is being opened: an empty pane, so events that arrive before its first page are kept. */
export function historyRequested(state: State, chatId: string): State {
  if (state.panes[chatId]) return state;
  return { ...state, panes: { ...state.panes, [chatId]: emptyPane } };
}

/**
 * A page of messages older than (or, the first time, around) what the pane holds: merged with
 * what events brought meanwhile, each message in its newest known version.
 */
export function historyLoaded(
  state: State,
  page: { chatId: string; messages: Message[]; hasOlder: boolean; olderCursor: string | null },
): State {
  const pane = state.panes[page.chatId] ?? emptyPane;
  let messages = pane.messages;
  for (const message of page.messages) {
    const revision = pane.revisions[message.id];
    messages = upsertMessage(messages, revision ? newerVersion(message, revision) : message);
  }
  const users = rememberUsers(state.users, page.messages.flatMap(usersOfMessage));

  return {
    ...state,
    users,
    panes: {
      ...state.panes,
      [page.chatId]: {
        ...pane,
        messages,
        loaded: true,
        // Pages come newest first, each older than the last: the latest says what remains.
        hasOlder: page.hasOlder,
        olderCursor: page.olderCursor,
      },
    },
  };
}

/** A message as a mutation of ours answered it (sent, edited, deleted), maybe before its event. */
export function messageSaved(state: State, message: Message): State {
  const chat = state.chats[message.chatId];
  let next = state;
  if (chat && message.seq > chat.lastSeq && message.sender.id === state.me?.id) {
    // Our own message: it is the newest we know, and the server moved our marker to it.
    next = putChat(next, {
      ...chat,
      lastSeq: message.seq,
      lastMessage: message,
      updatedAt: message.createdAt,
      unreadCount: 0,
    });
  } else if (chat?.lastMessage?.id === message.id) {
    next = putChat(next, { ...chat, lastMessage: message });
  }
  return updatePane(next, message.chatId, (pane) => ({
    ...pane,
    messages: upsertMessage(pane.messages, message),
    pending: pane.pending.filter((p) => p.clientMessageId !== message.clientMessageId),
  }));
}
