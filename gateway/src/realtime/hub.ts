import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from '../../../lib/logger.js';
import {
  ChatEvent,
  type ChatServiceClient,
  type DeliverRequest,
  type DeliverResponse,
} from '../../../proto/gen/chat/v1/chat.js';
import type { ChatEventPayload } from '../mappers.js';
import { toPayload } from './payload.js';
import type { Subscription } from './subscription.js';

/**
 * Hands an event to those of its recipients that are still `current` (the others moved to
 * another call meanwhile, which replays it); returned by `prepare` once the event is rendered.
 * A recipient an event of a chat's log could not be rendered for (a service its fields need is
 * down) is given to `replay` instead: it is added again from its cursors after a pause, so that
 * the event, and what followed it, reach it once the service is back. Returns how many
 * recipients' sockets (or streams) it was written to.
 */
export type Commit = (
  current: (subscription: Subscription) => boolean,
  replay: (subscription: Subscription) => void,
) => number;
/** Renders an event for its recipients (once per plan and viewer, see fanout.ts). */
export type Prepare = (payload: ChatEventPayload, recipients: readonly Subscription[]) => Commit | Promise<Commit>;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/** Events waiting to be handed over on one call before it is paused (chat-service then buffers, up to its bound). */
const HIGH_WATER = 2_000;
const LOW_WATER = 500;

/**
 * Subscriber endings (SubscriberEnded) after which the subscription is added again, after a
 * pause, on the ready call with the fewest (which may be the same one); any other ends it.
 */
const RESUMABLE = new Set<status>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.INTERNAL, status.UNKNOWN]);

const endingError = (code: number, message: string): ServiceError =>
  Object.assign(new Error(`${code} ${status[code] ?? ''}: ${message}`), {
    code,
    details: message,
    metadata: undefined as never,
  });

/**
 * One Deliver call to one chat-service instance: it carries every subscription placed on it.
 * Events are rendered as they arrive (several at once) and handed over in arrival order.
 */
class DeliverCall {
  readonly members = new Map<number, Subscription>();
  ready = false;
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly index: number,
    readonly stream: ClientDuplexStream<DeliverRequest, DeliverResponse>,
    private readonly logger: Logger,
  ) {}

  /** Hands over in arrival order what `prepared` renders; pauses the call while too much waits. */
  inOrder(prepared: (() => void) | Promise<() => void>): void {
    if (++this.waiting === HIGH_WATER) this.stream.pause();
    this.tail = this.tail
      .then(() => prepared)
      .then(
        (commit) => commit(),
        (error: unknown) => this.logger.error({ err: error }, 'an event could not be rendered'),
      )
      .finally(() => {
        if (--this.waiting === LOW_WATER) this.stream.resume();
      });
  }
}

export interface EventHub {
  /** Starts a subscription: placed on a call, it receives its snapshot, replay and live events. */
  add(subscription: Subscription): void;
  /** Ends a subscription from this side: its client went away, read too slowly, or lost its session. */
  remove(subscription: Subscription): void;
  /** Subscriptions carried (or waiting for a call). */
  size(): number;
  /** Deliver calls open. */
  calls(): number;
  close(): void;
}

/**
 * The gateway's side of the real-time path: one Deliver call per chat-service instance carries
 * every subscription of this gateway (new subscriptions go to the instance with the fewest).
 * Each event arrives once per call with its recipients; it is decoded once and rendered once per
 * plan (see fanout.ts). When a call fails (the instance stops or cuts a slow gateway), its
 * subscriptions are added again on another instance, or on the same once it is back, with a
 * cursor for every chat; chat-service bounds the replays that follow.
 */
export function createEventHub(options: {
  clients: readonly ChatServiceClient[];
  logger: Logger;
  prepare: Prepare;
  /**
   * An event was written to `count` subscribers; `committedAtMs` is its commit in chat-service
   * for a live event, none for one read back from the log (metrics/gateway-metrics.ts).
   */
  onDelivered?: (count: number, committedAtMs: number | undefined) => void;
}): EventHub {
  const { clients, logger, prepare, onDelivered = () => {} } = options;
  const calls: (DeliverCall | undefined)[] = clients.map(() => undefined);
  const reconnectMs = clients.map(() => RETRY_MIN_MS);
  const reconnectTimers: (NodeJS.Timeout | undefined)[] = clients.map(() => undefined);
  /** Subscriptions waiting for a call that is ready. */
  const waiting = new Set<Subscription>();
  let count = 0;
  let nextId = 1;
  let closed = false;

  function connect(index: number) {
    if (closed || calls[index] || reconnectTimers[index]) return;
    const stream = clients[index]!.deliver();
    const call = new DeliverCall(index, stream, logger);
    calls[index] = call;
    // chat-service sends its headers as soon as it takes the call.
    stream.once('metadata', () => {
      call.ready = true;
      reconnectMs[index] = RETRY_MIN_MS;
      placeWaiting();
    });
    stream.on('data', (response: DeliverResponse) => receive(call, response));
    stream.on('error', (error: Error) => lost(call, error));
    stream.on('end', () => lost(call, undefined));
  }

  /** The call failed or ended: its subscriptions move; the instance is tried again later. */
  function lost(call: DeliverCall, error: Error | undefined) {
    if (calls[call.index] !== call) return;
    calls[call.index] = undefined;
    call.stream.removeAllListeners();
    call.stream.on('error', () => {}); // the cancelled call still reports CANCELLED
    call.stream.cancel();
    if (!closed) logger.warn({ err: error, call: call.index }, 'chat event call lost; moving its subscriptions');
    for (const subscription of call.members.values()) {
      subscription.id = 0;
      waiting.add(subscription);
    }
    call.members.clear();
    if (closed) return;
    const delay = reconnectMs[call.index]!;
    reconnectMs[call.index] = Math.min(delay * 2, RETRY_MAX_MS);
    reconnectTimers[call.index] = setTimeout(
      () => {
        reconnectTimers[call.index] = undefined;
        connect(call.index);
      },
      delay + Math.floor(Math.random() * delay),
    );
    placeWaiting();
  }

  function place(subscription: Subscription) {
    let best: DeliverCall | undefined;
    for (const call of calls) if (call?.ready && (!best || call.members.size < best.members.size)) best = call;
    if (!best) {
      waiting.add(subscription);
      clients.forEach((_client, index) => connect(index));
      return;
    }
    subscription.id = nextId++;
    best.members.set(subscription.id, subscription);
    best.stream.write({
      kind: {
        $case: 'add',
        add: {
          id: subscription.id,
          authorization: subscription.viewer.authorization,
          resume: subscription.resumeCursors(),
        },
      },
    });
  }

  function placeWaiting() {
    if (!calls.some((call) => call?.ready)) return;
    const all = [...waiting];
    waiting.clear();
    for (const subscription of all) place(subscription);
  }

  function receive(call: DeliverCall, response: DeliverResponse) {
    const kind = response.kind;
    switch (kind?.$case) {
      case 'delivery': {
        const event = ChatEvent.decode(kind.delivery.event);
        const payload = toPayload(event);
        if (!payload) return;
        const committedAt = event.committedAt?.getTime();
        const recipients: Subscription[] = [];
        for (const id of kind.delivery.subscribers) {
          const subscription = call.members.get(id);
          if (subscription) recipients.push(subscription);
        }
        if (recipients.length > 0) call.inOrder(current(call, recipients, prepare(payload, recipients), committedAt));
        return;
      }
      case 'snapshot': {
        const subscription = call.members.get(kind.snapshot.subscriber);
        if (!subscription) return;
        for (const joined of subscription.onSnapshot(kind.snapshot.chats)) {
          call.inOrder(current(call, [subscription], prepare(joined, [subscription]), undefined));
        }
        return;
      }
      case 'ended': {
        const { subscriber: id, code, message } = kind.ended;
        const subscription = call.members.get(id);
        if (!subscription) return;
        call.members.delete(id);
        subscription.id = 0;
        // After the events before it are handed over.
        call.inOrder(() => ended(subscription, code, message));
        return;
      }
      default:
        return;
    }
  }

  /** Hands the event over, in order, to the recipients still on this call under the id it came for. */
  function current(
    call: DeliverCall,
    recipients: readonly Subscription[],
    prepared: Commit | Promise<Commit>,
    committedAt: number | undefined,
  ) {
    const ids = new Map(recipients.map((subscription) => [subscription, subscription.id]));
    const stillHere = (subscription: Subscription) => !subscription.closed && subscription.id === ids.get(subscription);
    const replay = (subscription: Subscription) => {
      if (stillHere(subscription)) replayLater(call, subscription);
    };
    return Promise.resolve(prepared).then((commit) => () => {
      const written = commit(stillHere, replay);
      if (written > 0) onDelivered(written, committedAt);
    });
  }

  /** Per subscription, the pause before it is added again after an event failed to render for it. */
  const replayPauses = new WeakMap<Subscription, { ms: number; at: number }>();

  /**
   * Takes a subscription off its call and adds it again, from its cursors, after a pause that
   * grows while its events keep failing: what it missed is replayed then. Events of the call
   * still in flight for it are dropped (its id changes), as after a move.
   */
  function replayLater(call: DeliverCall, subscription: Subscription) {
    call.members.delete(subscription.id);
    call.stream.write({ kind: { $case: 'remove', remove: { id: subscription.id } } });
    subscription.id = 0;
    const last = replayPauses.get(subscription);
    const ms = last && Date.now() - last.at < 2 * RETRY_MAX_MS ? Math.min(last.ms * 2, RETRY_MAX_MS) : RETRY_MIN_MS;
    replayPauses.set(subscription, { ms, at: Date.now() });
    clearTimeout(subscription.retryTimer);
    subscription.retryTimer = setTimeout(() => {
      subscription.retryTimer = undefined;
      if (!subscription.closed) place(subscription);
    }, ms);
  }

  function ended(subscription: Subscription, code: number, message: string) {
    if (subscription.closed) return;
    if (!RESUMABLE.has(code)) {
      subscription.closed = true;
      count--;
      subscription.sink.end(endingError(code, message));
      return;
    }
    // Added again after a pause that grows while it keeps being ended (a service that is down).
    const delay = subscription.retryMs;
    subscription.retryMs = Math.min(Math.max(delay * 2, RETRY_MIN_MS), RETRY_MAX_MS);
    subscription.retryTimer = setTimeout(() => {
      subscription.retryTimer = undefined;
      if (!subscription.closed) place(subscription);
    }, delay);
  }

  // Every instance is called at once, so that subscriptions spread over them from the first.
  clients.forEach((_client, index) => connect(index));

  return {
    add(subscription) {
      count++;
      place(subscription);
    },
    remove(subscription) {
      if (subscription.closed) return;
      subscription.closed = true;
      count--;
      clearTimeout(subscription.retryTimer);
      waiting.delete(subscription);
      for (const call of calls) {
        if (call?.members.get(subscription.id) === subscription) {
          call.members.delete(subscription.id);
          call.stream.write({ kind: { $case: 'remove', remove: { id: subscription.id } } });
        }
      }
      subscription.id = 0;
    },
    size: () => count,
    calls: () => calls.filter((call) => call?.ready).length,
    close() {
      closed = true;
      for (const timer of reconnectTimers) clearTimeout(timer);
      for (const call of calls) if (call) lost(call, undefined);
    },
  };
}
