// chatEvents over graphql-ws, resumable without loss. graphql-ws's own retry would resend the
// first subscribe message, with the cursors it had then; here every (re)subscription is a new
// one carrying the cursors of everything applied so far, so the server replays exactly what was
// missed. A socket that stops answering pings is closed, since browsers notice a dead network
// only after minutes.
import { createClient, type Client } from 'graphql-ws';
import type { SessionManager } from '../auth/session';
import { ChatEventsSubscription } from '../api/operations';
import { documentIdOf } from '../api/trusted-documents';
import type { ChatEventsSubscription as ChatEventsResult } from '../graphql/graphql';
import type { ChatEvent, ConnectionStatus } from '../state/model';

/** graphql-ws close code for a refused connection_init (missing, bad or expired token). */
const FORBIDDEN = 4403;
const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
const MAX_BACKOFF_MS = 8_000;
const STABLE_AFTER_MS = 10_000;

export interface RealtimeOptions {
  url: string;
  session: SessionManager;
  /** The last seq applied per chat, read at every (re)subscription. */
  cursors(): { chatId: string; afterSeq: number }[];
  onEvent(event: ChatEvent): void;
  onStatus(status: ConnectionStatus): void;
  /** Connected again after a loss: refetch what a replay cannot bring (chats joined meanwhile). */
  onReconnected(): void;
}

export interface Realtime {
  stop(): void;
}

export function startRealtime(options: RealtimeOptions): Realtime {
  const { session } = options;
  let stopped = false;
  let failures = 0;
  let everConnected = false;
  let socket: WebSocket | null = null;
  let sentToken: string | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => void) | null = null;

  const client: Client = createClient({
    url: options.url,
    lazy: true,
    retryAttempts: 0,
    keepAlive: PING_EVERY_MS,
    connectionParams: async () => {
      sentToken = await session.accessToken();
      return sentToken ? { authorization: `Bearer ${sentToken}` } : {};
    },
    on: {
      connected: (ws) => {
        socket = ws as WebSocket;
        // Failures count again only once the connection held for a while: a server that accepts
        // and then drops every subscription must not be retried in a tight loop.
        clearTimeout(stableTimer);
        stableTimer = setTimeout(() => (failures = 0), STABLE_AFTER_MS);
        options.onStatus('online');
        if (everConnected) options.onReconnected();
        everConnected = true;
      },
      ping: (received) => {
        if (received) return;
        // No pong: the network is gone. Closing politely would wait for a closing handshake that
        // never comes; terminate fails the subscription at once.
        pongTimer = setTimeout(() => client.terminate(), PONG_WITHIN_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: (event) => {
        socket = null;
        clearTimeout(pongTimer);
        clearTimeout(stableTimer);
        if (stopped) return;
        options.onStatus(everConnected ? 'reconnecting' : 'connecting');
        // graphql-ws retries a normal closure (1000) by itself, resending the first subscribe
        // message with its old cursors; end it instead, and resubscribe with the current ones.
        if ((event as { code?: number } | null)?.code === 1000) unsubscribe?.();
      },
    },
  });

  const retryLater = (delayMs: number) => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(subscribe, delayMs);
  };

  async function onFailure(error: unknown) {
    unsubscribe = null;
    if (stopped) return;
    failures++;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === FORBIDDEN && failures <= 3) {
      // The token was refused: refresh it (unless another tab did). A refused refresh signs the
      // user out, and the app stops this connection.
      const token = await session.accessToken(sentToken ?? undefined).catch(() => undefined);
      if (token === null || stopped) return;
      if (token !== undefined) return retryLater(0);
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 5));
    retryLater(backoff / 2 + Math.random() * (backoff / 2));
  }

  function subscribe() {
    if (stopped || unsubscribe) return;
    // By documentId, as over HTTP (api/trusted-documents.ts); graphql-ws's client wants a
    // `query` string in every subscribe, so it is empty.
    const payload = {
      query: '',
      documentId: documentIdOf(ChatEventsSubscription),
      operationName: 'ChatEvents',
      variables: { resume: options.cursors() },
    };
    unsubscribe = client.subscribe<ChatEventsResult>(payload, {
      next: (result) => {
        if (result.data) options.onEvent(result.data.chatEvents);
      },
      error: (error) => void onFailure(error),
      // The server never ends the stream on its own; treat an end as a loss and resume.
      complete: () => void onFailure(null),
    });
  }

  // The browser is online again: whatever socket there is may be dead; start afresh now.
  const online = () => {
    failures = 0;
    if (socket) client.terminate();
    else retryLater(0);
  };
  window.addEventListener('online', online);
  subscribe();

  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(pongTimer);
      clearTimeout(stableTimer);
      window.removeEventListener('online', online);
      unsubscribe?.();
      void client.dispose();
    },
  };
}
