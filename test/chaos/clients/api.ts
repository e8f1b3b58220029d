// The chaos test's clients, written as the web client behaves (web/src/realtime/connection.ts,
// web/src/state/send-queue.ts, web/src/auth/session.ts), with the web client's own GraphQL
// documents: a session that refreshes its access token before it expires (signing in again when
// the refresh is refused), a graphql-ws connection per device that resubscribes after every loss
// with a cursor per chat, and senders that retry each message with its clientMessageId until it
// is acknowledged, one message at a time per device and chat. Everything received is recorded
// raw, for the verdict (../verdict.ts).
//
// This file: the GraphQL call every client makes, and the web client's documents.
import { print } from 'graphql';
import {
  ChatEventsDocument,
  ChatsDocument,
  LoginDocument,
  RefreshTokenDocument,
  SendMessageDocument,
} from '../../../web/src/graphql/graphql.js';

export const CHAT_EVENTS = print(ChatEventsDocument);
export const CHATS = print(ChatsDocument);
export const LOGIN = print(LoginDocument);
export const REFRESH = print(RefreshTokenDocument);
export const SEND = print(SendMessageDocument);

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
