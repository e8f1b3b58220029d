// Users as the client knows them: the newest version of each one seen, from whatever brought it
// (a chat, a message, an event), so a profile change shows everywhere.
import type { Chat, Message, State, User } from './model';

export function rememberUsers(users: Record<string, User>, found: (User | null | undefined)[]): Record<string, User> {
  let next = users;
  for (const user of found) {
    if (!user || next[user.id] === user) continue;
    // A profile that could not be loaded (null) does not overwrite a known one.
    if (!user.profile && next[user.id]?.profile) continue;
    if (next === users) next = { ...users };
    next[user.id] = user;
  }
  return next;
}

export const usersOfChat = (chat: Chat): User[] =>
  [...chat.members.map((m) => m.user), chat.lastMessage?.sender, chat.lastMessage?.replyTo?.sender].filter(
    (u): u is User => Boolean(u),
  );

export const usersOfMessage = (message: Message): User[] =>
  [message.sender, message.replyTo?.sender].filter((u): u is User => Boolean(u));

/** A user changed their profile (UserUpdated, or our own save). */
export function userUpdated(state: State, user: User): State {
  const me = state.me?.id === user.id ? { ...state.me, ...user } : state.me;
  return { ...state, me, users: { ...state.users, [user.id]: user } };
}
