// Messages not confirmed by the server yet, kept in localStorage per user, so that a reload (or a
// crash, or a closed laptop) loses none: on start they show as pending again and are sent with
// their own clientMessageId, which the server recognises if an earlier attempt got through. Two
// tabs sending the same entry is harmless for the same reason.
import type { PendingMessage, State } from './model';

export interface OutboxEntry {
  chatId: string;
  pending: PendingMessage;
}

const keyOf = (userId: string) => `messenger.outbox.${userId}`;

function entriesOf(state: State): OutboxEntry[] {
  return Object.entries(state.panes).flatMap(([chatId, pane]) => pane.pending.map((pending) => ({ chatId, pending })));
}

export function readOutbox(userId: string): OutboxEntry[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(keyOf(userId)) ?? '[]');
    return Array.isArray(value)
      ? (value as OutboxEntry[]).filter(
          (e) => typeof e?.chatId === 'string' && typeof e.pending?.clientMessageId === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

/** Writes the outbox whenever the pending messages change; returns the unsubscribe function. */
export function keepOutbox(
  store: { get(): State; subscribe(listener: () => void): () => void },
  userId: string,
): () => void {
  let panes = store.get().panes;
  let written = JSON.stringify(entriesOf(store.get()));
  return store.subscribe(() => {
    const state = store.get();
    if (state.panes === panes) return;
    panes = state.panes;
    const next = JSON.stringify(entriesOf(state));
    if (next === written) return;
    written = next;
    if (next === '[]') localStorage.removeItem(keyOf(userId));
    else localStorage.setItem(keyOf(userId), next);
  });
}

/** Signing out forgets unsent messages too: the next person at this browser must not see them. */
export const clearOutbox = (userId: string) => localStorage.removeItem(keyOf(userId));
