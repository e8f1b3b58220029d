import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { nameOf } from '../state/display';
import type { Message } from '../state/model';
import { useAppState, useServices } from './context';
import { Alert } from './Alert';

const MAX_BODY = 4096;

/**
 * Writes, replies to and edits messages. Enter sends, Shift+Enter starts a new line, Escape
 * cancels a reply or an edit.
 */
export function Composer({
  chatId,
  replyTo,
  editing,
  onCancel,
}: {
  chatId: string;
  replyTo: Message | null;
  editing: Message | null;
  onCancel: () => void;
}) {
  const { messenger } = useServices();
  const { drafts } = messenger;
  const users = useAppState((s) => s.users);
  const [text, setText] = useState(() => drafts.get(chatId) ?? '');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  // Editing shows the message's text; leaving the edit (saved, cancelled, or a reply chosen
  // instead) brings the draft back.
  const wasEditing = useRef(false);
  useEffect(() => {
    if (editing) setText(editing.body);
    else if (wasEditing.current) setText(drafts.get(chatId) ?? '');
    wasEditing.current = editing !== null;
    if (editing || replyTo) input.current?.focus();
  }, [editing, replyTo, drafts, chatId]);

  useEffect(() => () => messenger.typing(chatId, false), [messenger, chatId]);

  const change = (value: string) => {
    setText(value);
    if (!editing) drafts.set(chatId, value);
    setError(null);
    messenger.typing(chatId, value.trim().length > 0 && !editing);
  };

  async function submit() {
    const body = text.trim();
    if (!body) return;
    if ([...body].length > MAX_BODY) return setError(`A message can have at most ${MAX_BODY} characters.`);
    if (editing) {
      const outcome = await messenger.edit(editing.id, body);
      if (!outcome.ok) return setError(outcome.error);
      setText(drafts.get(chatId) ?? '');
      onCancel();
      return;
    }
    setText('');
    drafts.delete(chatId);
    onCancel();
    messenger.typing(chatId, false);
    // Shown at once as pending, and retried with the same clientMessageId through outages until
    // the server confirms it or it shows as failed (state/send-queue.ts).
    await messenger.send(chatId, body, replyTo);
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape' && (editing || replyTo)) {
      event.preventDefault();
      if (editing) setText(drafts.get(chatId) ?? '');
      onCancel();
    }
  };

  const context = editing ?? replyTo;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {context && (
        <div className="composer-context" data-testid="composer-context">
          <span>
            {editing ? 'Editing' : `Replying to ${nameOf(context.sender, users)}`}: <em>{context.body}</em>
          </span>
          <button
            type="button"
            aria-label={editing ? 'Cancel editing' : 'Cancel reply'}
            onClick={() => {
              if (editing) setText(drafts.get(chatId) ?? '');
              onCancel();
            }}
          >
            ×
          </button>
        </div>
      )}
      <Alert message={error} />
      <div className="row">
        <textarea
          ref={input}
          aria-label="Message"
          placeholder="Write a message"
          rows={1}
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => messenger.typing(chatId, false)}
        />
        <button type="submit" className="primary" disabled={!text.trim()}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}
