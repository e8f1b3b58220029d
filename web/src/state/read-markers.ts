// Read markers: how far each member has read (their `lastReadSeq`), and our own unread counts.
// Markers only move up; an unread count is only taken from the server when it was counted at the
// same seq as the summary shows.
import { putChat, updatePane, type Member, type State } from './model';

/** Moves one member's read marker up to `seq` (never down). */
export const raiseMarker =
  (userId: string | undefined, seq: number) =>
  (m: Member): Member =>
    m.user.id === userId && m.lastReadSeq < seq ? { ...m, lastReadSeq: seq } : m;

/** A member (maybe we, on another device) read up to `lastReadSeq` (the ReadReceipt event). */
export function readReceipt(state: State, chatId: string, userId: string, lastReadSeq: number): State {
  const raise = raiseMarker(userId, lastReadSeq);
  let next = state;
  const chat = state.chats[chatId];
  if (chat) {
    const mineAndAllRead = userId === state.me?.id && lastReadSeq >= chat.lastSeq;
    next = putChat(next, {
      ...chat,
      members: chat.members.map(raise),
      unreadCount: mineAndAllRead ? 0 : chat.unreadCount,
    });
  }
  return updatePane(next, chatId, (pane) => ({ ...pane, members: pane.members?.map(raise) ?? null }));
}

/** The server's answer to our markRead: our marker at `readSeq`, and the count as of `lastSeq`. */
export function readMarked(
  state: State,
  marked: { chatId: string; lastSeq: number; unreadCount: number; readSeq: number },
): State {
  const chat = state.chats[marked.chatId];
  if (!chat) return state;
  const meId = state.me?.id;
  const raise = raiseMarker(meId, marked.readSeq);
  // An answer ahead of the summary counts messages whose events are still on their way (they
  // would be counted twice); the summary is then loaded again (mark-read.ts).
  const next = putChat(state, {
    ...chat,
    members: chat.members.map(raise),
    unreadCount: marked.lastSeq === chat.lastSeq ? marked.unreadCount : chat.unreadCount,
  });
  return updatePane(next, chat.id, (pane) => ({ ...pane, members: pane.members?.map(raise) ?? null }));
}
