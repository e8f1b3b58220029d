import { useEffect } from 'react';
import { nameOf } from '../state/display';
import { useAppState, useServices } from './context';
import { ChatView } from './ChatView';
import { ProfilePage } from './ProfilePage';
import { SessionsPage } from './SessionsPage';
import { Sidebar } from './Sidebar';
import { navigate, useRoute } from './route';
import { Avatar } from './Avatar';

const STATUS_TEXT = { connecting: 'Connecting…', reconnecting: 'Reconnecting…', online: '' } as const;

/** The signed-in layout: top bar, then the chats (list and open chat) or a settings page. */
export function Shell() {
  const route = useRoute();
  const { signOut, messenger } = useServices();
  const me = useAppState((s) => s.me);
  const users = useAppState((s) => s.users);
  const status = useAppState((s) => s.status);
  const closed = useAppState((s) => s.closed);
  const openChatId = route.page === 'chats' ? route.chatId : null;
  const openChatExists = useAppState((s) => (openChatId ? openChatId in s.chats : false));

  // The tab's title counts unread messages, so a background tab shows that something came.
  const unread = useAppState((s) => Object.values(s.chats).reduce((sum, chat) => sum + chat.unreadCount, 0));
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Messenger` : 'Messenger';
  }, [unread]);

  // Typing indicators end on their own when no refresh comes.
  useEffect(() => {
    const timer = setInterval(() => messenger.store.dispatch({ type: 'typingExpired', now: Date.now() }), 1_000);
    return () => clearInterval(timer);
  }, [messenger]);

  // The open chat went away (removed from it, left on another device): back to the list.
  useEffect(() => {
    if (closed && closed.chatId === openChatId && !openChatExists) navigate('#/');
  }, [closed, openChatId, openChatExists]);

  // The notice is read once another chat is opened.
  useEffect(() => {
    if (closed && openChatId && closed.chatId !== openChatId) messenger.store.dispatch({ type: 'closedSeen' });
  }, [closed, openChatId, messenger]);

  return (
    <div className="app" data-view={openChatId ? 'chat' : 'list'}>
      <header className="topbar">
        <h1 className="brand">
          <a href="#/">Messenger</a>
        </h1>
        <span className={`connection ${status}`} role="status" aria-live="polite" data-testid="connection">
          {STATUS_TEXT[status]}
        </span>
        <nav aria-label="Account">
          {me && (
            <a href="#/profile" className="me" title="Your profile">
              <Avatar user={users[me.id] ?? me} size={28} />
              <span className="me-name">{nameOf(me, users)}</span>
            </a>
          )}
          <a href="#/sessions">Devices</a>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      {route.page === 'chats' && (
        <main className="chats-layout">
          <Sidebar activeChatId={openChatId} />
          {openChatId ? (
            <ChatView key={openChatId} chatId={openChatId} />
          ) : (
            <section className="pane empty">
              {closed ? (
                <p role="alert">You are no longer in “{closed.title}”.</p>
              ) : (
                <p>Choose a chat, or find someone to write to.</p>
              )}
            </section>
          )}
        </main>
      )}
      {route.page === 'profile' && <ProfilePage />}
      {route.page === 'sessions' && <SessionsPage />}
    </div>
  );
}
