import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, invalidArgument, resourceExhausted, unauthenticated, unavailable } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import type { Logger } from '../../../lib/logger.js';
import type { ChatCursor, ChatEvent, SubscribeResponse } from '../../../proto/gen/chat/v1/chat.js';
import type { BusEvent, ChatBus, LiveEvent } from './bus.js';
import type { LoggedEvent, LoggedKind, EventData } from './log.js';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from './rows.js';
import { isUuid } from './validation.js';

/**
 * Subscribe streams. Each stream follows the chats of one user: it knows, per chat, the last seq
 * it delivered, and it delivers each logged event once, in seq order, reading any gap from the
 * log. Work for a stream runs one task at a time, in arrival order.
 *
 * Opening follows the design: register for live events first (a new stream receives every event
 * until it knows its chats, and those events queue behind its start), then the snapshot, then
 * the log after each resume cursor, then live, dropping what was already sent.
 */

/** Where a stream writes; a gRPC server stream in production. */
export interface StreamSink {
  write(response: SubscribeResponse): void;
  /** Responses written but not yet sent. */
  buffered(): number;
}

export interface StreamLimits {
  /** Responses waiting to be sent, plus events waiting to be processed, before the stream is cut. */
  maxBacklog: number;
  /** Resume cursors one Subscribe may carry. */
  maxCursors: number;
}

const DEFAULT_LIMITS: StreamLimits = { maxBacklog: 2_000, maxCursors: 10_000 };
const REPLAY_PAGE = 500;

interface ReplayRow extends MessageRow {
  event_seq: number;
  event_kind: LoggedKind;
  event_data: EventData;
  has_message: boolean;
  reply_row: MessageRow | null;
}

class Stream {
  /** Per chat followed: the last seq delivered. */
  readonly chats = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  closed = false;
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: Error) => void };

  constructor(
    readonly userId: string,
    readonly sessionId: string,
    private readonly sink: StreamSink,
    private readonly hub: Hub,
  ) {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Queues work; a stream whose backlog passes the bound is ended with RESOURCE_EXHAUSTED. */
  enqueue(task: () => Promise<void>): void {
    if (this.closed) return;
    if (++this.pending + this.sink.buffered() > this.hub.limits.maxBacklog) {
      this.close(resourceExhausted('subscriber is too slow; resume from your cursors'));
      return;
    }
    this.queue = this.queue
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => this.close(error instanceof DomainError ? error : this.hub.unexpected(error)))
      .finally(() => this.pending--);
  }

  close(error?: DomainError): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.forget(this);
    if (error) this.settle.reject(error);
    else this.settle.resolve();
  }

  private write(event: ChatEvent) {
    if (!this.closed) this.sink.write({ payload: { $case: 'event', event } });
  }

  follow(chatId: string, lastSeq: number) {
    this.chats.set(chatId, lastSeq);
    this.hub.index(this, chatId);
  }

  private unfollow(chatId: string) {
    this.chats.delete(chatId);
    this.hub.unindex(this, chatId);
  }

  async start(em: EntityManager, resume: ChatCursor[]): Promise<void> {
    const cursors = new Map(resume.map((cursor) => [cursor.chatId.toLowerCase(), cursor.seq]));
    const rows = await em.execute<{ chat_id: string; last_seq: number }[]>(
      'SELECT cm.chat_id, c.last_seq FROM chat_members cm JOIN chats c ON c.id = cm.chat_id WHERE cm.user_id = ?',
      [this.userId],
    );
    for (const row of rows) {
      const cursor = cursors.get(row.chat_id);
      this.follow(row.chat_id, cursor === undefined ? row.last_seq : Math.min(cursor, row.last_seq));
    }
    this.hub.started(this);
    this.sink.write({
      payload: {
        $case: 'snapshot',
        snapshot: { chats: rows.map((row) => ({ chatId: row.chat_id, seq: row.last_seq })) },
      },
    });
    for (const row of rows) {
      if ((this.chats.get(row.chat_id) ?? row.last_seq) < row.last_seq) await this.replay(em, row.chat_id);
    }
    // A cursor for a chat the user is no longer in: if they were removed after it, they get what
    // they missed up to and including RemovedFromChat; any other such cursor is ignored.
    for (const [chatId, cursor] of cursors) {
      if (this.chats.has(chatId) || rows.some((row) => row.chat_id === chatId)) continue;
      const removal = await em.execute<{ seq: number | null }[]>(
        `SELECT min(seq) AS seq FROM chat_events
          WHERE chat_id = ? AND seq > ? AND kind IN ('member_removed', 'member_left') AND data->>'userId' = ?`,
        [chatId, cursor, this.userId],
      );
      const until = removal[0]?.seq;
      if (until === null || until === undefined) continue;
      this.follow(chatId, cursor);
      await this.replay(em, chatId, until);
    }
  }

  /**
   * Delivers the chat's logged events after the last delivered seq (up to `untilSeq`) from
   * PostgreSQL. A removal of this user inside the range ends what they see of the chat, unless a
   * later event in the range adds them back.
   */
  async replay(em: EntityManager, chatId: string, untilSeq?: number): Promise<void> {
    const start = this.chats.get(chatId);
    if (start === undefined) return;
    let from: number = start;
    for (;;) {
      if (this.closed) return;
      const rows: ReplayRow[] = await em.execute<ReplayRow[]>(
        `SELECT e.seq AS event_seq, e.kind AS event_kind, e.data AS event_data, (m.id IS NOT NULL) AS has_message,
                ${MESSAGE_COLUMNS},
                (SELECT to_jsonb(r) FROM messages r WHERE r.id = m.reply_to_id) AS reply_row
           FROM chat_events e LEFT JOIN messages m ON m.id = e.message_id
          WHERE e.chat_id = ? AND e.seq > ? AND (?::int IS NULL OR e.seq <= ?::int)
          ORDER BY e.seq LIMIT ?`,
        [chatId, from, untilSeq ?? null, untilSeq ?? null, REPLAY_PAGE],
      );
      for (const row of rows) {
        from = row.event_seq;
        const event: LoggedEvent = {
          chatId,
          seq: row.event_seq,
          kind: row.event_kind,
          data: row.event_data,
          message: row.has_message ? row : undefined,
          replyTo: row.reply_row ?? undefined,
        };
        if (!this.chats.has(chatId)) {
          if (!this.addsMe(event)) continue;
          this.follow(chatId, event.seq - 1);
        }
        const last = this.chats.get(chatId)!;
        if (event.seq > last) this.deliver(event);
      }
      if (rows.length < REPLAY_PAGE) return;
    }
  }

  private addsMe(event: LoggedEvent): boolean {
    return event.kind === 'members_added' && (event.data.userIds?.includes(this.userId) ?? false);
  }

  /** A committed event from the bus: delivered once, after any gap before it is read from the log. */
  async onLogged(em: EntityManager, event: LoggedEvent): Promise<void> {
    const last = this.chats.get(event.chatId);
    if (last === undefined) {
      if (!this.addsMe(event)) return;
      // Just added: the chat starts at this event. Events of the chat that were published before
      // this stream was indexed for it did not reach it: read them from the log.
      this.follow(event.chatId, event.seq - 1);
      this.deliver(event);
      await this.replay(em, event.chatId);
      return;
    }
    if (event.seq <= last) return;
    if (event.seq > last + 1) await this.replay(em, event.chatId, event.seq - 1);
    if (this.chats.get(event.chatId) === event.seq - 1) this.deliver(event);
  }

  /** A new chat the user is a member of: it starts at seq 0 (read from the log, should it have moved on). */
  async onCreated(em: EntityManager, chatId: string): Promise<void> {
    if (this.chats.has(chatId)) return;
    this.follow(chatId, 0);
    this.write({ chatId, seq: 0, kind: { $case: 'chatUpdated', chatUpdated: {} } });
    await this.replay(em, chatId);
  }

  /**
   * After the bus lost events: re-reads every followed chat past what was delivered, and picks up
   * chats the user joined meanwhile (whose announcement may be among the lost): from the event
   * that added them, or from seq 0 when they have been a member since the chat was created.
   */
  async resync(em: EntityManager): Promise<void> {
    for (const chatId of [...this.chats.keys()]) await this.replay(em, chatId);
    const memberships = await em.execute<{ chat_id: string; added_seq: number | null }[]>(
      `SELECT cm.chat_id,
              (SELECT max(e.seq) FROM chat_events e
                WHERE e.chat_id = cm.chat_id AND e.kind = 'members_added'
                  AND e.data->'userIds' @> jsonb_build_array(?::text)) AS added_seq
         FROM chat_members cm WHERE cm.user_id = ?`,
      [this.userId, this.userId],
    );
    for (const { chat_id: chatId, added_seq: addedSeq } of memberships) {
      if (this.chats.has(chatId) || this.closed) continue;
      if (addedSeq === null) {
        await this.onCreated(em, chatId);
      } else {
        this.follow(chatId, addedSeq - 1);
        await this.replay(em, chatId);
      }
    }
  }

  onUserUpdated(userId: string): void {
    this.write({ chatId: '', seq: 0, kind: { $case: 'userUpdated', userUpdated: { userId } } });
  }

  onLive(event: Extract<LiveEvent, { kind: 'read' | 'typing' }>): void {
    if (!this.chats.has(event.chatId)) return;
    if (event.kind === 'read') {
      this.write({
        chatId: event.chatId,
        seq: 0,
        kind: { $case: 'readReceipt', readReceipt: { userId: event.userId, lastReadSeq: event.lastReadSeq } },
      });
    } else if (event.userId !== this.userId) {
      this.write({
        chatId: event.chatId,
        seq: 0,
        kind: { $case: 'typing', typing: { userId: event.userId, typing: event.typing } },
      });
    }
  }

  private deliver(event: LoggedEvent): void {
    const base = { chatId: event.chatId, seq: event.seq };
    const message = event.message ? toMessage(event.message, event.replyTo) : undefined;
    switch (event.kind) {
      case 'message_created':
        if (message) this.write({ ...base, kind: { $case: 'messageCreated', messageCreated: { message } } });
        break;
      case 'message_edited':
        if (message) this.write({ ...base, kind: { $case: 'messageEdited', messageEdited: { message } } });
        break;
      case 'message_deleted':
        if (message) this.write({ ...base, kind: { $case: 'messageDeleted', messageDeleted: { message } } });
        break;
      case 'member_removed':
      case 'member_left':
        if (event.data.userId === this.userId) {
          // The last event of this chat for this user.
          this.write({ ...base, kind: { $case: 'removedFromChat', removedFromChat: {} } });
          this.unfollow(event.chatId);
          return;
        }
        this.write({ ...base, kind: { $case: 'chatUpdated', chatUpdated: {} } });
        break;
      case 'members_added':
      case 'role_changed':
        this.write({ ...base, kind: { $case: 'chatUpdated', chatUpdated: {} } });
        break;
    }
    if (this.chats.has(event.chatId)) this.chats.set(event.chatId, event.seq);
  }
}

interface Hub {
  limits: StreamLimits;
  index(stream: Stream, chatId: string): void;
  unindex(stream: Stream, chatId: string): void;
  started(stream: Stream): void;
  forget(stream: Stream): void;
  unexpected(error: unknown): DomainError;
}

export interface StreamHub {
  /**
   * Serves one Subscribe call until it ends: resolves when the client goes away, rejects with the
   * status to end the call with (RESOURCE_EXHAUSTED for a slow consumer, UNAVAILABLE on shutdown,
   * UNAUTHENTICATED when its session is revoked).
   */
  serve(
    caller: { userId: string; sessionId: string },
    resume: ChatCursor[],
    sink: StreamSink,
    signal: AbortSignal,
  ): Promise<void>;
  /** Ends every stream of a revoked session. */
  revokeSession(sessionId: string): void;
  /** How many streams are open (for tests and metrics). */
  size(): number;
  close(): void;
}

export function createStreamHub(options: {
  orm: MikroORM;
  bus: ChatBus;
  logger: Logger;
  limits?: Partial<StreamLimits>;
}): StreamHub {
  const { orm, bus, logger } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const byChat = new Map<string, Set<Stream>>();
  const byUser = new Map<string, Set<Stream>>();
  const bySession = new Map<string, Set<Stream>>();
  /** Streams still reading their snapshot: they see every event until they know their chats. */
  const starting = new Set<Stream>();
  const all = new Set<Stream>();

  const add = <K>(map: Map<K, Set<Stream>>, key: K, stream: Stream) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(stream);
  };
  const remove = <K>(map: Map<K, Set<Stream>>, key: K, stream: Stream) => {
    const set = map.get(key);
    if (set?.delete(stream) && set.size === 0) map.delete(key);
  };

  const hub: Hub = {
    limits,
    index: (stream, chatId) => add(byChat, chatId, stream),
    unindex: (stream, chatId) => remove(byChat, chatId, stream),
    started: (stream) => starting.delete(stream),
    forget(stream) {
      all.delete(stream);
      starting.delete(stream);
      remove(byUser, stream.userId, stream);
      remove(bySession, stream.sessionId, stream);
      for (const chatId of stream.chats.keys()) remove(byChat, chatId, stream);
    },
    unexpected(error) {
      logger.error({ err: error }, 'subscriber stream failed');
      return unavailable('stream failed; resume from your cursors');
    },
  };

  function route(busEvent: BusEvent) {
    const em = () => orm.em.fork();
    if (busEvent.type === 'logged') {
      const event = busEvent.event;
      const targets = new Set([...(byChat.get(event.chatId) ?? []), ...starting]);
      if (event.kind === 'members_added') {
        for (const userId of event.data.userIds ?? [])
          for (const stream of byUser.get(userId) ?? []) targets.add(stream);
      }
      for (const stream of targets) stream.enqueue(() => stream.onLogged(em(), event));
      return;
    }
    const event = busEvent.event;
    if (event.kind === 'created') {
      for (const userId of event.memberIds) {
        for (const stream of byUser.get(userId) ?? []) stream.enqueue(() => stream.onCreated(em(), event.chatId));
      }
      return;
    }
    if (event.kind === 'user_updated') {
      const targets = new Set(byUser.get(event.userId));
      for (const chatId of event.chatIds) for (const stream of byChat.get(chatId) ?? []) targets.add(stream);
      for (const stream of targets) stream.enqueue(async () => stream.onUserUpdated(event.userId));
      return;
    }
    for (const stream of new Set([...(byChat.get(event.chatId) ?? []), ...starting])) {
      stream.enqueue(async () => stream.onLive(event));
    }
  }

  const unsubscribe = bus.subscribe({
    event: route,
    // Events may have been lost: every stream re-reads its chats past what it delivered, and
    // looks for chats it joined meanwhile.
    reset: () => {
      for (const stream of all) stream.enqueue(() => stream.resync(orm.em.fork()));
    },
  });

  return {
    serve(caller, resume, sink, signal) {
      if (resume.length > limits.maxCursors) {
        return Promise.reject(invalidArgument('resume', `at most ${limits.maxCursors} resume cursors`));
      }
      for (const cursor of resume) {
        if (!isUuid(cursor.chatId))
          return Promise.reject(invalidArgument('resume', 'a resume cursor names no valid chat'));
        if (!Number.isInteger(cursor.seq) || cursor.seq < 0) {
          return Promise.reject(invalidArgument('resume', 'a resume cursor seq must be 0 or more'));
        }
      }
      const stream = new Stream(caller.userId, caller.sessionId, sink, hub);
      all.add(stream);
      starting.add(stream);
      add(byUser, caller.userId, stream);
      add(bySession, caller.sessionId, stream);
      stream.enqueue(() => stream.start(orm.em.fork(), resume));
      const onAbort = () => stream.close();
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) stream.close();
      return stream.done.finally(() => signal.removeEventListener('abort', onAbort));
    },
    revokeSession(sessionId) {
      for (const stream of [...(bySession.get(sessionId) ?? [])]) stream.close(unauthenticated('session revoked'));
    },
    size: () => all.size,
    close() {
      unsubscribe();
      for (const stream of [...all]) stream.close(unavailable('chat-service is shutting down; resume elsewhere'));
    },
  };
}
