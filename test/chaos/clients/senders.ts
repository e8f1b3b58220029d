// The wait between retries is the web client's backoff, part of the behaviour modelled here.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ack, Send } from '../verdict.js';
import { SEND, type Api } from './api.js';
import type { Session } from './session.js';

export interface SenderStats {
  /** Sends that took more than one sendMessage request. */
  retried: number;
  requests: number;
  /** Why requests failed, counted. */
  reasons: Map<string, number>;
  /** Sends refused for good (an error that is not a transient one). */
  refused: string[];
}

/**
 * Senders as web/src/state/send-queue.ts sends: per device and chat one message at a time, in
 * order; each retried with the same clientMessageId until acknowledged (network errors, 5xx,
 * UNAVAILABLE, INTERNAL_SERVER_ERROR; a refused token is renewed first).
 */
export class Senders {
  readonly sends: Send[] = [];
  readonly acks: (Ack & { at: number })[] = [];
  readonly stats: SenderStats = { retried: 0, requests: 0, reasons: new Map(), refused: [] };
  pending = 0;
  /** What is going on (the fault last inflicted): failures are counted per phase. */
  phase = 'before any fault';
  private abandoned = false;
  private readonly queues = new Map<string, { tail: Promise<void>; count: number }>();

  constructor(private readonly api: Api) {}

  /** Queues a message from `device` to `chatId`; it goes out after the device's earlier ones there. */
  send(device: { name: string; session: Session }, chatId: string, clientMessageId: string, body: string): void {
    const key = `${device.name} ${chatId}`;
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), count: 0 };
    this.sends.push({ clientMessageId, chatId, device: device.name, order: queue.count++ });
    this.pending++;
    queue.tail = queue.tail
      .then(() => this.deliver(device.session, chatId, clientMessageId, body))
      .finally(() => this.pending--);
    this.queues.set(key, queue);
  }

  /** Stops retrying: whatever is still unacknowledged stays so. */
  abandon(): void {
    this.abandoned = true;
  }

  private note(reason: string) {
    const key = `${this.phase}: ${reason}`;
    this.stats.reasons.set(key, (this.stats.reasons.get(key) ?? 0) + 1);
  }

  private async deliver(session: Session, chatId: string, clientMessageId: string, body: string) {
    let requests = 0;
    for (let attempt = 0; !this.abandoned; attempt++) {
      if (attempt > 0) await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2));
      let token: string;
      try {
        token = await session.token();
      } catch (error) {
        this.note(`token: ${(error as Error).message.slice(0, 60)}`);
        continue;
      }
      requests++;
      this.stats.requests++;
      const answer = await this.api.call<{ sendMessage: { id: string; seq: number } }>(
        SEND,
        { input: { chatId, body, clientMessageId } },
        token,
      );
      if (answer.ok) {
        const { id, seq } = answer.data.sendMessage;
        this.acks.push({ clientMessageId, chatId, messageId: id, seq, at: Date.now() });
        if (requests > 1) this.stats.retried++;
        return;
      }
      this.note(answer.kind === 'transient' ? answer.reason : `${answer.kind}: ${answer.reason}`);
      if (answer.kind === 'refused') {
        this.stats.refused.push(`${clientMessageId}: ${answer.reason}`);
        return;
      }
      if (answer.kind === 'unauthenticated') await session.renew(token).catch(() => undefined);
    }
  }
}
