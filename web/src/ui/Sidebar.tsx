import { useState, type FormEvent } from 'react';
import { chatsByActivity, chatTitle, nameOf } from '../state/display';
import type { Chat, User } from '../state/model';
import { useAppState, useServices } from './context';
import { chatHref, navigate } from './route';
import { shortTime } from './format';
import { UserSearch } from './UserSearch';
import { Alert } from './Alert';

/** Search, new group, and the chat list by last activity. */
export function Sidebar({ activeChatId }: { activeChatId: string | null }) {
  const { messenger } = useServices();
  const chats = useAppState((s) => s.chats);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, setMore] = useState(0);
  const ordered = chatsByActivity(chats);

  async function openDirect(user: User) {
    setError(null);
    const outcome = await messenger.createDirectChat(user.id);
    if (outcome.ok) navigate(chatHref(outcome.value));
    else setError(outcome.error);
  }

  return (
    <aside className="sidebar">
      <div className="sidebar-tools">
        <UserSearch label="Find people" actionLabel="Message" onPick={(user) => void openDirect(user)} />
        <button type="button" onClick={() => setCreating((v) => !v)} aria-expanded={creating}>
          New group
        </button>
      </div>
      <Alert message={error} />
      {creating && <NewGroup onDone={() => setCreating(false)} />}
      <nav aria-label="Chats" className="chat-list">
        {ordered.length === 0 && <p className="muted">No chats yet. Find someone above to start one.</p>}
        <ul>
          {ordered.map((chat) => (
            <ChatRow key={chat.id} chat={chat} active={chat.id === activeChatId} />
          ))}
        </ul>
        {messenger.hasMoreChats() && (
          <button
            type="button"
            className="link"
            onClick={() => void messenger.loadMoreChats().then(() => setMore((n) => n + 1))}
          >
            Show older chats
          </button>
        )}
      </nav>
    </aside>
  );
}

function ChatRow({ chat, active }: { chat: Chat; active: boolean }) {
  const meId = useAppState((s) => s.me?.id);
  const users = useAppState((s) => s.users);
  const typingIds = useAppState((s) => s.typing[chat.id]);
  const typing = typingIds && Object.keys(typingIds).length > 0;
  const title = chatTitle(chat, meId, users);
  const last = chat.lastMessage;
  const preview = typing
    ? 'typing…'
    : !last
      ? chat.kind === 'GROUP'
        ? `${chat.memberCount} members`
        : 'No messages yet'
      : last.deletedAt
        ? 'Message deleted'
        : `${last.sender.id === meId ? 'You: ' : chat.kind === 'GROUP' ? `${nameOf(last.sender, users)}: ` : ''}${last.body}`;
  return (
    <li data-testid="chat-item" data-chat-id={chat.id}>
      <a
        href={chatHref(chat.id)}
        aria-current={active ? 'page' : undefined}
        className={chat.unreadCount > 0 ? 'unread' : undefined}
      >
        <span className="chat-title">{title}</span>
        <span className="chat-time">{shortTime(last?.createdAt ?? chat.updatedAt)}</span>
        <span className={`chat-preview${typing ? ' typing' : ''}`}>{preview}</span>
        {chat.unreadCount > 0 && (
          <span className="badge" data-testid="unread-badge" aria-label={`${chat.unreadCount} unread`}>
            {chat.unreadCount > 99 ? '99+' : chat.unreadCount}
          </span>
        )}
      </a>
    </li>
  );
}

function NewGroup({ onDone }: { onDone: () => void }) {
  const { messenger } = useServices();
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const outcome = await messenger.createGroupChat(
      title.trim(),
      members.map((m) => m.id),
    );
    setBusy(false);
    if (!outcome.ok) return setError(outcome.error);
    onDone();
    navigate(chatHref(outcome.value));
  }

  return (
    <form className="new-group card" onSubmit={(e) => void submit(e)} aria-label="New group">
      <label>
        Group title
        <input value={title} maxLength={100} required onChange={(e) => setTitle(e.target.value)} />
      </label>
      <UserSearch
        label="Add members"
        actionLabel="Add"
        exclude={members.map((m) => m.id)}
        onPick={(user) => setMembers((list) => [...list, user])}
      />
      {members.length > 0 && (
        <ul className="chips" aria-label="Chosen members">
          {members.map((user) => (
            <li key={user.id}>
              {user.profile?.displayName || user.username}
              <button
                type="button"
                aria-label={`Remove ${user.username}`}
                onClick={() => setMembers((list) => list.filter((m) => m.id !== user.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <Alert message={error} />
      <div className="row">
        <button type="submit" className="primary" disabled={busy || !title.trim()}>
          Create group
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
