import { useEffect, useState } from 'react';
import { chatTitle, nameOf } from '../state/display';
import type { Message } from '../state/model';
import { useAppState, useServices } from './context';
import { Composer } from './Composer';
import { MembersPanel } from './MembersPanel';
import { MessageList } from './MessageList';
import { Alert } from './Alert';

/** One open chat: header, history, composer, and the members panel on demand. */
export function ChatView({ chatId }: { chatId: string }) {
  const { messenger } = useServices();
  const chat = useAppState((s) => s.chats[chatId]);
  const meId = useAppState((s) => s.me?.id);
  const users = useAppState((s) => s.users);
  const typing = useAppState((s) => s.typing[chatId]);
  const [error, setError] = useState<string | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);

  useEffect(() => {
    let current = true;
    void messenger.openChat(chatId).then((outcome) => {
      if (current) setError(outcome.ok ? null : outcome.error);
    });
    return () => {
      current = false;
    };
  }, [messenger, chatId]);

  if (!chat) {
    return (
      <section className="pane empty">
        <p role={error ? 'alert' : undefined}>{error ?? 'Loading…'}</p>
        <a href="#/">Back to chats</a>
      </section>
    );
  }

  const title = chatTitle(chat, meId, users);
  const typers = Object.keys(typing ?? {})
    .map((id) => users[id])
    .filter((user) => user !== undefined)
    .map((user) => nameOf(user, users));
  const subtitle =
    typers.length > 0
      ? `${typers.join(', ')} ${typers.length === 1 ? 'is' : 'are'} typing…`
      : chat.kind === 'GROUP'
        ? `${chat.memberCount} members`
        : `@${chat.members.find((m) => m.user.id !== meId)?.user.username ?? ''}`;

  return (
    <section className="pane" aria-label={`Chat with ${title}`}>
      <header className="pane-header">
        <a href="#/" className="back" aria-label="Back to chats">
          ←
        </a>
        <div className="pane-title">
          <h2>{title}</h2>
          <p className={typers.length > 0 ? 'typing' : 'muted'} data-testid="chat-subtitle" aria-live="polite">
            {subtitle}
          </p>
        </div>
        <button type="button" aria-expanded={showMembers} onClick={() => setShowMembers((v) => !v)}>
          Members
        </button>
      </header>
      <Alert message={error} />
      <div className="pane-body">
        <MessageList
          chatId={chatId}
          onReply={(message) => {
            setEditing(null);
            setReplyTo(message);
          }}
          onEdit={(message) => {
            setReplyTo(null);
            setEditing(message);
          }}
        />
        {showMembers && <MembersPanel chatId={chatId} onClose={() => setShowMembers(false)} />}
      </div>
      <Composer
        chatId={chatId}
        replyTo={replyTo}
        editing={editing}
        onCancel={() => {
          setReplyTo(null);
          setEditing(null);
        }}
      />
    </section>
  );
}
