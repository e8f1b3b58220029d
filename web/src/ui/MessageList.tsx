import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { nameOf } from '../state/display';
import type { Member, Message, PendingMessage } from '../state/model';
import { useAppState, useServices } from './context';
import { fullTime, shortTime } from './format';
import { Alert } from './Alert';

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 120;

/**
 * History, newest at the bottom. Scrolling up loads older pages by seq; while the user is at the
 * bottom, new messages keep it there; the read marker follows the last message on screen.
 */
export function MessageList({
  chatId,
  onReply,
  onEdit,
}: {
  chatId: string;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
}) {
  const { messenger } = useServices();
  const pane = useAppState((s) => s.panes[chatId]);
  const chat = useAppState((s) => s.chats[chatId]);
  const meId = useAppState((s) => s.me?.id);
  const users = useAppState((s) => s.users);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const fromBottom = useRef(0);
  const firstId = useRef<string | null>(null);
  const loadingOlder = useRef(false);

  const messages = pane?.messages ?? [];
  const pending = pane?.pending ?? [];
  const members: Member[] = pane?.members ?? chat?.members ?? [];

  /** Marks read up to the last message on screen (of anyone: ours are simply read already). */
  const markVisibleRead = useCallback(() => {
    const box = scroller.current;
    if (!box || document.visibilityState !== 'visible') return;
    const bottom = box.getBoundingClientRect().bottom + 2;
    let seen = -1;
    for (const element of box.querySelectorAll<HTMLElement>('article[data-seq]')) {
      if (element.getBoundingClientRect().top < bottom) seen = Math.max(seen, Number(element.dataset['seq']));
    }
    if (seen >= 0) messenger.markRead(chatId, seen);
  }, [messenger, chatId]);

  const loadOlderIfNeeded = useCallback(() => {
    const box = scroller.current;
    if (!box || !pane?.hasOlder || loadingOlder.current || box.scrollTop > NEAR_TOP_PX) return;
    loadingOlder.current = true;
    void messenger.loadOlder(chatId).finally(() => (loadingOlder.current = false));
  }, [messenger, chatId, pane?.hasOlder]);

  const onScroll = () => {
    const box = scroller.current;
    if (!box) return;
    fromBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight;
    stickToBottom.current = fromBottom.current < NEAR_BOTTOM_PX;
    loadOlderIfNeeded();
    markVisibleRead();
  };

  // After each change: keep the bottom in view, or keep the view still when older pages came in.
  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const first = messages[0]?.id ?? null;
    const prepended = firstId.current !== null && first !== firstId.current && !stickToBottom.current;
    firstId.current = first;
    if (stickToBottom.current) box.scrollTop = box.scrollHeight;
    else if (prepended) box.scrollTop = box.scrollHeight - box.clientHeight - fromBottom.current;
  }, [messages, pending]);

  useEffect(() => {
    markVisibleRead();
    // A first page shorter than the screen gives nothing to scroll: load more right away.
    const box = scroller.current;
    if (box && box.scrollHeight <= box.clientHeight) loadOlderIfNeeded();
  }, [messages, markVisibleRead, loadOlderIfNeeded]);

  useEffect(() => {
    const visible = () => markVisibleRead();
    document.addEventListener('visibilitychange', visible);
    return () => document.removeEventListener('visibilitychange', visible);
  }, [markVisibleRead]);

  const others = members.filter((m) => m.user.id !== meId);
  const isGroup = chat?.kind === 'GROUP';
  const myRole = pane?.members?.find((m) => m.user.id === meId)?.role;
  const canModerate = isGroup && (myRole === 'OWNER' || myRole === 'ADMIN');

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
      {pane?.hasOlder && <p className="muted center">Loading older messages…</p>}
      {pane?.loaded && !pane.hasOlder && messages.length === 0 && pending.length === 0 && (
        <p className="muted center">No messages yet. Say hello!</p>
      )}
      {!pane?.loaded && <p className="muted center">Loading…</p>}
      {messages.map((message) => {
        const mine = message.sender.id === meId;
        const readers = mine ? others.filter((m) => m.lastReadSeq >= message.seq).length : 0;
        return (
          <MessageItem
            key={message.id}
            message={message}
            mine={mine}
            senderName={nameOf(message.sender, users)}
            showSender={isGroup && !mine}
            receipt={
              mine ? (isGroup ? (readers > 0 ? `Read by ${readers}` : 'Sent') : readers > 0 ? 'Read' : 'Sent') : null
            }
            canDelete={mine || canModerate}
            onReply={onReply}
            onEdit={onEdit}
          />
        );
      })}
      {pending.map((p) => (
        <PendingItem key={p.clientMessageId} chatId={chatId} pending={p} />
      ))}
    </div>
  );
}

function MessageItem({
  message,
  mine,
  senderName,
  showSender,
  receipt,
  canDelete,
  onReply,
  onEdit,
}: {
  message: Message;
  mine: boolean;
  senderName: string;
  showSender: boolean;
  receipt: string | null;
  canDelete: boolean;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
}) {
  const { messenger } = useServices();
  const users = useAppState((s) => s.users);
  const [confirming, setConfirming] = useState(false);
  // Keyboard focus goes to "Keep" while confirming, and back to "Delete" when kept.
  const deleteButton = useRef<HTMLButtonElement>(null);
  const refocusDelete = useRef(false);
  useEffect(() => {
    if (confirming || !refocusDelete.current) return;
    refocusDelete.current = false;
    deleteButton.current?.focus();
  }, [confirming]);
  const [error, setError] = useState<string | null>(null);
  const deleted = message.deletedAt !== null;

  async function remove() {
    setConfirming(false);
    const outcome = await messenger.remove(message.id);
    setError(outcome.ok ? null : outcome.error);
  }

  return (
    <article
      className={`message${mine ? ' mine' : ''}${deleted ? ' deleted' : ''}`}
      data-testid="message"
      data-seq={message.seq}
      data-id={message.id}
      aria-label={`${mine ? 'You' : senderName}, ${fullTime(message.createdAt)}`}
    >
      {showSender && <span className="sender">{senderName}</span>}
      {message.replyTo && (
        <blockquote className="quote">
          <span className="sender">{nameOf(message.replyTo.sender, users)}</span>
          {message.replyTo.deletedAt ? <em>Message deleted</em> : message.replyTo.body}
        </blockquote>
      )}
      <p className="body" data-testid="message-body">
        {deleted ? <em>Message deleted</em> : message.body}
      </p>
      <footer>
        <time dateTime={message.createdAt} title={fullTime(message.createdAt)}>
          {shortTime(message.createdAt)}
        </time>
        {message.editedAt && !deleted && <span className="edited">edited</span>}
        {receipt && !deleted && (
          <span className="receipt" data-testid="receipt">
            {receipt}
          </span>
        )}
      </footer>
      {!deleted && (
        <div className="actions">
          <button type="button" onClick={() => onReply(message)} aria-label="Reply">
            Reply
          </button>
          {mine && (
            <button type="button" onClick={() => onEdit(message)} aria-label="Edit">
              Edit
            </button>
          )}
          {canDelete &&
            (confirming ? (
              <>
                <button type="button" className="danger" onClick={() => void remove()}>
                  Delete for everyone
                </button>
                <button
                  type="button"
                  autoFocus
                  onClick={() => {
                    refocusDelete.current = true;
                    setConfirming(false);
                  }}
                >
                  Keep
                </button>
              </>
            ) : (
              <button type="button" ref={deleteButton} onClick={() => setConfirming(true)} aria-label="Delete">
                Delete
              </button>
            ))}
        </div>
      )}
      <Alert message={error} />
    </article>
  );
}

function PendingItem({ chatId, pending }: { chatId: string; pending: PendingMessage }) {
  const { messenger } = useServices();
  const users = useAppState((s) => s.users);
  const failed = pending.state === 'failed';
  return (
    <article className={`message mine pending${failed ? ' failed' : ''}`} data-testid="message" data-pending="true">
      {pending.replyTo && (
        <blockquote className="quote">
          <span className="sender">{nameOf(pending.replyTo.sender, users)}</span>
          {pending.replyTo.body}
        </blockquote>
      )}
      <p className="body" data-testid="message-body">
        {pending.body}
      </p>
      <footer>
        <span className="receipt" data-testid="receipt">
          {failed ? 'Not sent' : 'Sending…'}
        </span>
      </footer>
      {failed && (
        <div className="actions visible">
          {pending.error && <span className="error">{pending.error}</span>}
          <button type="button" onClick={() => void messenger.retry(chatId, pending.clientMessageId)}>
            Retry
          </button>
          <button type="button" onClick={() => messenger.discard(chatId, pending.clientMessageId)}>
            Discard
          </button>
        </div>
      )}
    </article>
  );
}
