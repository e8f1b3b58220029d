import { afterEach, expect } from 'vitest';
import { status, type ClientDuplexStream, type Metadata, type StatusObject } from '@grpc/grpc-js';
import type { ServiceClient } from '../../../lib/grpc/client.js';
import { leftover } from '../../../test/support/leftovers.js';
import {
  ChatEvent,
  type ChatCursor,
  type ChatServiceClient,
  type DeliverRequest,
  type DeliverResponse,
  type SubscriberSnapshot,
} from '../../../proto/gen/chat/v1/chat.js';
import type { ChatService } from './helpers.js';
import {
  DEFAULT_TIMEOUT_MS,
  describeEvent,
  loggedOf,
  type EventPredicate,
  type StreamEnd,
  type Waiter,
} from './stream-helpers.js';

/** How the server ended one subscriber (SubscriberEnded): its status by name, and its message. */
export interface SubscriberEnd {
  code: keyof typeof status;
  message: string;
}

/** One Delivery as received: the ids it named, and its event decoded. */
export interface ReceivedDelivery {
  subscribers: number[];
  event: ChatEvent;
}

/** Who a subscriber is added as: a test user (its access token), or a raw `authorization` value. */
export type Credentials = { id: string; token: string } | { authorization: string };

export interface DeliverSubscriber {
  readonly id: number;
  /** The user it was added for; undefined when added with a raw authorization. */
  readonly userId: string | undefined;
  /** Every event delivered to it, in arrival order (the snapshot is not an event). */
  readonly events: ChatEvent[];
  /** Its snapshot, once received. */
  readonly received: SubscriberSnapshot | undefined;
  /** Its SubscriberEnded messages, in arrival order (normally none or one). */
  readonly endings: SubscriberEnd[];
  /** Breaches of a subscriber's shape: an event before its snapshot, a second snapshot, anything after its end. */
  readonly protocolErrors: string[];
  /** Its first message. Fails at once if it is ended instead. */
  snapshot(timeoutMs?: number): Promise<SubscriberSnapshot>;
  /** The next event after the last one `next` returned that matches (any event when omitted). */
  next(predicate?: EventPredicate, timeoutMs?: number): Promise<ChatEvent>;
  /** Resolves once `count` events were received, or one matches `predicate`: with every event up to it. */
  until(target: number | EventPredicate, timeoutMs?: number): Promise<ChatEvent[]>;
  /** Its first SubscriberEnded. */
  ended(timeoutMs?: number): Promise<SubscriberEnd>;
  /** Resume cursors as a gateway keeps them: per chat, its snapshot seq, then the last logged seq received. */
  cursors(): ChatCursor[];
}

export interface DeliverCall {
  readonly call: ClientDuplexStream<DeliverRequest, DeliverResponse>;
  /** Every Delivery received, in arrival order: how many one event took, and which ids each named. */
  readonly deliveries: ReceivedDelivery[];
  /** Breaches of the call's shape: a message for an id not on it, an id named twice in one Delivery. */
  readonly protocolErrors: string[];
  /** The response headers (the server sends them as soon as it takes the call). */
  headers(timeoutMs?: number): Promise<Metadata>;
  /** Adds a subscriber with an id chosen here (or `options.id`, which must not be in use here). */
  add(who: Credentials, resume?: ChatCursor[], options?: { id?: number }): DeliverSubscriber;
  /** Writes a request as given, bypassing the bookkeeping (e.g. an add reusing an id in use). */
  send(request: DeliverRequest): void;
  /**
   * Removes the subscriber and waits until the server has handled it (see `fence`): what it
   * received before stays in its `events`; anything naming its id later is a protocol error.
   */
  remove(subscriber: DeliverSubscriber): Promise<void>;
  /**
   * Resolves once the server has handled every request written before, and every message it
   * wrote before handling them was received: an add with an invalid token is written, and the
   * call is ordered, so its refusal comes after all of that.
   */
  fence(timeoutMs?: number): Promise<void>;
  /** The final status of the call. */
  ended(timeoutMs?: number): Promise<StreamEnd>;
  /** Resolves once every response the client had received was read ('end' of the readable). */
  drained(timeoutMs?: number): Promise<void>;
  /** Ends the call from the caller's side (half-close) and waits for its status. */
  close(timeoutMs?: number): Promise<StreamEnd>;
  /** Cancels the call and waits for it to end (runs once; otherwise after the file's tests). */
  cancel(): Promise<void>;
}

/** Ids of the fences' throwaway adds, far from the subscribers' own. */
const FENCE_IDS = 1_000_000;

const lastOf = <T>(items: readonly T[], show: (item: T) => string) => {
  const recent = items.slice(-12).map(show).join(' ') || 'none';
  return items.length > 12 ? `${items.length}, the last: ${recent}` : recent;
};

const codeName = (code: number) => (status[code] ?? `code ${code}`) as keyof typeof status;

class Subscriber implements DeliverSubscriber {
  readonly events: ChatEvent[] = [];
  readonly endings: SubscriberEnd[] = [];
  readonly protocolErrors: string[] = [];
  received: SubscriberSnapshot | undefined;
  position = 0;
  readonly lastSeqs = new Map<string, number>();

  constructor(
    readonly id: number,
    readonly userId: string | undefined,
    private readonly waitFor: <T>(label: string, timeoutMs: number, ready: () => T | undefined) => Promise<T>,
  ) {}

  describe(): string {
    const who = this.userId ? ` (user ${this.userId.slice(0, 8)})` : '';
    const ended = this.endings.map((end) => `${end.code}: ${end.message}`).join(', ') || 'no';
    return `subscriber #${this.id}${who}: snapshot ${this.received ? 'yes' : 'no'}, events ${lastOf(this.events, describeEvent)}; ended: ${ended}`;
  }

  onSnapshot(snapshot: SubscriberSnapshot) {
    if (this.received) this.protocolErrors.push('a second snapshot');
    else if (this.events.length > 0) this.protocolErrors.push('a snapshot after events');
    if (this.endings.length > 0) this.protocolErrors.push('a snapshot after its end');
    this.received ??= snapshot;
    for (const chat of snapshot.chats) if (!this.lastSeqs.has(chat.chatId)) this.lastSeqs.set(chat.chatId, chat.seq);
  }

  onEvent(event: ChatEvent) {
    if (!this.received) this.protocolErrors.push(`${describeEvent(event)} before the snapshot`);
    if (this.endings.length > 0) this.protocolErrors.push(`${describeEvent(event)} after its end`);
    this.events.push(event);
    if (event.seq > 0) this.lastSeqs.set(event.chatId, event.seq);
  }

  snapshot(timeoutMs = DEFAULT_TIMEOUT_MS) {
    return this.waitFor(`the snapshot of subscriber #${this.id}`, timeoutMs, () => {
      if (this.received) return this.received;
      const end = this.endings[0];
      if (end) throw new Error(`subscriber #${this.id} was ended (${end.code}: ${end.message}) before its snapshot`);
      return undefined;
    });
  }

  next(predicate: EventPredicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
    return this.waitFor(`the next matching event of subscriber #${this.id}`, timeoutMs, () => {
      for (let i = this.position; i < this.events.length; i++) {
        if (predicate(this.events[i]!)) {
          this.position = i + 1;
          return this.events[i];
        }
      }
      return undefined;
    });
  }

  until(target: number | EventPredicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const label = typeof target === 'number' ? `${target} events` : 'a matching event';
    return this.waitFor(`${label} of subscriber #${this.id}`, timeoutMs, () => {
      if (typeof target === 'number') return this.events.length >= target ? this.events.slice() : undefined;
      const index = this.events.findIndex(target);
      return index === -1 ? undefined : this.events.slice(0, index + 1);
    });
  }

  ended(timeoutMs = DEFAULT_TIMEOUT_MS) {
    return this.waitFor(`the end of subscriber #${this.id}`, timeoutMs, () => this.endings[0]);
  }

  cursors(): ChatCursor[] {
    return [...this.lastSeqs].map(([chatId, seq]) => ({ chatId, seq }));
  }
}

/**
 * Opens a Deliver call and collects what it receives: per subscriber its snapshot, its events
 * (decoded from the Deliveries naming it) and its end; the raw Deliveries; the call's status.
 * Waits time out with what was received. Cancelled after the file's tests
 * (test/support/leftovers.ts) unless `cancel` was called first.
 */
export function openDeliver(client: ServiceClient<ChatServiceClient>): DeliverCall {
  const call = client.pick().deliver();
  const deliveries: ReceivedDelivery[] = [];
  const protocolErrors: string[] = [];
  /** The subscribers on the call, by id: a removed one leaves once its removal was fenced. */
  const byId = new Map<number, Subscriber>();
  const all: Subscriber[] = [];
  const fences = new Map<number, () => void>();
  let nextId = 1;
  let nextFenceId = FENCE_IDS;
  let headers: Metadata | undefined;
  let end: StreamEnd | undefined;
  let readableEnded = false;
  const waiters = new Set<Waiter>();

  const summary = () => {
    const subscribers = all.map((subscriber) => subscriber.describe()).join('\n  ');
    const shown = (d: ReceivedDelivery) => `[${d.subscribers.join(',')}]${describeEvent(d.event)}`;
    const ended = end ? `${end.code}: ${end.details}` : 'not yet';
    return `deliveries ${lastOf(deliveries, shown)}; call ended: ${ended}\n  ${subscribers}`;
  };

  const pump = () => {
    for (const waiter of [...waiters]) {
      if (waiter.check()) waiters.delete(waiter);
      else if (end && readableEnded) {
        waiters.delete(waiter);
        waiter.fail(new Error(`call ended (${end.code}: ${end.details}) before what was awaited; ${summary()}`));
      }
    }
  };

  function wait<T>(label: string, timeoutMs: number, ready: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; received: ${summary()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          let value: T | undefined;
          try {
            value = ready();
          } catch (error) {
            this.fail(error as Error);
            return true;
          }
          if (value === undefined) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        fail(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (!waiter.check()) {
        waiters.add(waiter);
        pump();
      }
    });
  }

  const subscriberFor = (id: number, what: string) => {
    const subscriber = byId.get(id);
    if (!subscriber) protocolErrors.push(`${what} for subscriber ${id}, which is not on the call`);
    return subscriber;
  };

  call.on('metadata', (metadata: Metadata) => {
    headers = metadata;
    pump();
  });
  call.on('data', (response: DeliverResponse) => {
    const kind = response.kind;
    if (kind?.$case === 'snapshot') {
      subscriberFor(kind.snapshot.subscriber, 'a snapshot')?.onSnapshot(kind.snapshot);
    } else if (kind?.$case === 'delivery') {
      const event = ChatEvent.decode(kind.delivery.event);
      const ids = kind.delivery.subscribers;
      deliveries.push({ subscribers: ids, event });
      if (new Set(ids).size !== ids.length)
        protocolErrors.push(`${describeEvent(event)} names an id twice: ${ids.join(',')}`);
      for (const id of ids) subscriberFor(id, describeEvent(event))?.onEvent(event);
    } else if (kind?.$case === 'ended') {
      const { subscriber: id, code, message } = kind.ended;
      const fenced = fences.get(id);
      if (fenced) {
        fences.delete(id);
        fenced();
      } else {
        subscriberFor(id, `an end (${codeName(code)})`)?.endings.push({ code: codeName(code), message });
      }
    }
    pump();
  });
  // grpc-js reports a non-OK status as 'error' too; 'status' always comes, so it is the one used.
  call.on('error', () => {});
  call.on('status', (result: StatusObject) => {
    end = { code: codeName(result.code), details: result.details };
    pump();
  });
  call.on('end', () => {
    readableEnded = true;
    pump();
  });

  const send = (request: DeliverRequest) => {
    call.write(request);
  };

  function fence(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const id = nextFenceId++;
    let done = false;
    fences.set(id, () => (done = true));
    send({ kind: { $case: 'add', add: { id, authorization: 'Bearer not-a-token', resume: [] } } });
    return wait(`the fence ${id}`, timeoutMs, () => (done ? true : undefined)).then(() => undefined);
  }

  function ended(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<StreamEnd> {
    return new Promise<StreamEnd>((resolve, reject) => {
      if (end) return resolve(end);
      const timer = setTimeout(
        () => reject(new Error(`call did not end within ${timeoutMs} ms; received: ${summary()}`)),
        timeoutMs,
      );
      call.once('status', (result: StatusObject) => {
        clearTimeout(timer);
        resolve({ code: codeName(result.code), details: result.details });
      });
    });
  }

  return {
    call,
    deliveries,
    protocolErrors,
    headers: (timeoutMs = DEFAULT_TIMEOUT_MS) => wait('the response headers', timeoutMs, () => headers),
    add(who, resume = [], options = {}) {
      const id = options.id ?? nextId++;
      if (byId.has(id)) throw new Error(`subscriber ${id} is on the call: use send() to add it twice`);
      const authorization = 'authorization' in who ? who.authorization : `Bearer ${who.token}`;
      const subscriber = new Subscriber(id, 'id' in who ? who.id : undefined, wait);
      byId.set(id, subscriber);
      all.push(subscriber);
      send({ kind: { $case: 'add', add: { id, authorization, resume } } });
      return subscriber;
    },
    send,
    async remove(subscriber) {
      send({ kind: { $case: 'remove', remove: { id: subscriber.id } } });
      await fence();
      if (byId.get(subscriber.id) === subscriber) byId.delete(subscriber.id);
    },
    fence,
    ended,
    drained: (timeoutMs = DEFAULT_TIMEOUT_MS) =>
      new Promise<void>((resolve, reject) => {
        if (readableEnded) return resolve();
        const timer = setTimeout(() => reject(new Error(`call was not drained within ${timeoutMs} ms`)), timeoutMs);
        call.once('end', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    async close(timeoutMs = DEFAULT_TIMEOUT_MS) {
      if (!end) call.end();
      return ended(timeoutMs);
    },
    cancel: leftover(async () => {
      if (end) return;
      const over = new Promise<void>((resolve) => call.once('status', () => resolve()));
      call.cancel();
      await over;
    }),
  };
}

/** Cancels every call given, ignoring those already ended (for `afterEach`/`finally`). */
export async function cancelAll(calls: Iterable<DeliverCall>): Promise<void> {
  await Promise.all([...calls].map((call) => call.cancel()));
}

/**
 * Deliver calls for the tests of one file: `deliverOn` opens one (on the service's client, or
 * `client`), cancelled after its test, not only after the file: the next test counts the
 * service's subscribers.
 */
export function useDeliverCalls() {
  const open = new Set<DeliverCall>();
  afterEach(async () => {
    await cancelAll(open);
    open.clear();
  });
  return {
    deliverOn: (svc: ChatService, client = svc.client): DeliverCall => {
      const call = openDeliver(client);
      open.add(call);
      return call;
    },
  };
}

/** The seqs of `chatId`'s logged events a subscriber received. */
export const seqsOf = (subscriber: DeliverSubscriber, chatId: string) =>
  loggedOf(subscriber.events, chatId).map((e) => e.seq);
export const idsOf = (subscribers: DeliverSubscriber[]) => subscribers.map((s) => s.id).sort((a, b) => a - b);
export const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** The Deliveries that carried the event of `chatId` at `seq` (live events have seq 0: pass a predicate). */
export const deliveriesOf = (call: DeliverCall, chatId: string, seq: number | ((event: ChatEvent) => boolean)) =>
  call.deliveries.filter((d) =>
    typeof seq === 'number'
      ? d.event.chatId === chatId && d.event.seq === seq
      : d.event.chatId === chatId && seq(d.event),
  );

/** No breach of the call's shape, nor of any of `subscribers`'. */
export function expectClean(call: DeliverCall, subscribers: DeliverSubscriber[]) {
  expect(call.protocolErrors).toEqual([]);
  for (const subscriber of subscribers) expect(subscriber.protocolErrors).toEqual([]);
}
