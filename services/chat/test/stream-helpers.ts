import { afterEach } from 'vitest';
import { status, type ClientReadableStream, type Metadata, type StatusObject } from '@grpc/grpc-js';
import type { ServiceClient } from '../../../lib/grpc/client.js';
import { leftover } from '../../../test/support/leftovers.js';
import type {
  ChatCursor,
  ChatEvent,
  ChatServiceClient,
  Message,
  Snapshot,
  SubscribeResponse,
} from '../../../proto/gen/chat/v1/chat.js';

/** The `$case` of a ChatEvent: messageCreated, chatUpdated, typing, … */
export type EventKind = NonNullable<ChatEvent['kind']>['$case'];
export type EventPredicate = (event: ChatEvent) => boolean;

/** How a Subscribe call ended: its final status, by name (`OK`, `RESOURCE_EXHAUSTED`, …). */
export interface StreamEnd {
  code: keyof typeof status;
  details: string;
}

/** Matches events of a kind, optionally of one chat. */
export const is =
  (kind: EventKind, chatId?: string): EventPredicate =>
  (event) =>
    event.kind?.$case === kind && (chatId === undefined || event.chatId === chatId);

/** The message a messageCreated/Edited/Deleted event carries. */
export function messageOf(event: ChatEvent): Message | undefined {
  switch (event.kind?.$case) {
    case 'messageCreated':
      return event.kind.messageCreated.message;
    case 'messageEdited':
      return event.kind.messageEdited.message;
    case 'messageDeleted':
      return event.kind.messageDeleted.message;
    default:
      return undefined;
  }
}

/** A message event whose message has this body. */
export const withBody =
  (body: string, chatId?: string): EventPredicate =>
  (event) =>
    messageOf(event)?.body === body && (chatId === undefined || event.chatId === chatId);

/** Events stored in a chat's log (they carry a seq), of one chat. */
export const loggedOf = (events: readonly ChatEvent[], chatId: string) =>
  events.filter((event) => event.chatId === chatId && event.seq > 0);

/** Message events as [seq, message id] pairs, to compare with `storedLog`. */
export const asLog = (events: ChatEvent[]) => events.map((e) => [e.seq, messageOf(e)?.id]);

/** The events of one chat as [kind, seq] pairs. */
export const kindsOf = (events: readonly ChatEvent[], chatId: string) =>
  events.filter((e) => e.chatId === chatId).map((e) => [e.kind?.$case, e.seq]);

/** The event of `chatId` at `seq`. */
export const atSeq =
  (chatId: string, seq: number): EventPredicate =>
  (e) =>
    e.chatId === chatId && e.seq === seq;

export const typingOf = (event: ChatEvent) => (event.kind?.$case === 'typing' ? event.kind.typing : undefined);
export const receiptOf = (event: ChatEvent) =>
  event.kind?.$case === 'readReceipt' ? event.kind.readReceipt : undefined;

/** An event in a failure message: kind(chat id prefix@seq). */
export const describeEvent = (event: ChatEvent) =>
  `${event.kind?.$case ?? '?'}(${event.chatId.slice(0, 8)}@${event.seq})`;

/** A wait on what a call received, checked again whenever something arrives. */
export interface Waiter {
  check(): boolean;
  fail(error: Error): void;
}

export interface EventStream {
  readonly call: ClientReadableStream<SubscribeResponse>;
  /** Every event received so far, in arrival order (the snapshot is not an event). */
  readonly events: ChatEvent[];
  /** Breaches of the stream's shape seen so far (a second snapshot, a snapshot after events). */
  readonly protocolErrors: string[];
  /** The stream's first message. */
  snapshot(timeoutMs?: number): Promise<Snapshot>;
  /** The next event after the last one `next` returned that matches (any event when omitted). */
  next(predicate?: EventPredicate, timeoutMs?: number): Promise<ChatEvent>;
  /**
   * Resolves once `count` events were received in total, or once one matches `predicate`: with
   * every event received up to that point.
   */
  until(target: number | EventPredicate, timeoutMs?: number): Promise<ChatEvent[]>;
  /** The final status of the call. */
  ended(timeoutMs?: number): Promise<StreamEnd>;
  /** Resolves when every response the client had received was read ('end' of the readable). */
  drained(timeoutMs?: number): Promise<void>;
  /** Cancels the call and waits for it to end (runs once; otherwise after the file's tests). */
  cancel(): Promise<void>;
}

/** How long a wait on a stream or call lasts unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Opens a Subscribe stream as the holder of `md` and collects what it receives; cancelled after
 * the file's tests (test/support/leftovers.ts) unless `cancel` was called first.
 */
export function openStream(
  client: ServiceClient<ChatServiceClient>,
  md: { metadata: Metadata },
  resume: ChatCursor[] = [],
): EventStream {
  const call = client.pick().subscribe({ resume }, md.metadata);
  const events: ChatEvent[] = [];
  const protocolErrors: string[] = [];
  let snapshot: Snapshot | undefined;
  let end: StreamEnd | undefined;
  let readableEnded = false;
  let position = 0;
  const waiters = new Set<Waiter>();

  const pump = () => {
    for (const waiter of [...waiters]) {
      if (waiter.check()) waiters.delete(waiter);
      else if (end && readableEnded) {
        waiters.delete(waiter);
        waiter.fail(new Error(`stream ended (${end.code}: ${end.details}) before the awaited event`));
      }
    }
  };

  call.on('data', (response: SubscribeResponse) => {
    if (response.payload?.$case === 'snapshot') {
      if (snapshot) protocolErrors.push('a second snapshot');
      else if (events.length > 0) protocolErrors.push('a snapshot after events');
      snapshot ??= response.payload.snapshot;
    } else if (response.payload?.$case === 'event') {
      events.push(response.payload.event);
    }
    pump();
  });
  // grpc-js reports a non-OK status as 'error' too; 'status' always comes, so it is the one used.
  call.on('error', () => {});
  call.on('status', (result: StatusObject) => {
    end = { code: status[result.code] as keyof typeof status, details: result.details };
    pump();
  });
  call.on('end', () => {
    readableEnded = true;
    pump();
  });

  function wait<T>(label: string, timeoutMs: number, ready: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const recent = events.slice(-12).map(describeEvent).join(' ') || 'no events';
        const seen = events.length > 12 ? `${events.length} events, the last: ${recent}` : recent;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; received: ${seen}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          const value = ready();
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

  return {
    call,
    events,
    protocolErrors,
    snapshot: (timeoutMs = DEFAULT_TIMEOUT_MS) => wait('the snapshot', timeoutMs, () => snapshot),
    next: (predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      wait('the next matching event', timeoutMs, () => {
        for (let i = position; i < events.length; i++) {
          if (predicate(events[i]!)) {
            position = i + 1;
            return events[i];
          }
        }
        return undefined;
      }),
    until: (target, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      wait(typeof target === 'number' ? `${target} events` : 'a matching event', timeoutMs, () => {
        if (typeof target === 'number') return events.length >= target ? events.slice() : undefined;
        const index = events.findIndex(target);
        return index === -1 ? undefined : events.slice(0, index + 1);
      }),
    ended: (timeoutMs = DEFAULT_TIMEOUT_MS) =>
      new Promise<StreamEnd>((resolve, reject) => {
        if (end) return resolve(end);
        const timer = setTimeout(() => reject(new Error(`stream did not end within ${timeoutMs} ms`)), timeoutMs);
        call.once('status', (result: StatusObject) => {
          clearTimeout(timer);
          resolve({ code: status[result.code] as keyof typeof status, details: result.details });
        });
      }),
    drained: (timeoutMs = DEFAULT_TIMEOUT_MS) =>
      new Promise<void>((resolve, reject) => {
        if (readableEnded) return resolve();
        const timer = setTimeout(() => reject(new Error(`stream was not drained within ${timeoutMs} ms`)), timeoutMs);
        call.once('end', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
    cancel: leftover(async () => {
      if (end) return;
      const ended = new Promise<void>((resolve) => call.once('status', () => resolve()));
      call.cancel();
      await ended;
    }),
  };
}

/** Closes every stream given, ignoring those already ended (for `afterEach`/`finally`). */
export async function closeAll(streams: Iterable<EventStream>): Promise<void> {
  await Promise.all([...streams].map((stream) => stream.cancel()));
}

/**
 * Subscribe streams for the tests of one file, each cancelled after its test, not only after the
 * file: the next test may count the service's subscribers, or a user's streams against a cap.
 * `subscribe` opens one on the service's client as `user`.
 */
export function useStreams(svc: { client: ServiceClient<ChatServiceClient> }) {
  const open = new Set<EventStream>();
  afterEach(async () => {
    await closeAll(open);
    open.clear();
  });
  return {
    subscribe: (user: { md: { metadata: Metadata } }, resume: ChatCursor[] = []): EventStream => {
      const stream = openStream(svc.client, user.md, resume);
      open.add(stream);
      return stream;
    },
  };
}
