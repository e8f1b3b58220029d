// Who is typing in which chat: each indicator shows until the server says `false`, a message from
// that user arrives (chat-log.ts), or it expires without a refresh.
import { without, type State, type User } from './model';
import { rememberUsers } from './users';

/** How long a typing indicator lasts without a refresh (the server says `false` after 5 s). */
export const TYPING_SHOWN_MS = 6_000;

/** The TypingIndicator event, received at `now`. */
export function typingChanged(state: State, chatId: string, user: User, typing: boolean, now: number): State {
  const current = state.typing[chatId] ?? {};
  const updated = typing ? { ...current, [user.id]: now + TYPING_SHOWN_MS } : without(current, user.id);
  return {
    ...state,
    typing: { ...state.typing, [chatId]: updated },
    users: rememberUsers(state.users, [user]),
  };
}

/** Drops the indicators that ran out by `now`; the same state when none did. */
export function typingExpired(state: State, now: number): State {
  let changed = false;
  const typing: State['typing'] = {};
  for (const [chatId, users] of Object.entries(state.typing)) {
    const live = Object.fromEntries(Object.entries(users).filter(([, until]) => until > now));
    if (Object.keys(live).length !== Object.keys(users).length) changed = true;
    typing[chatId] = live;
  }
  return changed ? { ...state, typing } : state;
}

/** A message from `userId` ends their typing. */
export function typingEnded(state: State, chatId: string, userId: string): State {
  const typing = state.typing[chatId];
  if (!typing?.[userId]) return state;
  return { ...state, typing: { ...state.typing, [chatId]: without(typing, userId) } };
}
