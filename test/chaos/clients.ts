// The chaos test's clients, written as the web client behaves (web/src/realtime/connection.ts,
// web/src/state/messenger.ts, web/src/auth/session.ts), with the web client's own GraphQL
// documents: a session that refreshes its access token before it expires (signing in again when
// the refresh is refused), a graphql-ws connection per device that resubscribes after every loss
// with a cursor per chat, and senders that retry each message with its clientMessageId until it
// is acknowledged, one message at a time per device and chat. Everything received is recorded
// raw, for the verdict (verdict.ts).
import type { Socket } from 'node:net';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ChatEventsDocument,
  ChatsDocument,
  LoginDocument,
  RefreshTokenDocument,
  SendMessageDocument,
} from '../../web/src/graphql/graphql.js';
import type { Ack, Delivery, Send } from './verdict.js';

const CHAT_EVENTS = print(ChatEventsDocument);
const CHATS = print(ChatsDocument);
const LOGIN = print(LoginDocument);
const REFRESH = print(RefreshTokenDocument);
const SEND = print(SendMessageDocument);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How a call ended. `transient`: the network, a 5xx or UNAVAILABLE (retry); `unauthenticated`:
 * the token was refused (renew it, retry); `internal`: INTERNAL_SERVER_ERROR (retried too, and
 * counted apart: the web client would show it as a failure); `refused`: any other error.
 */
export type Outcome<T> =
  { ok: true; data: T } | { ok: false; kind: 'transient' | 'unauthenticated' | 'internal' | 'refused'; reason: string };

export class Api {
  readonly url: string;
  constructor(port: number) {
    this.url = `http://127.0.0.1:${port}/graphql`;
  }

  async call<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<Outcome<T>> {
    let status: number;
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      body = (await res.json().catch(() => ({}))) as typeof body;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      return { ok: false, kind: 'transient', reason: `network (${cause})` };
    }
    const first = body.errors?.[0];
    if (status >= 500 && first?.extensions?.code !== 'INTERNAL_SERVER_ERROR') {
      return { ok: false, kind: 'transient', reason: `HTTP ${status}${first ? ` ${first.extensions?.code}` : ''}` };
    }
    if (!first && body.data) return { ok: true, data: body.data };
    const code = first?.extensions?.code ?? `HTTP ${status}`;
    const reason = `${code}: ${first?.message ?? 'no data'}`;
    if (code === 'UNAVAILABLE') return { ok: false, kind: 'transient', reason: code };
    if (code === 'UNAUTHENTICATED') return { ok: false, kind: 'unauthenticated', reason: code };
    if (code === 'INTERNAL_SERVER_ERROR') return { ok: false, kind: 'internal', reason: code };
    return { ok: false, kind: 'refused', reason };
  }
}

export interface AuthAnswer {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  user: { id: string };
}

/** An access token could not be had now (auth-service or the gateway out of reach): try later. */
export class NoTokenNow extends Error {
  override name = 'NoTokenNow';
}

/**
 * One device's sign-in, as web/src/auth/session.ts keeps it: the access token is refreshed
 * shortly before it expires, or when refused; one refresh at a time. A refused refresh (its
 * refresh token spent by an attempt whose answer was lost, which revokes the session) signs in
 * again with the password, as the user would.
 */
export class Session {
  refreshes = 0;
  logins = 0;
  private access: string;
  private refresh: string;
  private expiresAt: number;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly api: Api,
    readonly email: string,
    private readonly password: string,
    auth: AuthAnswer,
  ) {
    this.access = auth.accessToken;
    this.refresh = auth.refreshToken;
    this.expiresAt = Date.parse(auth.accessTokenExpiresAt);
  }

  get current(): string {
    return this.access;
  }

  /** A token valid for a while yet; throws NoTokenNow when one is needed and cannot be had. */
  async token(): Promise<string> {
    if (Date.now() > this.expiresAt - 10_000) await this.renew(this.access);
    return this.access;
  }

  /** `stale` was refused (or is about to expire): get a new one, unless that happened meanwhile. */
  renew(stale: string): Promise<void> {
    if (stale !== this.access) return Promise.resolve();
    return (this.renewing ??= this.renewNow().finally(() => (this.renewing = undefined)));
  }

  private take(auth: AuthAnswer) {
    this.access = auth.accessToken;
    this.refresh = auth.refreshToken;
    this.expiresAt = Date.parse(auth.accessTokenExpiresAt);
  }

  private async renewNow(): Promise<void> {
    const refreshed = await this.api.call<{ refreshToken: AuthAnswer }>(REFRESH, { refreshToken: this.refresh });
    if (refreshed.ok) {
      this.refreshes++;
      return this.take(refreshed.data.refreshToken);
    }
    if (refreshed.kind === 'transient' || refreshed.kind === 'internal') throw new NoTokenNow(refreshed.reason);
    const login = await this.api.call<{ login: AuthAnswer }>(LOGIN, {
      input: { email: this.email, password: this.password },
    });
    if (!login.ok) throw new NoTokenNow(`refresh refused (${refreshed.reason}), login failed (${login.reason})`);
    this.logins++;
    this.take(login.data.login);
  }
}

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
 * Senders as web/src/state/messenger.ts sends: per device and chat one message at a time, in
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
