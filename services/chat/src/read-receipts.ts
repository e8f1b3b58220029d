import type { MikroORM } from '../../../lib/db.js';
import type { Logger } from '../../../lib/logger.js';
import type { ChatBus } from './bus.js';
import type { FanoutGate } from './fanout-gate.js';

/**
 * Read receipts (`MarkRead`), announced to every member of the chat at most once per interval
 * per chat and user: a client calling MarkRead in a loop costs one broadcast per interval, not
 * one per call. A marker that moves within the interval of the last receipt is announced when
 * the interval ends, as it is then (read again from the database), so the newest marker always
 * reaches the user's devices and the other members, just later. Every MarkRead is still written
 * at once; only its broadcast is coalesced.
 */
export function createReadReceipts(options: {
  orm: MikroORM;
  bus: ChatBus;
  gate: FanoutGate;
  intervalMs: number;
  logger: Logger;
}) {
  const { orm, bus, gate, intervalMs, logger } = options;
  /** Receipts due when their interval ends, by `chatId:userId`. */
  const later = new Map<string, NodeJS.Timeout>();

  const announce = (chatId: string, userId: string, lastReadSeq: number) =>
    bus.publish({ type: 'live', event: { kind: 'read', chatId, userId, lastReadSeq } });

  // The marker is written already: should the gate be unreachable (Redis down), announce rather
  // than fail the call.
  const take = (key: string) => gate.take(`read:${key}`, intervalMs).catch(() => 0);

  async function current(chatId: string, userId: string): Promise<number | undefined> {
    const rows = await orm.em
      .fork()
      .execute<{ last_read_seq: number }[]>(
        'SELECT last_read_seq FROM chat_members WHERE chat_id = ? AND user_id = ?',
        [chatId, userId],
      );
    return rows[0]?.last_read_seq;
  }

  function announceLater(chatId: string, userId: string, key: string, waitMs: number) {
    const timer = setTimeout(() => {
      void (async () => {
        const wait = await take(key);
        if (later.get(key) !== timer) return; // stopped meanwhile
        if (wait > 0) return announceLater(chatId, userId, key, wait);
        later.delete(key);
        const seq = await current(chatId, userId);
        if (seq !== undefined) await announce(chatId, userId, seq);
      })().catch((error: unknown) => logger.warn({ err: error }, 'a read receipt could not be announced'));
    }, waitMs);
    later.set(key, timer);
  }

  return {
    /** The caller's marker moved to `lastReadSeq`: announced now, or when the interval ends. */
    async moved(chatId: string, userId: string, lastReadSeq: number): Promise<void> {
      const key = `${chatId}:${userId}`;
      if (later.has(key)) return; // it will announce the marker as it is then
      const wait = await take(key);
      if (wait === 0) return announce(chatId, userId, lastReadSeq);
      if (!later.has(key)) announceLater(chatId, userId, key, wait);
    },
    stop() {
      for (const timer of later.values()) clearTimeout(timer);
      later.clear();
    },
  };
}

export type ReadReceipts = ReturnType<typeof createReadReceipts>;
