// The one pure reducer the client's state goes through (store.ts runs it), so the merge rules can
// be tested without a browser. Each concept's rules live in its own file; this one routes to them.
import { applyLogged, chatsLoaded, removeChat } from './chat-log';
import {
  emptyPane,
  initialState,
  type Chat,
  type ChatEvent,
  type ConnectionStatus,
  type Member,
  type Message,
  type PendingMessage,
  type State,
  type User,
} from './model';
import { pendingAdded, pendingChanged, pendingDropped } from './pending';
import { readMarked, readReceipt } from './read-markers';
import { historyLoaded, historyRequested, messageSaved } from './timeline';
import { typingChanged, typingExpired } from './typing';
import { rememberUsers, userUpdated } from './users';

export type Action =
  | { type: 'signedIn'; me: User }
  | { type: 'signedOut' }
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'chatsLoaded'; chats: Chat[]; remove?: string[] }
  | { type: 'chatGone'; chatId: string }
  | { type: 'event'; event: ChatEvent; now: number }
  | { type: 'historyRequested'; chatId: string }
  | { type: 'historyLoaded'; chatId: string; messages: Message[]; hasOlder: boolean; olderCursor: string | null }
  | { type: 'messageSaved'; message: Message }
  | { type: 'membersLoaded'; chatId: string; members: Member[] }
  | { type: 'readMarked'; chatId: string; lastSeq: number; unreadCount: number; readSeq: number }
  | { type: 'pendingAdded'; chatId: string; pending: PendingMessage }
  | { type: 'pendingFailed'; chatId: string; clientMessageId: string; error: string }
  | { type: 'pendingRetried'; chatId: string; clientMessageId: string }
  | { type: 'pendingDropped'; chatId: string; clientMessageId: string }
  | { type: 'typingExpired'; now: number }
  | { type: 'closedSeen' }
  | { type: 'userUpdated'; user: User };

function applyEvent(state: State, event: ChatEvent, now: number): State {
  switch (event.__typename) {
    case 'MessageCreated':
    case 'MessageEdited':
    case 'MessageDeleted':
    case 'ChatUpdated':
    case 'RemovedFromChat':
      return applyLogged(state, event);
    case 'ReadReceipt':
      return readReceipt(state, event.chatId, event.user.id, event.lastReadSeq);
    case 'TypingIndicator':
      return typingChanged(state, event.chatId, event.user, event.typing, now);
    case 'UserUpdated':
      return userUpdated(state, event.user);
  }
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'signedIn':
      return { ...initialState, me: action.me, users: { [action.me.id]: action.me } };
    case 'signedOut':
      return initialState;
    case 'status':
      return state.status === action.status ? state : { ...state, status: action.status };
    case 'chatsLoaded':
      return chatsLoaded(state, action.chats, action.remove);
    case 'chatGone':
      return removeChat(state, action.chatId);
    case 'event':
      return applyEvent(state, action.event, action.now);
    case 'historyRequested':
      return historyRequested(state, action.chatId);
    case 'historyLoaded':
      return historyLoaded(state, action);
    case 'messageSaved':
      return messageSaved(state, action.message);
    case 'membersLoaded': {
      const pane = state.panes[action.chatId] ?? emptyPane;
      return {
        ...state,
        users: rememberUsers(
          state.users,
          action.members.map((m) => m.user),
        ),
        panes: { ...state.panes, [action.chatId]: { ...pane, members: action.members } },
      };
    }
    case 'readMarked':
      return readMarked(state, action);
    case 'pendingAdded':
      return pendingAdded(state, action.chatId, action.pending);
    case 'pendingFailed':
      return pendingChanged(state, action.chatId, action.clientMessageId, { state: 'failed', error: action.error });
    case 'pendingRetried':
      return pendingChanged(state, action.chatId, action.clientMessageId, { state: 'sending', error: null });
    case 'pendingDropped':
      return pendingDropped(state, action.chatId, action.clientMessageId);
    case 'typingExpired':
      return typingExpired(state, action.now);
    case 'closedSeen':
      return { ...state, closed: null };
    case 'userUpdated':
      return userUpdated(state, action.user);
  }
}
