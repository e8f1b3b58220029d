import { afterEach, expect } from 'vitest';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { leftover } from '../../../test/support/leftovers.js';
import { useStack } from '../../../test/support/stack.js';
import { until } from '../../../test/support/wait.js';
import { readSse } from '../subscription-clients.js';

// The multiplexed real-time path through the real gateway over real WebSockets: every
// subscription of the gateway rides one Deliver call to chat-service, each event is rendered once
// per selection (once per viewer where a field depends on the viewer) and spliced into each
// socket's graphql-ws frame. The tests beside this file hold the guarantees of that path: every
// event once, in order, to exactly its recipients; one shared look-up per event; no viewer's value
// reaching another viewer; resume, membership changes, server-sent events and protocol errors.

/** Generous: the machine is shared, and a wait only lasts as long as its condition is false. */
const WAIT_MS = 60_000;

interface UserRef {
  id: string;
  username?: string;
}
interface MessageRef {
  id: string;
  body: string;
  sender?: UserRef & { email?: string | null; profile?: { displayName: string } | null };
}
export interface ChatEvent {
  __typename: string;
  chatId?: string;
  seq?: number;
  message?: MessageRef;
  chat?: { id: string; unreadCount?: number; memberCount?: number } | null;
  lastReadSeq?: number;
  typing?: boolean;
  user?: UserRef & { email?: string | null; profile?: { displayName: string } | null };
}

/** What a subscription received, over any transport. */
export interface Watch {
  events(): ChatEvent[];
  /** Errors in results, and the subscription's own error. */
  problems(): unknown[];
  /** The MessageCreated events (of one chat). */
  created(chatId?: string): ChatEvent[];
  /** Every event of one chat, in order. */
  ofChat(chatId: string): ChatEvent[];
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
export const seqs = (events: ChatEvent[]) => events.map((e) => e.seq);

export const MESSAGES = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
  __typename
  ... on MessageCreated { chatId seq message { id body sender { id } } }
  ... on ChatUpdated { chatId seq chat { id memberCount } }
  ... on RemovedFromChat { chatId seq }
} }`;

const typingEvents = (sub: Watch) => sub.events().filter((e) => e.__typename === 'TypingIndicator').length;

/**
 * A stack for one file of these tests and the helpers that watch its subscriptions. Every test
 * starts from a gateway and a chat-service that carry no subscription: what a test opened is
 * closed after it, whatever its outcome, and the next waits until both sides agree.
 */
export function useRealtime(label: string) {
  // Typing indicators are how these tests tell that a subscription is live, a start and its stop
  // each time, and a read receipt's place among other events is checked: chat-service's bounds on
  // that fan-out (one typing start per chat and user per TYPING_MIN_INTERVAL, one receipt per
  // READ_RECEIPT_MIN_INTERVAL; see services/chat/test/caps.test.ts) would hold them back, so they
  // are short here. The gateway's rate limits are off: these tests open dozens of sockets and send
  // as fast as they can from one address, as the benchmarks do (the limits have their own tests
  // in gateway/test/rate-limits/).
  const stack = useStack(label, {
    env: { TYPING_MIN_INTERVAL: '1ms', READ_RECEIPT_MIN_INTERVAL: '1ms' },
    gateway: { RATE_LIMITS: 'off' },
  });
  type Account = Awaited<ReturnType<typeof stack.user>>;

  /**
   * The stops of the graphql-ws clients and HTTP requests opened by the running test: run after
   * it, not only after the file (leftovers.ts), since the next test starts with none left.
   */
  const open: (() => Promise<void>)[] = [];
  /** The subscriptions of the running test, for what a timeout reports. */
  const watching: Watch[] = [];

  afterEach(async () => {
    watching.length = 0;
    for (const stop of open.splice(0)) await stop();
    await waitFor(
      () => stack.gateway.events.size() === 0 && stack.chatService.app.subscribers() === 0,
      () =>
        `subscriptions to end: gateway ${stack.gateway.events.size()}, chat-service ${stack.chatService.app.subscribers()}`,
    );
  });

  /** Waits for `check`; on timeout, says what was seen instead, and what went wrong on the way. */
  async function waitFor(check: () => boolean, describe: () => string, timeoutMs = WAIT_MS): Promise<void> {
    try {
      await until(check, 'condition', timeoutMs);
    } catch {
      const problems = watching.flatMap((sub, i) =>
        sub
          .problems()
          .map((problem) => `#${i}: ${JSON.stringify(problem, ['message', 'code', 'reason', 'extensions'])}`),
      );
      throw new Error(
        `timed out waiting for ${describe()}` +
          (problems.length > 0 ? `; subscription problems: ${problems.join('; ')}` : ''),
      );
    }
  }

  /** A graphql-ws client (one socket, opened on its first subscription) of the user of `token`. */
  function connect(token: string): Client {
    const client = createClient({
      url: `ws://127.0.0.1:${stack.gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    open.push(leftover(() => client.dispose()));
    return client;
  }

  function received(
    results: readonly FormattedExecutionResult<{ chatEvents: ChatEvent }, unknown>[],
    failures: () => unknown[],
  ): Watch {
    const events = () => results.flatMap((result) => (result.data ? [result.data.chatEvents] : []));
    const sub: Watch = {
      events,
      problems: () => [...results.flatMap((result) => result.errors ?? []), ...failures()],
      created: (chatId?: string) =>
        events().filter((e) => e.__typename === 'MessageCreated' && (chatId === undefined || e.chatId === chatId)),
      ofChat: (chatId: string) => events().filter((e) => e.chatId === chatId),
    };
    watching.push(sub);
    return sub;
  }

  /** One `chatEvents` subscription: everything it receives, in order. */
  function watch(client: Client, query: string, variables: Record<string, unknown> = {}) {
    const results: FormattedExecutionResult<{ chatEvents: ChatEvent }, unknown>[] = [];
    let failure: unknown;
    client.subscribe<{ chatEvents: ChatEvent }>(
      { query, variables },
      {
        next: (result) => void results.push(result),
        error: (error) => (failure = error),
        complete: () => (failure ??= 'completed by the server'),
      },
    );
    return received(results, () => (failure ? [failure] : []));
  }

  /** One `chatEvents` subscription over server-sent events (GET, or POST): everything it receives. */
  function watchSse(token: string | undefined, query: string, method: 'GET' | 'POST' = 'GET') {
    const abort = new AbortController();
    open.push(leftover(() => abort.abort()));
    const url = new URL(`http://127.0.0.1:${stack.gateway.port}/graphql`);
    if (method === 'GET') url.searchParams.set('query', query);
    const results: FormattedExecutionResult<{ chatEvents: ChatEvent }, unknown>[] = [];
    let stream: Promise<void> | undefined;
    let failure: unknown;
    let streamFailure: unknown;
    // Headers may come with the first event only: nothing waits for them here.
    const response = fetch(url, {
      method,
      headers: {
        accept: 'text/event-stream',
        // A GET with neither a token nor this header is refused as cross-site (browsers.test.ts).
        'x-graphql-yoga-csrf': '1',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify({ query }) } : {}),
      signal: abort.signal,
    }).then((res) => {
      stream = readSse(res.body!, (result) => results.push(result as (typeof results)[number])).catch(
        (error: unknown) => void (streamFailure = error),
      );
      return res;
    });
    response.catch((error: unknown) => (failure = error));
    return {
      ...received(results, () => [...(failure ? [failure] : []), ...(streamFailure ? [streamFailure] : [])]),
      response,
      abort: () => abort.abort(),
      /** Resolves once the response has ended (by itself, or aborted). */
      ended: async () => {
        await response.catch(() => undefined);
        await stream;
      },
    };
  }

  /** Both sides agree on how many subscriptions exist: the gateway carries them, chat-service has them registered. */
  async function registered(count: number) {
    await waitFor(
      () => stack.gateway.events.size() === count && stack.chatService.app.subscribers() === count,
      () =>
        `${count} subscriptions: gateway ${stack.gateway.events.size()}, chat-service ${stack.chatService.app.subscribers()}`,
    );
  }

  /**
   * Resolves once every subscription in `subs` is live. chat-service counts a subscriber (see
   * `registered`) before it has read its chats: a message committed in between is part of its
   * snapshot (history the client loads by query), not of its live events. A live-only event
   * published after it was counted reaches it, and only after its snapshot: a typing indicator
   * (start and stop, so that one is announced even if the typist was typing) from `typists`, of
   * whom each subscription's user must miss at most one (one's own typing is not sent to one).
   */
  async function live(subs: Watch[], chatId: string, typists: Account[]) {
    const before = subs.map(typingEvents);
    for (const typist of typists) {
      await stack.chatService.chat.setTyping({ chatId, typing: true }, typist.md);
      await stack.chatService.chat.setTyping({ chatId, typing: false }, typist.md);
    }
    await waitFor(
      () => subs.every((sub, i) => typingEvents(sub) > before[i]!),
      () => `every subscription live: typing indicators ${subs.map(typingEvents).join(',')}`,
    );
  }

  const users = (count: number, tag: string) =>
    Promise.all(Array.from({ length: count }, (_, i) => stack.user(`${tag}${i}`)));

  async function group(owner: Account, members: Account[], title = 'group'): Promise<string> {
    const res = await stack.chatService.chat.createGroupChat({ title, memberIds: members.map((m) => m.id) }, owner.md);
    return res.chat!.id;
  }

  /** Sends over the gateway's GraphQL; returns the acknowledged seq. */
  async function send(sender: Account, chatId: string, body: string): Promise<number> {
    const res = await stack.gql<{ sendMessage: { seq: number } }>(
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
      { input: { chatId, body, clientMessageId: body } },
      { token: sender.token },
    );
    expect(res.errors, body).toBeUndefined();
    return res.data!.sendMessage.seq;
  }

  /** Sets the user's display name over GraphQL. */
  async function rename(user: Account, displayName: string) {
    const res = await stack.gql(
      'mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }',
      { i: { displayName } },
      { token: user.token },
    );
    expect(res.errors).toBeUndefined();
  }

  return { stack, waitFor, connect, watch, watchSse, registered, live, users, group, send, rename };
}

export type Account = Awaited<ReturnType<ReturnType<typeof useRealtime>['stack']['user']>>;
