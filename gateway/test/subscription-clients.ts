import type { FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { leftover } from '../../test/support/leftovers.js';

export interface HttpSubscription {
  /** Every result received, in order (events as `data`, refusals and endings as `errors`). */
  readonly results: FormattedExecutionResult[];
  /** The error codes of the results received, in order. */
  codes(): (string | undefined)[];
  /** Resolves once the response has ended, by itself or aborted. */
  ended(): Promise<void>;
  /** Whether the response has ended. */
  isEnded(): boolean;
  /** Aborts the request now; otherwise it is aborted after the file's tests. */
  abort(): void;
}

/**
 * A subscription over HTTP (POST) as server-sent events, read as they arrive (`event: next` with
 * a JSON `data:` line); the only type yoga streams a subscription in. Aborted after the file's
 * tests (test/support/leftovers.ts) unless `abort` was called first.
 */
export function subscribeOverSse(
  port: number,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): HttpSubscription {
  const abort = new AbortController();
  const stop = leftover(() => abort.abort());
  const results: FormattedExecutionResult[] = [];
  let ended = false;
  const done = (async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: abort.signal,
      });
      const onResult = (result: FormattedExecutionResult) => results.push(result);
      // A refusal before the stream starts may come as one plain JSON body.
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('text/event-stream')) {
        const text = await response.text();
        try {
          onResult(JSON.parse(text) as FormattedExecutionResult);
        } catch {
          throw new Error(`HTTP ${response.status} (${contentType}): ${text.slice(0, 200)}`);
        }
        return;
      }
      await readSse(response.body!, onResult);
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      ended = true;
    }
  })();
  return {
    results,
    codes: () => results.flatMap((result) => (result.errors ?? []).map((error) => error.extensions?.code as string)),
    ended: () => done,
    isEnded: () => ended,
    abort: () => void stop(),
  };
}

/**
 * Reads a server-sent event stream to its end, handing each result (`event: next` with a JSON
 * `data:` line) to `onResult` as it arrives; rejects if reading fails (or is aborted).
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onResult: (result: FormattedExecutionResult) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (event === 'next' && data.length > 0) onResult(JSON.parse(data.join('\n')) as FormattedExecutionResult);
    }
  }
}

/**
 * A graphql-ws socket, spoken by hand: how it was closed, and every message it received. Closed
 * after the file's tests (test/support/leftovers.ts) unless `close` was called first.
 */
export function openGraphqlWs(port: number, token: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  const stop = leftover(() => socket.close());
  const received: { id?: string; type: string; payload?: unknown }[] = [];
  let closeCode: number | undefined;
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as (typeof received)[number]));
  socket.once('close', (code) => (closeCode = code));
  socket.once('error', () => {});
  const send = (message: object) => socket.send(JSON.stringify(message));
  return {
    socket,
    received,
    closeCode: () => closeCode,
    /** Opens the socket and waits for its connection_ack. */
    async ready() {
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.some((message) => message.type === 'connection_ack')) resolve();
          else if (closeCode !== undefined) reject(new Error(`socket closed with ${closeCode} before its ack`));
          else setTimeout(check, 10);
        };
        check();
      });
    },
    subscribe(id: string, query: string) {
      send({ id, type: 'subscribe', payload: { query } });
    },
    close() {
      void stop();
    },
  };
}
