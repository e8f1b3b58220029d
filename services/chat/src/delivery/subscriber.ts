import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, resourceExhausted } from '../../../../lib/errors.js';
import type { ChatCursor } from '../../../../proto/gen/chat/v1/chat.js';
import type { BusEvent, LiveEvent } from '../bus.js';
import type { LoggedEvent } from '../event-log.js';
import { uuidArray } from '../rows.js';
import { liveFrame, loggedFrame, loggedFrameWithout, type Frame } from './frames.js';
import { LOG_PAGE, type LogReader } from './log-reader.js';

/**
 * Where a subscriber's messages go: one gRPC call, which may carry many subscribers (Deliver) or
 * one (Subscribe). Writes of one outlet reach the client in order; an outlet whose client reads
 * too slowly cuts it (call-writer.ts).
 */
export interface Outlet {
  /**
   * Sends one event to some of this outlet's subscribers. `paced`: part of a replay that waited
   * for `room()`, which never counts as a slow client.
   */
  send(subscribers: readonly Subscriber[], frame: Frame, paced?: boolean): void;
  /** A subscriber's first message: its chats and their last seq. */
  snapshot(subscriber: Subscriber, chats: ChatCursor[]): void;
  /** The server ended the subscriber, with the status to report (none: it simply ends). */
  ended(subscriber: Subscriber, error: DomainError | undefined): void;
  /** Resolves when the outlet has room for a page of replay. */
  room(): Promise<void>;
}

/** What a subscriber needs of the hub that routes events to it. */
export interface SubscriberHub {
  readonly log: LogReader;
  maxBacklog: number;
  em(): EntityManager;
  index(subscriber: Subscriber, chatId: string): void;
  unindex(subscriber: Subscriber, chatId: string): void;
  /** The subscriber knows its chats: the events that arrived meanwhile ('lost' if too many). */
  started(subscriber: Subscriber): BusEvent[] | 'lost';
  forget(subscriber: Subscriber): void;
  unexpected(error: unknown): DomainError;
}

/**
 * One subscriber: the chats of one user as one client follows them. It knows, per chat, the last
 * seq it delivered, and delivers each logged event once, in seq order, reading any gap from the
 * log. Work that needs the database runs as tasks, one at a time in arrival order; an event that
 * is simply next in its chat while no task is waiting is taken at once (`next`), so that the hub
 * can send it to every such subscriber in one write.
 *
 * Per-subscriber work is only this bookkeeping: the event's frame is shared by every recipient.
 */
export class Subscriber {
  /** Per chat followed: the last seq delivered. */
  readonly chats = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  /** Tasks queued or running; while there are any, events go through the queue too. */
  pending = 0;
  closed = false;

  constructor(
    /** The caller's id for it on its outlet (Deliver); 0 on Subscribe. */
    readonly id: number,
    readonly userId: string,
    readonly sessionId: string,
    /** The `kid` of the key that signed the caller's token. */
    readonly keyId: string,
    readonly outlet: Outlet,
    private readonly hub: SubscriberHub,
  ) {}

  get idle(): boolean {
    return this.pending === 0 && !this.closed;
  }

  /** Queues work; a subscriber whose backlog passes the bound is ended with RESOURCE_EXHAUSTED. */
  enqueue(task: () => Promise<void>): void {
    if (this.closed) return;
    if (++this.pending > this.hub.maxBacklog) {
      this.end(resourceExhausted('subscriber is too slow; resume from your cursors'));
      return;
    }
    this.queue = this.queue
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => this.end(error instanceof DomainError ? error : this.hub.unexpected(error)))
      .finally(() => this.pending--);
  }

  /** Ends the subscriber from the server's side; the outlet reports it. */
  end(error?: DomainError): void {
    if (this.dispose()) this.outlet.ended(this, error);
  }

  /** Takes the subscriber off the hub (its client went away); true the first time. */
  dispose(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.hub.forget(this);
    return true;
  }

  private send(frame: Frame | undefined, paced = false) {
    if (frame && !this.closed) this.outlet.send([this], frame, paced);
  }

  follow(chatId: string, lastSeq: number) {
    this.chats.set(chatId, lastSeq);
    this.hub.index(this, chatId);
  }

  private unfollow(chatId: string) {
    this.chats.delete(chatId);
    this.hub.unindex(this, chatId);
  }

  addsMe(event: LoggedEvent): boolean {
    return event.kind === 'members_added' && (event.data.userIds?.includes(this.userId) ?? false);
  }

  /**
   * Delivers `event`, which must be the next of a followed chat: moves the cursor (or stops
   * following the chat after the user's own removal) and returns the frame to send. `hidden`: the
   * messages of a replay this user may not see as they are now (see `hiddenChanges`).
   */
  next(event: LoggedEvent, hidden?: ReadonlySet<string>): Frame | undefined {
    const removed = this.removes(event);
    if (removed)
      this.unfollow(event.chatId); // RemovedFromChat is the last event of the chat
    else this.chats.set(event.chatId, event.seq);
    if (hidden?.size && !removed) return loggedFrameWithout(event, hidden);
    return loggedFrame(event, removed ? this.userId : undefined);
  }

  private removes(event: LoggedEvent): boolean {
    return (event.kind === 'member_removed' || event.kind === 'member_left') && event.data.userId === this.userId;
  }

  /** Whether a live event is for this subscriber. */
  wants(event: LiveEvent): boolean {
    switch (event.kind) {
      case 'created':
        return !this.chats.has(event.chatId) && event.memberIds.includes(this.userId);
      case 'read':
        return this.chats.has(event.chatId);
      case 'typing':
        // Not one's own typing.
        return this.chats.has(event.chatId) && event.userId !== this.userId;
      case 'user_updated':
        return event.userId === this.userId || event.chatIds.some((chatId) => this.chats.has(chatId));
    }
  }

  /**
   * Opening, as the design has it: registered for live events first (the hub keeps what arrives
   * until the chats are known), then the snapshot, then the log after each resume cursor, then
   * live, dropping what was already sent.
   */
  async start(resume: ChatCursor[]): Promise<void> {
    const cursors = new Map(resume.map((cursor) => [cursor.chatId.toLowerCase(), cursor.seq]));
    const rows = await this.hub.log.limited(() =>
      this.hub
        .em()
        .execute<{ chat_id: string; last_seq: number }[]>(
          'SELECT cm.chat_id, c.last_seq FROM chat_members cm JOIN chats c ON c.id = cm.chat_id WHERE cm.user_id = ?',
          [this.userId],
        ),
    );
    if (this.closed) return;
    for (const row of rows) {
      const cursor = cursors.get(row.chat_id);
      this.follow(row.chat_id, cursor === undefined ? row.last_seq : Math.min(cursor, row.last_seq));
    }
    const missed = this.hub.started(this);
    this.outlet.snapshot(
      this,
      rows.map((row) => ({ chatId: row.chat_id, seq: row.last_seq })),
    );
    // What arrived while the chats were read goes through the queue, behind this task.
    if (missed === 'lost') this.enqueue(() => this.resync());
    else for (const event of missed) this.enqueue(() => this.onBusEvent(event));
    for (const row of rows) {
      if ((this.chats.get(row.chat_id) ?? row.last_seq) < row.last_seq) await this.replay(row.chat_id);
    }
    // A cursor for a chat the user is no longer in: if they were removed after it, they get what
    // they missed up to and including RemovedFromChat; any other such cursor (a chat they were
    // never in; duplicates were merged above) is ignored. One query asks about all of them, so a
    // resume full of such cursors costs what one costs.
    const member = new Set(rows.map((row) => row.chat_id));
    const others = [...cursors].filter(([chatId]) => !member.has(chatId) && !this.chats.has(chatId));
    if (others.length === 0) return;
    const removals = await this.hub.log.limited(() =>
      this.hub.em().execute<{ chat_id: string; seq: number }[]>(
        `SELECT c.chat_id, r.seq FROM unnest(?::uuid[], ?::bigint[]) AS c(chat_id, after)
           CROSS JOIN LATERAL (
             SELECT min(e.seq) AS seq FROM chat_events e
              WHERE e.chat_id = c.chat_id AND e.seq > c.after
                AND e.kind IN ('member_removed', 'member_left') AND e.data->>'userId' = ?) AS r
          WHERE r.seq IS NOT NULL`,
        [uuidArray(others.map(([chatId]) => chatId)), `{${others.map(([, seq]) => seq).join(',')}}`, this.userId],
      ),
    );
    const removedAt = new Map(removals.map((row) => [row.chat_id, row.seq]));
    for (const [chatId, cursor] of others) {
      const until = removedAt.get(chatId);
      if (until === undefined || this.closed) continue;
      this.follow(chatId, cursor);
      await this.replay(chatId, until);
    }
  }

  /**
   * Delivers the chat's logged events after the last delivered seq (up to `untilSeq`) from the
   * log. A removal of this user inside the range ends what they see of the chat, unless a later
   * event in the range adds them back.
   */
  async replay(chatId: string, untilSeq?: number): Promise<void> {
    let from = this.chats.get(chatId);
    if (from === undefined) return;
    for (;;) {
      await this.outlet.room();
      if (this.closed) return;
      const events = await this.hub.log.page(chatId, from, untilSeq);
      const hidden = await this.hiddenChanges(chatId, events);
      if (this.closed) return;
      for (const event of events) {
        from = event.seq;
        if (!this.chats.has(chatId)) {
          if (!this.addsMe(event)) continue;
          this.follow(chatId, event.seq - 1);
        }
        if (event.seq > this.chats.get(chatId)!) this.send(this.next(event, hidden), true);
      }
      if (events.length < LOG_PAGE) return;
    }
  }

  /**
   * The log hands a replay each message as it is now (log-reader.ts), with every later edit and
   * its deletion: right for a member, who may read that state in the history anyway, but a user
   * removed from the chat (or who left it) must not learn anything written after their removal —
   * a removed member resuming from an old cursor, or a gap read that races their removal. The log
   * keeps no earlier versions of a message, so a message changed after the removal is left out of
   * this user's replay altogether (a reply to one loses its embedded `replyTo`).
   *
   * Per-subscriber work, and only when needed: the page shows a message that has changed at some
   * time (edited or deleted), and the user is no longer a member or the page holds their removal.
   */
  private async hiddenChanges(chatId: string, events: readonly LoggedEvent[]): Promise<Set<string> | undefined> {
    const changed = new Set<string>();
    for (const event of events) {
      for (const row of [event.message, event.replyTo]) {
        if (row && (row.edited_at !== null || row.deleted_at !== null)) changed.add(row.id);
      }
    }
    const first = events[0];
    if (changed.size === 0 || !first) return undefined;
    if (!events.some((event) => this.removes(event))) {
      const member = await this.hub.log.limited(() =>
        this.hub
          .em()
          .execute<unknown[]>('SELECT 1 FROM chat_members WHERE chat_id = ? AND user_id = ?', [chatId, this.userId]),
      );
      // Still a member (checked after the page was read): every state the page shows is theirs to see.
      if (member.length > 0) return undefined;
    }
    const rows = await this.hub.log.limited(() =>
      this.hub.em().execute<{ message_id: string }[]>(
        `WITH removal AS (
           SELECT min(seq) AS seq FROM chat_events
            WHERE chat_id = ? AND seq >= ? AND kind IN ('member_removed', 'member_left') AND data->>'userId' = ?)
         SELECT DISTINCT e.message_id FROM chat_events e, removal r
          WHERE e.chat_id = ? AND e.seq > r.seq AND e.message_id = ANY(?::uuid[])`,
        [chatId, first.seq, this.userId, chatId, uuidArray([...changed])],
      ),
    );
    return new Set(rows.map((row) => row.message_id));
  }

  /** Any event from the bus, in the queue's order. */
  async onBusEvent(busEvent: BusEvent): Promise<void> {
    if (busEvent.type === 'logged') return this.onLogged(busEvent.event);
    const event = busEvent.event;
    if (!this.wants(event)) return;
    if (event.kind === 'created') return this.onCreated(event);
    this.send(liveFrame(event));
  }

  /** A committed event: delivered once, after any gap before it is read from the log. */
  async onLogged(event: LoggedEvent): Promise<void> {
    const last = this.chats.get(event.chatId);
    if (last === undefined) {
      if (!this.addsMe(event)) return;
      // Just added: the chat starts at this event. Events of the chat that were published before
      // this subscriber was indexed for it did not reach it: read them from the log.
      this.follow(event.chatId, event.seq - 1);
      this.send(this.next(event));
      await this.replay(event.chatId);
      return;
    }
    if (event.seq <= last) return;
    if (event.seq > last + 1) await this.replay(event.chatId, event.seq - 1);
    if (this.chats.get(event.chatId) === event.seq - 1) this.send(this.next(event));
  }

  /** A new chat the user is a member of: it starts at seq 0 (read from the log, should it have moved on). */
  async onCreated(event: Extract<LiveEvent, { kind: 'created' }>): Promise<void> {
    if (this.chats.has(event.chatId)) return;
    this.follow(event.chatId, 0);
    this.send(liveFrame(event));
    await this.replay(event.chatId);
  }

  /**
   * After the bus lost events: re-reads every followed chat past what was delivered, and picks up
   * chats the user joined meanwhile (whose announcement may be among the lost): from the event
   * that added them, or from seq 0 when they have been a member since the chat was created.
   */
  async resync(): Promise<void> {
    for (const chatId of [...this.chats.keys()]) await this.replay(chatId);
    const memberships = await this.hub.log.limited(() =>
      this.hub.em().execute<{ chat_id: string; added_seq: number | null }[]>(
        `SELECT cm.chat_id,
                (SELECT max(e.seq) FROM chat_events e
                  WHERE e.chat_id = cm.chat_id AND e.kind = 'members_added'
                    AND e.data->'userIds' @> jsonb_build_array(?::text)) AS added_seq
           FROM chat_members cm WHERE cm.user_id = ?`,
        [this.userId, this.userId],
      ),
    );
    for (const { chat_id: chatId, added_seq: addedSeq } of memberships) {
      if (this.chats.has(chatId) || this.closed) continue;
      if (addedSeq === null) {
        await this.onCreated({ kind: 'created', chatId, memberIds: [this.userId] });
      } else {
        this.follow(chatId, addedSeq - 1);
        await this.replay(chatId);
      }
    }
  }
}
