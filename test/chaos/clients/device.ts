import type { Socket } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Delivery } from '../verdict.js';
import { CHAT_EVENTS, CHATS, type Api } from './api.js';
import type { Session } from './session.js';

/** graphql-ws close code for a refused connection_init (missing, bad or expired token). */
const FORBIDDEN = 4403;
const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
const MAX_BACKOFF_MS = 4_000;
const STABLE_AFTER_MS = 10_000;

interface ChatEventData {
  chatEvents: {
    __typename: string;
    chatId?: string;
    seq?: number;
    message?: { id: string };
    chat?: { id: string; lastSeq: number } | null;
  };
}

/**
 * One device's live connection, as web/src/realtime/connection.ts runs it: every
 * (re)subscription carries the last seq applied per chat; a loss of any kind (closed socket,
 * unanswered ping, error, completion) resubscribes with backoff; a refused token (4403) is
 * renewed first; once connected again, the chat list is reloaded for chats joined meanwhile.
 * Every `MessageCreated` is recorded as it arrives, duplicates included.
 */
export class Device {
  readonly deliveries: Delivery[] = [];
  /** The last seq applied per chat: the resume cursors. */
  readonly cursors = new Map<string, number>();
  /** The cursors it first subscribed with. */
  readonly firstCursors: Record<string, number>;
  /** Chats that appeared in a reloaded chat list (none should: no chat is created meanwhile). */
  readonly chatsJoined: string[] = [];
  connects = 0;
  connected = false;
  /** `next` payloads carrying errors instead of an event, with the first few. */
  errored = 0;
  readonly errors: string[] = [];
  private failures = 0;
  private socket: WebSocket | undefined;
  private sentToken: string | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private pongTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly client: Client;

  constructor(
    readonly name: string,
    readonly session: Session,
    private readonly api: Api,
    port: number,
    chats: { id: string; lastSeq: number }[],
  ) {
    for (const chat of chats) this.cursors.set(chat.id, chat.lastSeq);
    this.firstCursors = Object.fromEntries(this.cursors);
    this.client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      keepAlive: PING_EVERY_MS,
      connectionParams: async () => {
        this.sentToken = await this.session.token().catch(() => this.session.current);
        return { authorization: `Bearer ${this.sentToken}` };
      },
      on: {
        connected: (socket) => {
          this.socket = socket as WebSocket;
          this.connected = true;
          clearTimeout(this.stableTimer);
          this.stableTimer = setTimeout(() => (this.failures = 0), STABLE_AFTER_MS);
          if (this.connects++ > 0) void this.reloadChats();
        },
        ping: (received) => {
          if (received) return;
          // No pong in time: the connection is dead; drop it at once.
          this.pongTimer = setTimeout(() => this.socket?.terminate(), PONG_WITHIN_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
        closed: (event) => {
          this.socket = undefined;
          this.connected = false;
          clearTimeout(this.pongTimer);
          clearTimeout(this.stableTimer);
          if (this.stopped) return;
          // graphql-ws would retry a normal closure itself, with the first cursors: resubscribe instead.
          if ((event as { code?: number } | null)?.code === 1000) {
            this.unsubscribe?.();
            void this.failed(event);
          }
        },
      },
    });
  }

  start(): void {
    this.subscribe();
  }

  /** Cuts the connection abruptly (a TCP reset, no closing handshake), as a lost network does. */
  dropSocket(): boolean {
    const raw = (this.socket as unknown as { _socket?: Socket } | undefined)?._socket;
    if (!raw) return false;
    raw.resetAndDestroy();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.stableTimer);
    this.unsubscribe?.();
    await this.client.dispose();
  }

  private subscribe() {
    if (this.stopped || this.unsubscribe) return;
    const resume = [...this.cursors].map(([chatId, afterSeq]) => ({ chatId, afterSeq }));
    this.unsubscribe = this.client.subscribe<ChatEventData>(
      { query: CHAT_EVENTS, operationName: 'ChatEvents', variables: { resume } },
      {
        next: (result) => this.receive(result),
        error: (error) => void this.failed(error),
        // The server never ends the stream on its own: an end is a loss.
        complete: () => void this.failed(null),
      },
    );
  }

  private receive(result: {
    data?: ChatEventData | null | undefined;
    errors?: readonly { message: string }[] | undefined;
  }) {
    const event = result.data?.chatEvents;
    if (!event || result.errors?.length) {
      this.errored++;
      if (this.errors.length < 5) this.errors.push(JSON.stringify(result.errors ?? result).slice(0, 300));
      return;
    }
    if (!event.chatId || event.seq === undefined || event.seq === null) return; // live-only events
    if (event.__typename === 'MessageCreated') {
      this.deliveries.push({ chatId: event.chatId, seq: event.seq, messageId: event.message!.id });
    }
    const cursor = this.cursors.get(event.chatId);
    if (cursor === undefined) {
      // A chat we did not know: the web client loads it; its cursor starts at this event.
      this.chatsJoined.push(event.chatId);
      this.cursors.set(event.chatId, event.seq);
    } else if (event.seq > cursor) this.cursors.set(event.chatId, event.seq);
  }

  private async failed(error: unknown) {
    this.unsubscribe = undefined;
    if (this.stopped) return;
    this.failures++;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === FORBIDDEN && this.failures <= 3 && this.sentToken) {
      const renewed = await this.session.renew(this.sentToken).then(
        () => true,
        () => false,
      );
      if (renewed) return this.retryLater(0);
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 5));
    this.retryLater(backoff / 2 + Math.random() * (backoff / 2));
  }

  private retryLater(delayMs: number) {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.subscribe(), delayMs);
  }

  /** Connected again: chats joined meanwhile are not replayed, so the list is loaded. */
  private async reloadChats() {
    const token = await this.session.token().catch(() => undefined);
    if (!token) return;
    const answer = await this.api.call<{ chats: { edges: { node: { id: string; lastSeq: number } }[] } }>(
      CHATS,
      {},
      token,
    );
    if (!answer.ok) return;
    for (const { node } of answer.data.chats.edges) {
      if (this.cursors.has(node.id)) continue;
      this.chatsJoined.push(node.id);
      this.cursors.set(node.id, node.lastSeq);
    }
  }
}
