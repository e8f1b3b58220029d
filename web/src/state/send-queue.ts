// Sending messages: each shows as pending at once, goes out in order per chat, and is retried
// through outages with the same clientMessageId, so the server never stores it twice. A send that
// does not get through within SEND_PATIENCE_MS shows as failed, with a Retry button.
import type { Client } from '@urql/core';
import { isUnauthenticated } from '../api/client';
import { friendlyError, isTransient } from '../api/errors';
import { SendMessageMutation } from '../api/operations';
import type { SessionManager } from '../auth/session';
import type { Message } from './model';
import type { Store } from './store';

/** How long a send is retried through outages before it shows as failed (with a Retry button). */
const SEND_PATIENCE_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message id of our own: random, so a resend with it is recognised and never doubled. */
function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface SendQueue {
  /** Shows a new message as pending; returns its clientMessageId, for `enqueue`. */
  add: (chatId: string, body: string, replyTo: Message | null) => string;
  /** Sends a pending message after the chat's earlier ones; settles when it is saved or failed. */
  enqueue: (chatId: string, clientMessageId: string) => Promise<void>;
  /** The connection is back: retries waiting for their next attempt go at once. */
  online: () => void;
}

export function createSendQueue(api: Client, { get, dispatch }: Store, session: SessionManager): SendQueue {
  const sending = new Set<string>();
  /** Per chat, the sends in order: a message never overtakes an earlier one still pending. */
  const queues = new Map<string, Promise<void>>();
  /** Resolved when the connection comes back, so that waiting retries go at once. */
  let wake: () => void = () => undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));

  function enqueue(chatId: string, clientMessageId: string): Promise<void> {
    const queued = (queues.get(chatId) ?? Promise.resolve()).then(() => deliver(chatId, clientMessageId));
    queues.set(chatId, queued);
    void queued.finally(() => {
      if (queues.get(chatId) === queued) queues.delete(chatId);
    });
    return queued;
  }

  async function deliver(chatId: string, clientMessageId: string) {
    if (sending.has(clientMessageId)) return;
    sending.add(clientMessageId);
    try {
      const giveUpAt = Date.now() + SEND_PATIENCE_MS;
      for (let attempt = 1; ; attempt++) {
        const pending = get().panes[chatId]?.pending.find((p) => p.clientMessageId === clientMessageId);
        if (!pending) return; // confirmed by its event meanwhile, or discarded
        // The same clientMessageId on every attempt: the server returns the first message if one
        // of the earlier attempts got through, so a flaky network never doubles it.
        const result = await api
          .mutation(SendMessageMutation, {
            input: { chatId, body: pending.body, clientMessageId, replyToId: pending.replyTo?.id ?? null },
          })
          .toPromise();
        if (result.data) {
          dispatch({ type: 'messageSaved', message: result.data.sendMessage });
          return;
        }
        // Refused as unauthenticated while still signed in: the token expired during an outage
        // and could not be refreshed yet; the next attempt refreshes it first.
        const retriable =
          isTransient(result.error) || (!!session.current() && !!result.error && isUnauthenticated(result.error));
        if (!retriable || Date.now() >= giveUpAt) {
          dispatch({ type: 'pendingFailed', chatId, clientMessageId, error: friendlyError(result.error).message });
          return;
        }
        await Promise.race([sleep(Math.min(8_000, 500 * 2 ** attempt)), woken]);
      }
    } finally {
      sending.delete(clientMessageId);
    }
  }

  return {
    add(chatId, body, replyTo) {
      const clientMessageId = newClientMessageId();
      dispatch({
        type: 'pendingAdded',
        chatId,
        pending: { clientMessageId, body, replyTo, createdAt: new Date().toISOString(), state: 'sending', error: null },
      });
      return clientMessageId;
    },
    enqueue,
    online() {
      wake();
      woken = new Promise<void>((resolve) => (wake = resolve));
    },
  };
}
