import { invalidArgument, unauthenticated, unavailable, type DomainError } from '../../../../lib/errors.js';
import type { MikroORM } from '../../../../lib/db.js';
import type { Logger } from '../../../../lib/logger.js';
import type { ChatCursor } from '../../../../proto/gen/chat/v1/chat.js';
import type { BusEvent, ChatBus, LiveEvent } from '../bus.js';
import type { LoggedEvent } from '../event-log.js';
import { isUuid } from '../validation.js';
import { liveFrame, type Frame } from './frames.js';
import { createLogReader } from './log-reader.js';
import { createReorder } from './reorder.js';
import { Subscriber, type Outlet, type SubscriberHub } from './subscriber.js';

export interface DeliveryLimits {
  /** Tasks (replays, gap reads, events queued behind them) one subscriber may have waiting. */
  maxBacklog: number;
  /**
   * Resume cursors one subscriber may carry: the chats one user may be in (MAX_CHATS_PER_USER),
   * so that a cursor for every chat fits. Past it, INVALID_ARGUMENT on `resume`.
   */
  maxCursors: number;
  /** Log queries running at once for all subscribers (replays, gap reads, snapshots). */
  logConcurrency: number;
}

const DEFAULT_LIMITS: DeliveryLimits = { maxBacklog: 2_000, maxCursors: 2_000, logConcurrency: 4 };
/** Events kept for subscribers that are reading their chats; past it, they resync from the log. */
const START_LOG_MAX = 10_000;

export interface DeliveryHub {
  /**
   * Registers a subscriber of `caller` on `outlet` and starts it: snapshot, replay from `resume`,
   * then live. Throws INVALID_ARGUMENT for bad cursors.
   */
  add(
    outlet: Outlet,
    caller: { userId: string; sessionId: string; keyId: string },
    resume: ChatCursor[],
    id?: number,
  ): Subscriber;
  /** Ends every subscriber of a revoked session (UNAUTHENTICATED). */
  revokeSession(sessionId: string): void;
  /** Ends every subscriber whose token was signed by a retired key (UNAUTHENTICATED: refresh, resume). */
  retireKeys(keyIds: string[]): void;
  /** The sessions with a subscriber here: what a recheck of revocations must ask about. */
  sessions(): Iterable<string>;
  /** How many subscribers are registered. */
  size(): number;
  /** Calls `listener` when the hub closes, before its subscribers end; returns its removal. */
  onClose(listener: () => void): () => void;
  /**
   * Shutting down: every subscriber ends as UNAVAILABLE (Deliver calls end as a whole, from their
   * close listeners, before that).
   */
  close(): void;
}

/** The frames of one routed event, grouped per frame and outlet, so each outlet gets one write per frame. */
class Batch {
  private readonly sends = new Map<Frame, Map<Outlet, Subscriber[]>>();

  add(subscriber: Subscriber, frame: Frame | undefined) {
    if (!frame) return;
    let byOutlet = this.sends.get(frame);
    if (!byOutlet) this.sends.set(frame, (byOutlet = new Map<Outlet, Subscriber[]>()));
    const recipients = byOutlet.get(subscriber.outlet);
    if (recipients) recipients.push(subscriber);
    else byOutlet.set(subscriber.outlet, [subscriber]);
  }

  flush() {
    for (const [frame, byOutlet] of this.sends) {
      for (const [outlet, recipients] of byOutlet) outlet.send(recipients, frame);
    }
  }
}

/**
 * Routes committed events from the bus to subscribers, by chat membership. An event that is next
 * in its chat for an idle subscriber is taken at once and sent with every other such recipient
 * on the same outlet in one write (the frame built and encoded once); a subscriber with work
 * queued (a replay, a gap read, its start) gets the event through its own queue instead, so it
 * never holds anyone else back.
 */
export function createDeliveryHub(options: {
  orm: MikroORM;
  bus: ChatBus;
  logger: Logger;
  limits?: Partial<DeliveryLimits>;
}): DeliveryHub {
  const { orm, bus, logger } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const byChat = new Map<string, Set<Subscriber>>();
  const byUser = new Map<string, Set<Subscriber>>();
  const bySession = new Map<string, Set<Subscriber>>();
  const all = new Set<Subscriber>();
  /**
   * Subscribers reading their chats do not know yet which events are theirs: what arrives
   * meanwhile is kept here (once, whatever their number) and handed to each when it knows.
   */
  const starting = new Map<Subscriber, number>();
  const closeListeners = new Set<() => void>();
  let startLog: BusEvent[] = [];
  let startLogBase = 0;

  const add = <K>(map: Map<K, Set<Subscriber>>, key: K, subscriber: Subscriber) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(subscriber);
  };
  const remove = <K>(map: Map<K, Set<Subscriber>>, key: K, subscriber: Subscriber) => {
    const set = map.get(key);
    if (set?.delete(subscriber) && set.size === 0) map.delete(key);
  };

  const internals: SubscriberHub = {
    log: createLogReader(orm, limits.logConcurrency),
    maxBacklog: limits.maxBacklog,
    em: () => orm.em.fork(),
    index: (subscriber, chatId) => add(byChat, chatId, subscriber),
    unindex(subscriber, chatId) {
      remove(byChat, chatId, subscriber);
      if (!byChat.has(chatId)) reorder.forget(chatId);
    },
    started(subscriber) {
      const mark = starting.get(subscriber);
      starting.delete(subscriber);
      const missed = mark === undefined || mark < startLogBase ? 'lost' : startLog.slice(mark - startLogBase);
      if (starting.size === 0) {
        startLogBase += startLog.length;
        startLog = [];
      }
      return missed;
    },
    forget(subscriber) {
      all.delete(subscriber);
      starting.delete(subscriber);
      remove(byUser, subscriber.userId, subscriber);
      remove(bySession, subscriber.sessionId, subscriber);
      for (const chatId of subscriber.chats.keys()) internals.unindex(subscriber, chatId);
    },
    unexpected(error) {
      logger.error({ err: error }, 'subscriber failed');
      return unavailable('stream failed; resume from your cursors');
    },
  };

  function keepForStarting(event: BusEvent) {
    startLog.push(event);
    if (startLog.length > START_LOG_MAX) {
      // Those still reading will resync from the log instead (Subscriber.start).
      const dropped = startLog.length - START_LOG_MAX / 2;
      startLog = startLog.slice(dropped);
      startLogBase += dropped;
    }
  }

  function routeLogged(event: LoggedEvent, batch: Batch) {
    let targets: Iterable<Subscriber> = byChat.get(event.chatId) ?? [];
    if (event.kind === 'members_added') {
      const withAdded = new Set(targets);
      for (const userId of event.data.userIds ?? []) for (const s of byUser.get(userId) ?? []) withAdded.add(s);
      targets = withAdded;
    }
    for (const subscriber of targets) {
      if (subscriber.idle) {
        const last = subscriber.chats.get(event.chatId);
        if (last === undefined ? !subscriber.addsMe(event) : event.seq <= last) continue;
        if (last === event.seq - 1) {
          batch.add(subscriber, subscriber.next(event));
          continue;
        }
      }
      subscriber.enqueue(() => subscriber.onLogged(event));
    }
  }

  function liveTargets(event: LiveEvent): Iterable<Subscriber> {
    switch (event.kind) {
      case 'created':
        return new Set(event.memberIds.flatMap((userId) => [...(byUser.get(userId) ?? [])]));
      case 'read':
      case 'typing':
        return byChat.get(event.chatId) ?? [];
      case 'user_updated': {
        const targets = new Set(byUser.get(event.userId));
        for (const chatId of event.chatIds) for (const s of byChat.get(chatId) ?? []) targets.add(s);
        return targets;
      }
    }
  }

  function routeLive(event: LiveEvent, batch: Batch) {
    for (const subscriber of liveTargets(event)) {
      // A new chat needs a read of its log; and behind queued work, an event waits its turn.
      if (subscriber.idle && event.kind !== 'created') {
        if (subscriber.wants(event)) batch.add(subscriber, liveFrame(event));
      } else {
        subscriber.enqueue(() => subscriber.onBusEvent({ type: 'live', event }));
      }
    }
  }

  /** Logged events in each chat's seq order, whatever order the bus brought them in. */
  const reorder = createReorder({
    followed: (chatId) => byChat.has(chatId),
    route(event) {
      const batch = new Batch();
      routeLogged(event, batch);
      batch.flush();
    },
  });

  function route(busEvent: BusEvent) {
    if (starting.size > 0) keepForStarting(busEvent);
    if (busEvent.type === 'logged') {
      reorder.accept(busEvent.event);
      return;
    }
    const batch = new Batch();
    routeLive(busEvent.event, batch);
    batch.flush();
  }

  const unsubscribe = bus.subscribe({
    event: route,
    // Events may have been lost: every subscriber re-reads its chats past what it delivered, and
    // looks for chats it joined meanwhile.
    reset: () => {
      reorder.reset();
      for (const subscriber of all) subscriber.enqueue(() => subscriber.resync());
    },
  });

  function checkCursors(resume: ChatCursor[]) {
    if (resume.length > limits.maxCursors)
      throw invalidArgument('resume', `at most ${limits.maxCursors} resume cursors`);
    for (const cursor of resume) {
      if (!isUuid(cursor.chatId)) throw invalidArgument('resume', 'a resume cursor names no valid chat');
      if (!Number.isInteger(cursor.seq) || cursor.seq < 0) {
        throw invalidArgument('resume', 'a resume cursor seq must be 0 or more');
      }
    }
  }

  return {
    add(outlet, caller, resume, id = 0) {
      checkCursors(resume);
      const subscriber = new Subscriber(id, caller.userId, caller.sessionId, caller.keyId, outlet, internals);
      all.add(subscriber);
      starting.set(subscriber, startLogBase + startLog.length);
      add(byUser, caller.userId, subscriber);
      add(bySession, caller.sessionId, subscriber);
      subscriber.enqueue(() => subscriber.start(resume));
      return subscriber;
    },
    revokeSession(sessionId) {
      for (const subscriber of [...(bySession.get(sessionId) ?? [])])
        subscriber.end(unauthenticated('session revoked'));
    },
    retireKeys(keyIds) {
      const retired = new Set(keyIds);
      const ended = unauthenticated('the access token was signed by a retired key; refresh it and resume');
      for (const subscriber of [...all]) if (retired.has(subscriber.keyId)) subscriber.end(ended);
    },
    sessions: () => bySession.keys(),
    size: () => all.size,
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      unsubscribe();
      reorder.close();
      for (const listener of closeListeners) listener();
      const shutdown: DomainError = unavailable('chat-service is shutting down; resume elsewhere');
      for (const subscriber of [...all]) subscriber.end(shutdown);
    },
  };
}
