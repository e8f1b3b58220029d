// What the UI shows of the state that is not stored as such: names, titles, the chat list's order.
import type { Chat, User } from './model';

/** The newest known name of a user. */
export function nameOf(user: User, users: Record<string, User>): string {
  const known = users[user.id] ?? user;
  return known.profile?.displayName || known.username;
}

/** A group's title, or the other member's name for a direct chat. */
export function chatTitle(chat: Chat, meId: string | undefined, users: Record<string, User>): string {
  if (chat.kind === 'GROUP') return chat.title ?? 'Group';
  const other = chat.members.find((m) => m.user.id !== meId)?.user;
  return other ? nameOf(other, users) : 'Direct chat';
}

/** Chats by last activity, newest first. */
export function chatsByActivity(chats: Record<string, Chat>): Chat[] {
  const activity = (chat: Chat) => {
    const last = chat.lastMessage?.createdAt ?? '';
    return last > chat.updatedAt ? last : chat.updatedAt;
  };
  return Object.values(chats).sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
}
