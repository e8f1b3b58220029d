import type { LoggedEvent } from '../event-log.js';

/** How long an event that came before an earlier one of its chat waits for it. */
export const REORDER_MS = 50;

interface ChatOrder {
  /** The seq the chat's next event from the bus should have. */
  next: number;
  /** Events that came before `next`, by seq. */
  early: Map<number, LoggedEvent>;
  timer?: NodeJS.Timeout | undefined;
}

/**
 * Puts each chat's events from the bus back in seq order before they are routed. Two sends to a
 * chat commit in seq order but publish in whatever order their connections answer, so under
 * concurrent writers events often arrive swapped; every subscriber of the chat would then read
 * the "gap" from the log and take the following events through its queue, once per subscriber.
 * An early event waits here (at most `waitMs`) for the one before it instead; if that one never
 * comes (its publish was lost), the early ones go on and subscribers read the gap as before.
 *
 * Only chats someone here follows are ordered (`followed`); the state of a chat is dropped with
 * its last follower.
 */
export function createReorder(options: {
  route: (event: LoggedEvent) => void;
  followed: (chatId: string) => boolean;
  waitMs?: number;
}) {
  const { route, followed, waitMs = REORDER_MS } = options;
  const chats = new Map<string, ChatOrder>();

  function release(chatId: string, order: ChatOrder) {
    clearTimeout(order.timer);
    order.timer = undefined;
    const seqs = [...order.early.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      route(order.early.get(seq)!);
      order.next = seq + 1;
    }
    order.early.clear();
    if (!followed(chatId)) chats.delete(chatId);
  }

  return {
    accept(event: LoggedEvent) {
      const order = chats.get(event.chatId);
      if (!order) {
        if (followed(event.chatId)) chats.set(event.chatId, { next: event.seq + 1, early: new Map() });
        route(event);
        return;
      }
      if (event.seq < order.next) {
        // Late (it was given up on) or a duplicate: subscribers take or drop it themselves.
        route(event);
        return;
      }
      if (event.seq > order.next) {
        order.early.set(event.seq, event);
        order.timer ??= setTimeout(() => release(event.chatId, order), waitMs);
        return;
      }
      route(event);
      order.next++;
      for (let early = order.early.get(order.next); early; early = order.early.get(order.next)) {
        order.early.delete(order.next);
        route(early);
        order.next++;
      }
      if (order.early.size === 0) {
        clearTimeout(order.timer);
        order.timer = undefined;
      }
    },
    /** The chat's last follower here is gone. */
    forget(chatId: string) {
      const order = chats.get(chatId);
      if (order && order.early.size === 0) chats.delete(chatId);
    },
    /** The bus may have lost events: what waits goes on, and order starts afresh. */
    reset() {
      for (const [chatId, order] of [...chats]) release(chatId, order);
      chats.clear();
    },
    close() {
      for (const order of chats.values()) clearTimeout(order.timer);
      chats.clear();
    },
  };
}
