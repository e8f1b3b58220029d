import type { ChatCursor } from '../../../proto/gen/chat/v1/chat.js';
import type { ChatEventPayload } from '../mappers.js';
import type { EventPlan } from './plan.js';

/** Who a subscription is for: the user, and the token its events are read with. */
export interface Viewer {
  userId: string;
  /** `Bearer …`: verified when the subscription started; accepted past its exp while the session lasts. */
  authorization: string;
}

export interface ResumeCursor {
  chatId: string;
  afterSeq: number;
}

/**
 * Where a subscription's events go. A sink with a `plan` takes events rendered once for every
 * recipient with the same plan (and viewer, where the plan is per viewer); a sink without one
 * takes each event as is and renders it itself.
 */
export interface EventSink {
  readonly plan?: EventPlan;
  /** A rendered `next` payload (sinks with a plan); whether it was written to the socket. */
  write?(payloadJson: Buffer): boolean;
  /** An event to render (sinks without a plan); whether it was taken. */
  push?(payload: ChatEventPayload): boolean;
  /** The subscription ended: with an error to report, or none (the client went away). */
  end(error?: unknown): void;
}

/**
 * One `chatEvents` subscription on this gateway. It is carried by a Deliver call to one
 * chat-service instance, under an id that changes whenever it is added to a call again (after a
 * move, an ending it resumes from, or an event that failed to render), so events sent to it under
 * its earlier id are recognised and dropped. Per chat it knows the last seq handed to its client
 * (else the snapshot's): it resumes from there after a move, and the client sees no gap and no
 * duplicate.
 */
export class Subscription {
  /** Per chat: the last seq handed to the client, else the snapshot's. */
  private readonly cursors: Map<string, number>;
  /** Chats with a cursor when it was last (re)added: after a move, others were joined meanwhile. */
  private knownBefore: ReadonlySet<string> = new Set();
  private connectedBefore = false;
  /** Its id on its current call; 0 while it is on none. */
  id = 0;
  /** Delay before the next attempt to re-add it after it was ended with a resumable status. */
  retryMs = 0;
  retryTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly viewer: Viewer,
    resume: readonly ResumeCursor[],
    readonly sink: EventSink,
  ) {
    this.cursors = new Map(resume.map((cursor) => [cursor.chatId.toLowerCase(), cursor.afterSeq]));
  }

  /** The cursors to (re)add it with. */
  resumeCursors(): ChatCursor[] {
    this.knownBefore = new Set(this.cursors.keys());
    return [...this.cursors].map(([chatId, seq]) => ({ chatId, seq }));
  }

  /**
   * Its snapshot on a call: chats without a cursor start live from their seq there. Returns the
   * chats it did not know before a move (joined meanwhile), to announce to the client as
   * ChatUpdated: it loads them by query.
   */
  onSnapshot(chats: readonly ChatCursor[]): ChatEventPayload[] {
    this.retryMs = 0;
    const joined: ChatEventPayload[] = [];
    for (const { chatId, seq } of chats) {
      if (this.cursors.has(chatId)) continue;
      this.cursors.set(chatId, seq);
      if (this.connectedBefore && !this.knownBefore.has(chatId))
        joined.push({ __typename: 'ChatUpdated', chatId, seq });
    }
    this.connectedBefore = true;
    return joined;
  }

  /** The client gets `payload` now: its cursor moves. */
  handOver(payload: ChatEventPayload): void {
    if (payload.__typename === 'RemovedFromChat') this.cursors.delete(payload.chatId);
    else if ('seq' in payload && payload.seq > 0) this.cursors.set(payload.chatId, payload.seq);
  }
}
