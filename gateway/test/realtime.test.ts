import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { expiredAccessToken } from '../../test/support/auth.js';
import { useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';

// The multiplexed real-time path through the real gateway over real WebSockets: every
// subscription of the gateway rides one Deliver call to chat-service, each event is rendered once
// per selection (once per viewer where a field depends on the viewer) and spliced into each
// socket's graphql-ws frame. These tests hold the guarantees of that path: every event once, in
// order, to exactly its recipients; one shared look-up per event; no viewer's value reaching
// another viewer; resume, membership changes, server-sent events and protocol errors.

// Typing indicators are how these tests tell that a subscription is live, a start and its stop
// each time, and a read receipt's place among other events is checked: chat-service's bounds on
// that fan-out (one typing start per chat and user per TYPING_MIN_INTERVAL, one receipt per
// READ_RECEIPT_MIN_INTERVAL; see services/chat/test/caps.test.ts) would hold them back, so they
// are short here. The gateway's rate limits are off: these tests open dozens of sockets and send
// as fast as they can from one address, as the benchmarks do (the limits have their own tests in
// rate-limits.test.ts).
const stack = useStack('gw_realtime', {
  env: { TYPING_MIN_INTERVAL: '1ms', READ_RECEIPT_MIN_INTERVAL: '1ms' },
  gateway: { RATE_LIMITS: 'off' },
});

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
interface ChatEvent {
  __typename: string;
  chatId?: string;
  seq?: number;
  message?: MessageRef;
  chat?: { id: string; unreadCount?: number; memberCount?: number } | null;
  lastReadSeq?: number;
  typing?: boolean;
  user?: UserRef & { email?: string | null; profile?: { displayName: string } | null };
}
type Account = Awaited<ReturnType<typeof stack.user>>;

/** graphql-ws clients and HTTP requests opened by the running test; closed after it, whatever its outcome. */
const open: Client[] = [];
const requests: AbortController[] = [];
/** The subscriptions of the running test, for what a timeout reports. */
const watching: Watch[] = [];

afterEach(async () => {
  watching.length = 0;
  for (const client of open.splice(0)) await client.dispose();
  for (const request of requests.splice(0)) request.abort();
  // Every test starts from a gateway and a chat-service that carry no subscription.
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
      sub.problems().map((problem) => `#${i}: ${JSON.stringify(problem, ['message', 'code', 'reason', 'extensions'])}`),
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
  open.push(client);
  return client;
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

/** What a subscription received, over any transport. */
interface Watch {
  events(): ChatEvent[];
  /** Errors in results, and the subscription's own error. */
  problems(): unknown[];
  /** The MessageCreated events (of one chat). */
  created(chatId?: string): ChatEvent[];
  /** Every event of one chat, in order. */
  ofChat(chatId: string): ChatEvent[];
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

/** One `chatEvents` subscription over server-sent events (GET, or POST): everything it receives. */
function watchSse(token: string | undefined, query: string, method: 'GET' | 'POST' = 'GET') {
  const abort = new AbortController();
  requests.push(abort);
  const url = new URL(`http://127.0.0.1:${stack.gateway.port}/graphql`);
  if (method === 'GET') url.searchParams.set('query', query);
  const results: FormattedExecutionResult<{ chatEvents: ChatEvent }, unknown>[] = [];
  let stream: ReturnType<typeof readEvents> | undefined;
  let failure: unknown;
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
    stream = readEvents(res.body!, (event, data) => {
      if (event === 'next') results.push(data as (typeof results)[number]);
    });
    return res;
  });
  response.catch((error: unknown) => (failure = error));
  return {
    ...received(results, () => [...(failure ? [failure] : []), ...(stream?.failure() ? [stream.failure()] : [])]),
    response,
    abort: () => abort.abort(),
    /** Resolves once the response has ended (by itself, or aborted). */
    ended: async () => {
      await response.catch(() => undefined);
      await stream?.done;
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

const typingEvents = (sub: Watch) => sub.events().filter((e) => e.__typename === 'TypingIndicator').length;

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

/** Reads a server-sent event stream: each event and the JSON of its `data:` lines, as they arrive. */
function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: unknown) => void = () => {}) {
  const events: { event: string; data: unknown }[] = [];
  let failure: unknown;
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
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
          const parsed = data.length > 0 && data.join('') !== '' ? (JSON.parse(data.join('\n')) as unknown) : undefined;
          if (parsed !== undefined || event !== 'message') {
            events.push({ event, data: parsed });
            onEvent(event, parsed);
          }
        }
      }
    } catch (error) {
      failure = error;
    }
  })();
  return { events, failure: () => failure, done };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (events: ChatEvent[]) => events.map((e) => e.seq);

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

const MESSAGES = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
  __typename
  ... on MessageCreated { chatId seq message { id body sender { id } } }
  ... on ChatUpdated { chatId seq chat { id memberCount } }
  ... on RemovedFromChat { chatId seq }
} }`;

describe('many subscribers over one upstream call', () => {
  it(
    'delivers every message of concurrent senders once, in seq order, to 10 sockets of one user and 30 users',
    { timeout: 180_000 },
    async () => {
      const members = await users(30, 'many');
      const [owner, ...rest] = members as [Account, ...Account[]];
      const chatId = await group(owner, rest, 'many');
      const many = members[7]!; // one user on ten devices
      const subs: Watch[] = members.map((member) => watch(connect(member.token), MESSAGES));
      for (let i = 1; i < 10; i++) subs.push(watch(connect(many.token), MESSAGES));
      // chat-service registers exactly one subscriber per subscription, all on one call.
      await registered(39);
      await live(subs, chatId, members.slice(0, 2));
      expect(stack.gateway.events.calls()).toBe(1);

      // Five senders at once, ten messages each.
      const senders = members.slice(0, 5);
      const acked = await Promise.all(
        senders.map(async (sender, s) => {
          const mine: { seq: number; body: string; sender: string }[] = [];
          for (let i = 0; i < 10; i++) {
            const body = `many-${s}-${i}`;
            mine.push({ seq: await send(sender, chatId, body), body, sender: sender.id });
          }
          return mine;
        }),
      );
      const expected = acked.flat().sort((a, b) => a.seq - b.seq);
      expect(expected.map((m) => m.seq)).toEqual(range(1, 50));

      await waitFor(
        () => subs.every((sub) => sub.created(chatId).length >= 50),
        () => `50 messages on each socket: ${subs.map((sub) => sub.created(chatId).length).join(',')}`,
      );
      for (const sub of subs) {
        expect(sub.problems()).toEqual([]);
        expect(
          sub.created(chatId).map((e) => ({ seq: e.seq, body: e.message!.body, sender: e.message!.sender!.id })),
        ).toEqual(expected);
      }
      // Still one call, one subscriber per subscription.
      expect(stack.gateway.events.calls()).toBe(1);
      expect(stack.chatService.app.subscribers()).toBe(39);
    },
  );
});

describe('one shared look-up per event', () => {
  it(
    'a message to 20 online members costs one GetUsers and one GetProfiles call at most',
    { timeout: 120_000 },
    async () => {
      const N = 20;
      const members = await users(N, 'look');
      const [owner, ...rest] = members as [Account, ...Account[]];
      const chatId = await group(owner, rest, 'lookups');
      const senders = [members[3]!, members[11]!];
      for (const [i, sender] of senders.entries()) {
        const set = await stack.gql(
          'mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }',
          { i: { displayName: `Sender ${i}` } },
          { token: sender.token },
        );
        expect(set.errors).toBeUndefined();
      }
      // The web client's selection of a new message.
      const WEB = `subscription { chatEvents { __typename
      ... on MessageCreated { chatId seq message { id body sender { id username profile { displayName } } } } } }`;
      const subs = members.map((member) => watch(connect(member.token), WEB));
      await registered(N);
      await live(subs, chatId, members.slice(0, 2));
      expect(stack.gateway.events.calls()).toBe(1);

      const counts = { users: 0, profiles: 0 };
      const getUsers = stack.gateway.upstreams.auth.unary.getUsers;
      const getProfiles = stack.gateway.upstreams.profiles.unary.getProfiles;
      stack.gateway.upstreams.auth.unary.getUsers = (...args) => (counts.users++, getUsers(...args));
      stack.gateway.upstreams.profiles.unary.getProfiles = (...args) => (counts.profiles++, getProfiles(...args));
      try {
        for (const [i, sender] of senders.entries()) {
          // Sent to chat-service directly, so that only the event's rendering makes look-ups.
          const sent = await stack.chatService.chat.sendMessage(
            { chatId, body: `look ${i}`, clientMessageId: `look${i}` },
            sender.md,
          );
          const seq = sent.message!.seq;
          // The sender's read marker moves after the message: once every member has that receipt,
          // everything this message caused has been rendered.
          await waitFor(
            () =>
              subs.every(
                (sub) =>
                  sub.created(chatId).some((e) => e.seq === seq) &&
                  sub.events().filter((e) => e.__typename === 'ReadReceipt').length > i,
              ),
            () => `message ${seq} and its read receipt at every member`,
          );
          for (const sub of subs) {
            expect(sub.problems()).toEqual([]);
            expect(sub.created(chatId).at(-1)?.message).toEqual({
              id: sent.message!.id,
              body: `look ${i}`,
              sender: { id: sender.id, username: sender.username, profile: { displayName: `Sender ${i}` } },
            });
          }
          // Not N of each: one, shared by all N recipients.
          expect({ message: i, ...counts }).toEqual({ message: i, users: i + 1, profiles: i + 1 });
        }

        /** Sends as `sender` straight to chat-service; resolves once every member has the message. */
        const sendAndSee = async (sender: Account, body: string) => {
          const sent = await stack.chatService.chat.sendMessage({ chatId, body, clientMessageId: body }, sender.md);
          await waitFor(
            () => subs.every((sub) => sub.created(chatId).some((e) => e.seq === sent.message!.seq)),
            () => `"${body}" at every member`,
          );
          return subs.map((sub) => sub.created(chatId).find((e) => e.seq === sent.message!.seq)?.message?.sender);
        };
        // The first sender again: what its first message read serves this one too.
        const first = senders[0]!;
        const before = { ...counts };
        for (const sender of await sendAndSee(first, 'look again')) {
          expect(sender).toEqual({ id: first.id, username: first.username, profile: { displayName: 'Sender 0' } });
        }
        expect(counts).toEqual(before);

        // Its profile changes: UserUpdated drops what was kept, and the next message reads it afresh.
        const renamed = await stack.gql(
          'mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }',
          { i: { displayName: 'Sender 0 renamed' } },
          { token: first.token },
        );
        expect(renamed.errors).toBeUndefined();
        await waitFor(
          () => subs.every((sub) => sub.events().some((e) => e.__typename === 'UserUpdated')),
          () => 'UserUpdated at every member',
        );
        const afterRename = { ...counts };
        for (const sender of await sendAndSee(first, 'look renamed')) {
          expect(sender?.profile).toEqual({ displayName: 'Sender 0 renamed' });
        }
        expect(counts).toEqual({ users: afterRename.users + 1, profiles: afterRename.profiles + 1 });
      } finally {
        stack.gateway.upstreams.auth.unary.getUsers = getUsers;
        stack.gateway.upstreams.profiles.unary.getProfiles = getProfiles;
      }
    },
  );
});

describe('per-viewer fields', () => {
  it(
    'every viewer sees only their own email and their own unreadCount, beside shared subscriptions',
    { timeout: 120_000 },
    async () => {
      const members = await users(6, 'pv');
      const [owner, ...readers] = members as [Account, ...Account[]];
      const chatId = await group(owner, readers, 'per-viewer');
      for (let i = 1; i <= 5; i++) await send(owner, chatId, `pv-${i}`);
      // readers[k] reads up to seq k: unread counts 5, 4, 3, 2, 1; the owner's is 0. All different.
      for (const [k, reader] of readers.entries()) {
        if (k > 0) await stack.chatService.chat.markRead({ chatId, seq: k }, reader.md);
      }
      const unread = new Map<string, number>([[owner.id, 0], ...readers.map((r, k) => [r.id, 5 - k] as const)]);
      const emailOf = (user: Account) => `${user.username}@example.com`;

      const PER_VIEWER = `subscription { chatEvents { __typename
        ... on MessageCreated { chatId seq message { id body sender { id username email } } }
        ... on ChatUpdated { chatId seq chat { id unreadCount } }
        ... on ReadReceipt { chatId lastReadSeq user { id email } } } }`;
      const SHARED = `subscription { chatEvents { __typename
        ... on MessageCreated { chatId seq message { id body sender { id username } } }
        ... on ChatUpdated { chatId seq } } }`;
      const perViewer: { viewer: Account; sub: Watch }[] = members.map((member) => ({
        viewer: member,
        sub: watch(connect(member.token), PER_VIEWER),
      }));
      // A second per-viewer socket for one reader, and shared subscriptions beside them (two of
      // them of users who also have a per-viewer one).
      perViewer.push({ viewer: readers[1]!, sub: watch(connect(readers[1]!.token), PER_VIEWER) });
      const shared = [owner, readers[0]!, readers[2]!].map((member) => watch(connect(member.token), SHARED));
      await registered(perViewer.length + shared.length);
      await live([...perViewer.map((p) => p.sub), ...shared], chatId, [owner, readers[0]!]);
      /** The logged events of the chat (receipts have no seq). */
      const logged = (sub: Watch) => sub.ofChat(chatId).filter((e) => e.seq !== undefined);

      // A membership change: every member hears ChatUpdated, each with their own chat.
      const newcomer = await stack.user('pvnew');
      const added = await stack.chatService.chat.addMembers({ chatId, userIds: [newcomer.id] }, owner.md);
      const addedSeq = added.chat!.lastSeq;
      const all = [...perViewer.map((p) => p.sub), ...shared];
      // Each count is read when the event is rendered: no message before every socket has it.
      await waitFor(
        () => all.every((sub) => logged(sub).length >= 1),
        () => `ChatUpdated at every subscription: ${all.map((sub) => logged(sub).length).join(',')}`,
      );
      // Messages by a reader and by the owner: only the sender sees an email, their own.
      const bySender = [
        { sender: readers[1]!, seq: await send(readers[1]!, chatId, 'pv-reader') },
        { sender: owner, seq: await send(owner, chatId, 'pv-owner') },
      ];
      await waitFor(
        () => all.every((sub) => logged(sub).length >= 3),
        () => `three events at every subscription: ${all.map((sub) => logged(sub).length).join(',')}`,
      );

      for (const { viewer, sub } of perViewer) {
        expect(sub.problems()).toEqual([]);
        const [updated, ...messages] = logged(sub);
        expect(updated, viewer.username).toEqual({
          __typename: 'ChatUpdated',
          chatId,
          seq: addedSeq,
          chat: { id: chatId, unreadCount: unread.get(viewer.id) },
        });
        expect(
          messages.map((e) => ({ seq: e.seq, sender: e.message!.sender })),
          viewer.username,
        ).toEqual(
          bySender.map(({ sender, seq }) => ({
            seq,
            sender: {
              id: sender.id,
              username: sender.username,
              email: sender.id === viewer.id ? emailOf(viewer) : null,
            },
          })),
        );
      }
      for (const sub of shared) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub)).toEqual([
          { __typename: 'ChatUpdated', chatId, seq: addedSeq },
          ...bySender.map(({ sender, seq }) => ({
            __typename: 'MessageCreated',
            chatId,
            seq,
            message: {
              id: expect.any(String) as string,
              body: seq === bySender[0]!.seq ? 'pv-reader' : 'pv-owner',
              sender: { id: sender.id, username: sender.username },
            },
          })),
        ]);
      }

      // The counts differ by viewer now too (the reader's and the owner's messages count for the
      // others): a second change shows each their new count, nobody else's. The last reader's
      // receipt comes before it, with their email for them only.
      await stack.chatService.chat.markRead({ chatId, seq: bySender[1]!.seq }, readers[4]!.md);
      const removed = await stack.chatService.chat.removeMember({ chatId, userId: newcomer.id }, owner.md);
      const removedSeq = removed.chat!.lastSeq;
      const unreadNow = new Map<string, number>([
        [owner.id, 0], // the reader's message is before the owner's own, which moved their marker
        [readers[0]!.id, 7],
        [readers[1]!.id, 1], // their own message never counts; the owner's does
        [readers[2]!.id, 5],
        [readers[3]!.id, 4],
        [readers[4]!.id, 0],
      ]);
      await waitFor(
        () => perViewer.every(({ sub }) => logged(sub).some((e) => e.seq === removedSeq)),
        () => 'the second ChatUpdated at every per-viewer subscription',
      );
      for (const { viewer, sub } of perViewer) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub).at(-1), viewer.username).toEqual({
          __typename: 'ChatUpdated',
          chatId,
          seq: removedSeq,
          chat: { id: chatId, unreadCount: unreadNow.get(viewer.id) },
        });
        const receipt = sub
          .events()
          .find(
            (e) =>
              e.__typename === 'ReadReceipt' && e.user?.id === readers[4]!.id && e.lastReadSeq === bySender[1]!.seq,
          );
        expect(receipt?.user, viewer.username).toEqual({
          id: readers[4]!.id,
          email: viewer.id === readers[4]!.id ? emailOf(viewer) : null,
        });
        // Whatever else arrived (the senders' own receipts too): an email only ever the viewer's own.
        for (const event of sub.events()) {
          for (const user of [event.user, event.message?.sender]) {
            if (user && 'email' in user) {
              expect(user.email, `${viewer.username} sees ${JSON.stringify(event)}`).toBe(
                user.id === viewer.id ? emailOf(viewer) : null,
              );
            }
          }
        }
      }
      for (const sub of shared) {
        expect(JSON.stringify(sub.events())).not.toMatch(/email|unreadCount/);
      }
    },
  );
});

describe('resuming from an old cursor', () => {
  it('replays a few hundred messages, then live, while others receive live events', { timeout: 180_000 }, async () => {
    const [owner, live1, live2, resumer] = (await users(4, 'rs')) as [Account, Account, Account, Account];
    const chatId = await group(owner, [live1, live2, resumer], 'resume');
    const otherChat = (await stack.chatService.chat.getOrCreateDirectChat({ userId: live2.id }, live1.md)).chat!.id;
    const HISTORY = 300;
    /** Body by seq: sent 25 at a time, so seqs follow commit order, not the body's number. */
    const history = new Map<number, string>();
    for (let i = 1; i <= HISTORY; i += 25) {
      await Promise.all(
        range(i, Math.min(i + 24, HISTORY)).map(async (k) => {
          const sent = await stack.chatService.chat.sendMessage(
            { chatId, body: `old-${k}`, clientMessageId: `old-${k}` },
            owner.md,
          );
          history.set(sent.message!.seq, `old-${k}`);
        }),
      );
    }
    expect([...history.keys()].sort((a, b) => a - b)).toEqual(range(1, HISTORY));
    const liveSubs = [watch(connect(live1.token), MESSAGES), watch(connect(live2.token), MESSAGES)];
    await registered(2);
    await live(liveSubs, chatId, [owner]);

    // Live traffic in the chat and in another one, from two senders at once.
    const LIVE = 40;
    let resumed: { from: number; sub: Watch }[] = [];
    const traffic = Promise.all([
      (async () => {
        for (let i = 1; i <= LIVE; i++) {
          await send(owner, chatId, `live-${i}`);
          // The resumers start while live events flow.
          if (i === 5) {
            resumed = [10, 150].map((from) => ({
              from,
              sub: watch(connect(resumer.token), MESSAGES, { resume: [{ chatId, afterSeq: from }] }),
            }));
          }
        }
      })(),
      (async () => {
        for (let i = 1; i <= LIVE; i++) await send(live1, otherChat, `side-${i}`);
      })(),
    ]);
    await traffic;
    const last = HISTORY + LIVE;

    await waitFor(
      () =>
        liveSubs.every((sub) => sub.created(chatId).length >= LIVE && sub.created(otherChat).length >= LIVE) &&
        resumed.every(({ from, sub }) => sub.created(chatId).length >= last - from),
      () =>
        `every message: live ${liveSubs.map((s) => `${s.created(chatId).length}+${s.created(otherChat).length}`).join(',')}; ` +
        `resumed ${resumed.map(({ sub }) => sub.created(chatId).length).join(',')}`,
    );
    for (const sub of liveSubs) {
      expect(sub.problems()).toEqual([]);
      expect(seqs(sub.created(chatId))).toEqual(range(HISTORY + 1, last));
      expect(sub.created(chatId).map((e) => e.message!.body)).toEqual(range(1, LIVE).map((i) => `live-${i}`));
      expect(seqs(sub.created(otherChat))).toEqual(range(1, LIVE));
    }
    for (const { from, sub } of resumed) {
      expect(sub.problems()).toEqual([]);
      // Replay, then live: every message after the cursor once, in order, nothing before it.
      expect(seqs(sub.created(chatId))).toEqual(range(from + 1, last));
      expect(sub.created(chatId).map((e) => e.message!.body)).toEqual([
        ...range(from + 1, HISTORY).map((seq) => history.get(seq)),
        ...range(1, LIVE).map((i) => `live-${i}`),
      ]);
    }
    expect(stack.gateway.events.calls()).toBe(1);
  });
});

describe('membership changes while subscribed', () => {
  it(
    'added: ChatUpdated, then its messages; removed: RemovedFromChat, then nothing on any socket',
    { timeout: 120_000 },
    async () => {
      // The chat's live-only events too (receipts, typing): none may reach a removed member.
      const MEMBERSHIP = `subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) {
        __typename
        ... on MessageCreated { chatId seq message { id body sender { id } } }
        ... on ChatUpdated { chatId seq chat { id memberCount } }
        ... on RemovedFromChat { chatId seq }
        ... on ReadReceipt { chatId lastReadSeq }
        ... on TypingIndicator { chatId typing } } }`;
      const [owner, stays, moved] = (await users(3, 'mb')) as [Account, Account, Account];
      const chatId = await group(owner, [stays], 'membership');
      // A chat `moved` stays in, whose messages mark how far their sockets have read.
      const direct = (await stack.chatService.chat.getOrCreateDirectChat({ userId: moved.id }, owner.md)).chat!.id;
      const staying = watch(connect(stays.token), MEMBERSHIP);
      const devices = [watch(connect(moved.token), MEMBERSHIP), watch(connect(moved.token), MEMBERSHIP)];
      await registered(3);
      await live([staying], chatId, [owner]);
      await live(devices, direct, [owner]);
      /** The chat's logged events (receipts and typing have no seq). */
      const logged = (sub: Watch) =>
        sub
          .ofChat(chatId)
          .filter((e) => e.seq !== undefined)
          .map((e) => [e.__typename, e.seq, e.message?.body ?? e.chat?.memberCount]);
      /** The remaining member types and stops: both are announced to the chat's other members. */
      const typing = async () => {
        await stack.chatService.chat.setTyping({ chatId, typing: true }, stays.md);
        await stack.chatService.chat.setTyping({ chatId, typing: false }, stays.md);
      };

      const before = await send(owner, chatId, 'before');
      await typing();
      const added = (await stack.chatService.chat.addMembers({ chatId, userIds: [moved.id] }, owner.md)).chat!.lastSeq;
      // ChatUpdated's chat is read when it is rendered: the member count is 3 until the removal.
      await waitFor(
        () => devices.every((sub) => sub.ofChat(chatId).some((e) => e.__typename === 'ChatUpdated')),
        () => `ChatUpdated on both devices: ${JSON.stringify(devices.map((sub) => sub.events()))}`,
      );
      const whileIn = [await send(owner, chatId, 'in-1'), await send(stays, chatId, 'in-2')];
      await typing();
      await waitFor(
        () => devices.every((sub) => sub.ofChat(chatId).some((e) => e.__typename === 'TypingIndicator')),
        () => `typing while a member: ${JSON.stringify(devices.map((sub) => sub.events()))}`,
      );
      const removed = (await stack.chatService.chat.removeMember({ chatId, userId: moved.id }, owner.md)).chat!.lastSeq;
      const after = [await send(owner, chatId, 'after-1'), await send(stays, chatId, 'after-2')];
      await typing();
      await stack.chatService.chat.markRead({ chatId, seq: after[0]! }, stays.md);
      // Sent after everything above: once it arrives, anything of the chat would have too.
      await send(owner, direct, 'marker');

      await waitFor(
        () => devices.every((sub) => sub.created(direct).length === 1) && staying.created(chatId).length === 5,
        () =>
          `the marker on both devices (${devices.map((s) => s.created(direct).length).join(',')}) ` +
          `and five messages of the chat for the remaining member (${staying.created(chatId).length})`,
      );
      for (const sub of devices) {
        expect(sub.problems()).toEqual([]);
        expect(logged(sub)).toEqual([
          ['ChatUpdated', added, 3],
          ['MessageCreated', whileIn[0], 'in-1'],
          ['MessageCreated', whileIn[1], 'in-2'],
          ['RemovedFromChat', removed, undefined],
        ]);
        // Nothing of the chat before it was added, nor after RemovedFromChat.
        const events = sub.ofChat(chatId);
        expect(events[0]?.__typename).toBe('ChatUpdated');
        expect(events.at(-1)?.__typename).toBe('RemovedFromChat');
      }
      expect(staying.problems()).toEqual([]);
      expect(logged(staying)).toEqual([
        ['MessageCreated', before, 'before'],
        ['ChatUpdated', added, 3],
        ['MessageCreated', whileIn[0], 'in-1'],
        ['MessageCreated', whileIn[1], 'in-2'],
        ['ChatUpdated', removed, 2],
        ['MessageCreated', after[0], 'after-1'],
        ['MessageCreated', after[1], 'after-2'],
      ]);

      // A device that was offline and resumes from before the removal gets what it missed up to
      // RemovedFromChat, and nothing after.
      const late = watch(connect(moved.token), MEMBERSHIP, { resume: [{ chatId, afterSeq: whileIn[0] }] });
      await waitFor(
        () => late.ofChat(chatId).some((e) => e.__typename === 'RemovedFromChat'),
        () => `RemovedFromChat on resume: ${JSON.stringify(late.events())}`,
      );
      await registered(4);
      await send(owner, chatId, 'after-3');
      await typing();
      await send(owner, direct, 'marker-2');
      await waitFor(
        () => [late, ...devices].every((sub) => sub.created(direct).some((e) => e.message!.body === 'marker-2')),
        () => 'the second marker on every device',
      );
      for (const sub of [late, ...devices]) {
        expect(sub.problems()).toEqual([]);
        expect(sub.ofChat(chatId).at(-1)?.__typename).toBe('RemovedFromChat');
      }
      expect(late.ofChat(chatId).map((e) => [e.__typename, e.seq])).toEqual([
        ['MessageCreated', whileIn[1]],
        ['RemovedFromChat', removed],
      ]);
      await waitFor(
        () => staying.created(chatId).length === 6,
        () => 'the remaining member to go on receiving',
      );
    },
  );
});

describe('chatEvents over HTTP (server-sent events)', () => {
  const SSE_QUERY = 'subscription { chatEvents { __typename ... on MessageCreated { chatId seq message { body } } } }';

  it(
    'delivers a message live, and ends the subscription when the request is aborted',
    { timeout: 90_000 },
    async () => {
      const [a, b] = (await users(2, 'sse')) as [Account, Account];
      const chatId = (await stack.chatService.chat.getOrCreateDirectChat({ userId: b.id }, a.md)).chat!.id;
      const overGet = watchSse(b.token, SSE_QUERY, 'GET');
      const overPost = watchSse(a.token, SSE_QUERY, 'POST');
      await registered(2);
      await live([overGet, overPost], chatId, [a, b]);

      const seq = await send(a, chatId, 'over sse');
      for (const sse of [overGet, overPost]) {
        const res = await sse.response;
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      }
      await waitFor(
        () => overGet.created().length >= 1 && overPost.created().length >= 1,
        () => `the message on both streams: ${JSON.stringify([overGet.events(), overPost.events()])}`,
      );
      for (const sse of [overGet, overPost]) {
        expect(sse.problems()).toEqual([]);
        expect(sse.created()).toEqual([{ __typename: 'MessageCreated', chatId, seq, message: { body: 'over sse' } }]);
      }

      // Aborting the request ends the subscription at the gateway and at chat-service; the
      // other one goes on.
      overGet.abort();
      await overGet.ended();
      await registered(1);
      const second = await send(b, chatId, 'after the abort');
      await waitFor(
        () => overPost.created().length >= 2,
        () => `the second message: ${JSON.stringify(overPost.events())}`,
      );
      expect(overPost.created()[1]).toEqual({
        __typename: 'MessageCreated',
        chatId,
        seq: second,
        message: { body: 'after the abort' },
      });
      expect(overGet.created()).toHaveLength(1);
      overPost.abort();
      await overPost.ended();
      await registered(0);
    },
  );

  it(
    'shows current data in every event, as graphql-ws does (its look-ups start afresh per event)',
    {
      timeout: 90_000,
    },
    async () => {
      const [owner, viewer, other] = (await users(3, 'ssecur')) as [Account, Account, Account];
      const chatId = await group(owner, [viewer], 'current');
      const QUERY = `subscription { chatEvents { __typename
      ... on MessageCreated { chatId seq message { body sender { id profile { displayName } } } }
      ... on UserUpdated { user { id profile { displayName } } }
      ... on ChatUpdated { chatId seq chat { id unreadCount } } } }`;
      // The same selection of the same viewer over graphql-ws, where each event is rendered afresh.
      const subs = { sse: watchSse(viewer.token, QUERY), ws: watch(connect(viewer.token), QUERY) };
      await registered(2);
      await live([subs.sse, subs.ws], chatId, [owner]);
      const both = (check: (sub: Watch) => boolean, what: string) =>
        waitFor(
          () => check(subs.sse) && check(subs.ws),
          () => `${what}: ${JSON.stringify({ sse: subs.sse.events(), ws: subs.ws.events() })}`,
        );
      const displayNames = (sub: Watch) =>
        sub
          .events()
          .flatMap((e) =>
            e.__typename === 'MessageCreated'
              ? [`message ${e.message!.body}: ${e.message!.sender!.profile!.displayName}`]
              : e.__typename === 'UserUpdated'
                ? [`updated: ${e.user!.profile!.displayName}`]
                : [],
          );
      const unreadCounts = (sub: Watch) =>
        sub.events().flatMap((e) => (e.__typename === 'ChatUpdated' ? [e.chat!.unreadCount] : []));

      // The owner's name, then a new one: the events after the change show the new one.
      await send(owner, chatId, 'first');
      await both((sub) => sub.created().length === 1, 'the first message');
      const renamed = await stack.gql(
        'mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }',
        { i: { displayName: 'Owner Renamed' } },
        { token: owner.token },
      );
      expect(renamed.errors).toBeUndefined();
      await both((sub) => sub.events().some((e) => e.__typename === 'UserUpdated'), 'UserUpdated');
      await send(owner, chatId, 'second');
      await both((sub) => sub.created().length === 2, 'the second message');

      // The viewer's unread count, then after reading: each ChatUpdated shows the count of its time.
      await stack.chatService.chat.addMembers({ chatId, userIds: [other.id] }, owner.md);
      await both((sub) => unreadCounts(sub).length === 1, 'the first ChatUpdated');
      const lastSeq = (await stack.chatService.chat.markRead({ chatId, seq: 1_000 }, viewer.md)).chat!.lastSeq;
      expect(lastSeq).toBeGreaterThan(0);
      await stack.chatService.chat.removeMember({ chatId, userId: other.id }, owner.md);
      await both((sub) => unreadCounts(sub).length === 2, 'the second ChatUpdated');

      const expected = {
        names: [`message first: ${owner.username}`, 'updated: Owner Renamed', 'message second: Owner Renamed'],
        unread: [2, 0],
      };
      expect({ names: displayNames(subs.ws), unread: unreadCounts(subs.ws) }, 'graphql-ws').toEqual(expected);
      expect({ names: displayNames(subs.sse), unread: unreadCounts(subs.sse) }, 'server-sent events').toEqual(expected);
      expect([...subs.sse.problems(), ...subs.ws.problems()]).toEqual([]);
    },
  );

  it('cannot be started with an expired or a missing token (UNAUTHENTICATED)', { timeout: 60_000 }, async () => {
    const a = await stack.user('sseexp');
    const expired = await expiredAccessToken(stack.chatService.authService.keys, a.id, a.sessionId);
    for (const [how, token, method] of [
      ['expired, GET', expired, 'GET'],
      ['missing, GET', undefined, 'GET'],
      ['expired, POST', expired, 'POST'],
      ['missing, POST', undefined, 'POST'],
    ] as const) {
      const sse = watchSse(token, SSE_QUERY, method);
      await sse.ended(); // the response ends by itself
      const results = sse.problems();
      expect(sse.events(), how).toEqual([]);
      expect(
        results.map((error) => (error as { extensions?: { code?: string } }).extensions?.code),
        how,
      ).toEqual(['UNAUTHENTICATED']);
      expect(stack.gateway.events.size(), how).toBe(0);
    }
    expect(stack.chatService.app.subscribers()).toBe(0);
  });
});

describe('graphql-ws protocol errors', () => {
  it(
    'a syntax error in one subscribe is an error for that id only; the socket and its other subscriptions go on',
    {
      timeout: 60_000,
    },
    async () => {
      const [a, b] = (await users(2, 'proto')) as [Account, Account];
      const chatId = (await stack.chatService.chat.getOrCreateDirectChat({ userId: b.id }, a.md)).chat!.id;
      const socket = new WebSocket(`ws://127.0.0.1:${stack.gateway.port}/graphql`, 'graphql-transport-ws');
      let closed: number | undefined;
      socket.once('close', (code) => (closed = code));
      try {
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        const received: { id?: string; type: string; payload?: unknown }[] = [];
        socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as (typeof received)[number]));
        const message = (body: object) => socket.send(JSON.stringify(body));
        const query = 'subscription { chatEvents { __typename ... on MessageCreated { seq message { body } } } }';

        message({ type: 'connection_init', payload: { authorization: `Bearer ${b.token}` } });
        await waitFor(
          () => received.some((m) => m.type === 'connection_ack'),
          () => JSON.stringify(received),
        );
        message({ id: 'ok-1', type: 'subscribe', payload: { query } });
        message({ id: 'bad', type: 'subscribe', payload: { query: 'subscription { chatEvents { __typename ' } });
        message({ id: 'invalid', type: 'subscribe', payload: { query: 'subscription { chatEvents { nope } }' } });
        message({ id: 'ok-2', type: 'subscribe', payload: { query } });
        await waitFor(
          () => received.filter((m) => m.type === 'error').length === 2,
          () => `two error messages: ${JSON.stringify(received)}`,
        );
        await registered(2);
        // Both live (see `live`): the other user's typing reaches both.
        const ofType = (typename: string) =>
          received.filter(
            (m) =>
              m.type === 'next' &&
              (m.payload as { data?: { chatEvents?: { __typename?: string } } }).data?.chatEvents?.__typename ===
                typename,
          );
        await stack.chatService.chat.setTyping({ chatId, typing: true }, a.md);
        await waitFor(
          () => ofType('TypingIndicator').length >= 2,
          () => `typing on both good subscriptions: ${JSON.stringify(received)}`,
        );

        const seq = await send(a, chatId, 'still here');
        // (The sender's read receipt follows on both too.)
        const created = () => ofType('MessageCreated');
        await waitFor(
          () => created().length >= 2,
          () => `the message on both good subscriptions: ${JSON.stringify(received)}`,
        );
        const errors = received.filter((m) => m.type === 'error');
        expect(errors.map((m) => m.id).sort()).toEqual(['bad', 'invalid']);
        const syntax = errors.find((m) => m.id === 'bad')!.payload as { message: string }[];
        expect(syntax).toHaveLength(1);
        expect(syntax[0]!.message).toMatch(/^Syntax Error/);
        // What yoga keeps for HTTP answers (extensions.http: the status) is not sent on a socket.
        for (const error of errors) expect(JSON.stringify(error.payload)).not.toContain('"http"');
        const nexts = created();
        expect(nexts.map((m) => m.id).sort()).toEqual(['ok-1', 'ok-2']);
        for (const next of nexts) {
          expect(next.payload).toEqual({
            data: { chatEvents: { __typename: 'MessageCreated', seq, message: { body: 'still here' } } },
          });
        }
        // Nothing was ever sent for the failed ids but their error; the socket is open.
        expect(received.filter((m) => m.id === 'bad' || m.id === 'invalid').map((m) => m.type)).toEqual([
          'error',
          'error',
        ]);
        expect(closed).toBeUndefined();
        expect(socket.readyState).toBe(WebSocket.OPEN);
        // The id of a failed subscribe is free again.
        message({ id: 'bad', type: 'subscribe', payload: { query } });
        await registered(3);
        message({ id: 'ok-1', type: 'complete' });
        message({ id: 'ok-2', type: 'complete' });
        message({ id: 'bad', type: 'complete' });
        await registered(0);
        expect(closed).toBeUndefined();
      } finally {
        socket.terminate();
      }
    },
  );
});
