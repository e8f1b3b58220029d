import type { MikroORM } from '../../../../lib/db.js';
import type { EventData, LoggedEvent, LoggedKind } from '../event-log.js';
import { MESSAGE_COLUMNS, type MessageRow } from '../rows.js';

/** Events of one chat's log read per query. */
export const LOG_PAGE = 500;

interface LogRow extends MessageRow {
  event_seq: number;
  event_kind: LoggedKind;
  event_data: EventData;
  has_message: boolean;
  reply_row: MessageRow | null;
}

/**
 * Reads of the chat event log for subscribers that replay or fill a gap. Subscribers of one chat
 * tend to need the same page at the same time (a gap every member sees, a fail-over that brings
 * thousands back at once), so identical reads in flight are shared, and at most `concurrency`
 * queries run at once, whatever the number of subscribers waiting: a fail-over does not turn into
 * a thundering herd on PostgreSQL, and sends keep their connections.
 */
export function createLogReader(orm: MikroORM, concurrency = 4) {
  const inFlight = new Map<string, Promise<LoggedEvent[]>>();
  let running = 0;
  const waiting: (() => void)[] = [];

  async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, if any.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  async function query(chatId: string, afterSeq: number, untilSeq: number | undefined): Promise<LoggedEvent[]> {
    const rows = await orm.em.fork().execute<LogRow[]>(
      `SELECT e.seq AS event_seq, e.kind AS event_kind, e.data AS event_data, (m.id IS NOT NULL) AS has_message,
              ${MESSAGE_COLUMNS},
              (SELECT to_jsonb(r) FROM messages r WHERE r.id = m.reply_to_id) AS reply_row
         FROM chat_events e LEFT JOIN messages m ON m.id = e.message_id
        WHERE e.chat_id = ? AND e.seq > ? AND (?::int IS NULL OR e.seq <= ?::int)
        ORDER BY e.seq LIMIT ?`,
      [chatId, afterSeq, untilSeq ?? null, untilSeq ?? null, LOG_PAGE],
    );
    return rows.map((row) => ({
      chatId,
      seq: row.event_seq,
      kind: row.event_kind,
      data: row.event_data,
      message: row.has_message ? row : undefined,
      replyTo: row.reply_row ?? undefined,
    }));
  }

  return {
    /** Up to LOG_PAGE events of the chat after `afterSeq` (and up to `untilSeq`), in seq order. */
    page(chatId: string, afterSeq: number, untilSeq?: number): Promise<LoggedEvent[]> {
      const key = `${chatId}:${afterSeq}:${untilSeq ?? ''}`;
      let read = inFlight.get(key);
      if (!read) {
        read = limited(() => query(chatId, afterSeq, untilSeq)).finally(() => inFlight.delete(key));
        inFlight.set(key, read);
      }
      return read;
    },
    /** Runs a query of a subscriber's own (its snapshot, its memberships) within the same bound. */
    limited,
  };
}

export type LogReader = ReturnType<typeof createLogReader>;
