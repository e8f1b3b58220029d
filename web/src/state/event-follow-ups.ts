// What an event from the live connection needs beyond the reducer: the queries that settle what
// only the server knows (a chat we had not loaded, an unread count an event cannot tell).
import type { ChatLoader } from './chat-loader';
import type { ChatEvent } from './model';
import type { Store } from './store';

export function createEventHandler(
  { get, dispatch }: Store,
  chats: ChatLoader,
  loadMembers: (chatId: string) => Promise<void>,
): (event: ChatEvent) => void {
  return (event) => {
    const before = get();
    dispatch({ type: 'event', event, now: Date.now() });
    const after = get();
    switch (event.__typename) {
      case 'MessageCreated':
      case 'MessageEdited':
      case 'MessageDeleted':
      case 'ChatUpdated':
        if (after.orphans[event.chatId]) void chats.fetch(event.chatId);
        // A deleted message no longer counts as unread, and only the server knows if it did.
        if (
          event.__typename === 'MessageDeleted' &&
          event.message.sender.id !== before.me?.id &&
          (after.chats[event.chatId]?.unreadCount ?? 0) > 0
        ) {
          void chats.fetch(event.chatId);
        }
        if (event.__typename === 'ChatUpdated') {
          if (!event.chat) void chats.fetch(event.chatId);
          if (after.panes[event.chatId]?.loaded && !after.panes[event.chatId]?.members) void loadMembers(event.chatId);
        }
        break;
      case 'ReadReceipt': {
        // Our own marker moved on another device, but not to the end: ask for the new count.
        const chat = after.chats[event.chatId];
        if (event.user.id === before.me?.id && chat && event.lastReadSeq < chat.lastSeq) void chats.fetch(event.chatId);
        break;
      }
    }
  };
}
