// Messages of ours not confirmed by the server yet, shown in their chat's pane while they are sent
// (send-queue.ts) and kept across reloads (outbox.ts). A confirmation (messageSaved, or the
// MessageCreated event) takes the entry away by its clientMessageId (timeline.ts, chat-log.ts).
import { emptyPane, updatePane, type PendingMessage, type State } from './model';

export function pendingAdded(state: State, chatId: string, pending: PendingMessage): State {
  const pane = state.panes[chatId] ?? emptyPane;
  return { ...state, panes: { ...state.panes, [chatId]: { ...pane, pending: [...pane.pending, pending] } } };
}

/** A send gave up (`failed`, with why), or the user asked to retry it (`sending` again). */
export function pendingChanged(
  state: State,
  chatId: string,
  clientMessageId: string,
  change: Pick<PendingMessage, 'state' | 'error'>,
): State {
  return updatePane(state, chatId, (pane) => ({
    ...pane,
    pending: pane.pending.map((p) => (p.clientMessageId !== clientMessageId ? p : { ...p, ...change })),
  }));
}

export function pendingDropped(state: State, chatId: string, clientMessageId: string): State {
  return updatePane(state, chatId, (pane) => ({
    ...pane,
    pending: pane.pending.filter((p) => p.clientMessageId !== clientMessageId),
  }));
}
