import { EventEmitter } from 'node:events';
import type { LoggedEvent } from './event-log.js';

/** Events that are not in the log: published live only. */
export type LiveEvent = LiveChange & {
  /** When it was published (ms since the epoch): see `committedNow`. */
  committedAt?: number | undefined;
};

type LiveChange =
  /** A new chat (seq 0, not logged): its members' streams start following it. */
  | { kind: 'created'; chatId: string; memberIds: string[] }
  | { kind: 'read'; chatId: string; userId: string; lastReadSeq: number }
  | { kind: 'typing'; chatId: string; userId: string; typing: boolean }
  /** A profile changed: everyone sharing one of `chatIds` with the user, and the user, hear of it. */
  | { kind: 'user_updated'; userId: string; chatIds: string[] };

export type BusEvent = { type: 'logged'; event: LoggedEvent } | { type: 'live'; event: LiveEvent };

export interface BusListener {
  event(event: BusEvent): void;
  /** The bus may have lost events (its connection dropped and came back). */
  reset?(): void;
}

/**
 * Carries committed events from the instance that made them to every instance's subscriber
 * streams. Publish after commit only; `publish` never rejects (a lost event is recovered from
 * the log by the streams).
 */
export interface ChatBus {
  publish(event: BusEvent): Promise<void>;
  subscribe(listener: BusListener): () => void;
  close(): Promise<void>;
}

/**
 * Stamps `event` with the time it is published, which is right after its commit: frames carry it
 * (`ChatEvent.committed_at`) so that the gateway can measure the time from commit to socket.
 * Events read back from the log have none.
 */
export function committedNow(event: BusEvent): BusEvent {
  event.event.committedAt = Date.now();
  return event;
}

/** One chat-service instance: events go straight to this process's streams. */
export function memoryChatBus(): ChatBus {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async publish(event) {
      emitter.emit('event', committedNow(event));
    },
    subscribe(listener) {
      const onEvent = (event: BusEvent) => listener.event(event);
      emitter.on('event', onEvent);
      return () => emitter.off('event', onEvent);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
