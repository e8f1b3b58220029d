import { afterEach, describe, expect, it } from 'vitest';
import { as, expiredAccessToken, newAccount } from '../../test/support/auth.js';
import { startGateway, type GraphQLResponse } from '../../test/support/gateway.js';
import { useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';
import { subscribeOverSse, type HttpSubscription } from './subscription-clients.js';

// `chatEvents` over HTTP holds to what a WebSocket does: it starts only with an unexpired token
// of an active session, before any event or replay is sent, and it ends (an UNAUTHENTICATED
// error, then the end of the response) as soon as its session is revoked: by logout, by
// revokeSession, or by refresh-token reuse. Yoga streams subscriptions as server-sent events
// only; asked for another type (multipart/mixed, plain JSON) it answers 406, and the
// subscription it had already started upstream must not be left behind.

const stack = useStack('gw_http_subs');

const QUERY = `subscription ($resume: [ChatCursorInput!]) {
  chatEvents(resume: $resume) { __typename ... on MessageCreated { chatId seq message { body } } }
}`;
const WAIT_MS = 30_000;

// Each test's subscriptions are aborted after it, not only after the file: every test starts
// (and checks that it ends) with none left on the gateway and chat-service.
const open: HttpSubscription[] = [];
afterEach(async () => {
  for (const subscription of open.splice(0)) subscription.abort();
  await until(
    () => stack.gateway.events.size() === 0 && stack.chatService.app.subscribers() === 0,
    'no subscription left',
    WAIT_MS,
  );
});

const auth = () => stack.chatService.authService.auth;

/** A new account, signed in: its id, session, tokens (access and refresh). */
async function signIn() {
  const account = newAccount('hs');
  const { user, tokens } = await auth().register(account, as());
  return {
    account,
    id: user!.id,
    sessionId: tokens!.sessionId,
    token: tokens!.accessToken,
    refreshToken: tokens!.refreshToken,
    md: as(tokens!.accessToken),
  };
}
type Account = Awaited<ReturnType<typeof signIn>>;

/** A chat of `owner` with one message in it, so that a resume from seq 0 has something to replay. */
async function chatWithHistory(owner: Account) {
  const other = await signIn();
  const chat = (await stack.chatService.chat.getOrCreateDirectChat({ userId: other.id }, owner.md)).chat!;
  await stack.chatService.chat.sendMessage({ chatId: chat.id, body: 'history', clientMessageId: 'h1' }, other.md);
  return { chatId: chat.id, other };
}

function subscribe(token: string | undefined, variables: Record<string, unknown> = {}, port = stack.gateway.port) {
  const subscription = subscribeOverSse(port, token, QUERY, variables);
  open.push(subscription);
  return subscription;
}

const bodies = (subscription: HttpSubscription) =>
  subscription.results.flatMap((result) => {
    const event = (result.data as { chatEvents?: { message?: { body: string } } } | null | undefined)?.chatEvents;
    return event?.message ? [event.message.body] : [];
  });

/** Revocations a client can cause, each of the session of `victim`. */
const revocations: [string, (victim: Account) => Promise<void>][] = [
  [
    'logout',
    async (victim) => {
      const { errors } = await stack.gql('mutation { logout }', {}, { token: victim.token });
      expect(errors).toBeUndefined();
    },
  ],
  [
    'revokeSession from another device',
    async (victim) => {
      const other = await auth().login(
        { email: victim.account.email, password: victim.account.password, userAgent: 'other device' },
        as(),
      );
      const { errors } = await stack.gql(
        'mutation ($id: ID!) { revokeSession(id: $id) }',
        { id: victim.sessionId },
        { token: other.tokens!.accessToken },
      );
      expect(errors).toBeUndefined();
    },
  ],
  [
    'refresh-token reuse',
    async (victim) => {
      const refresh = 'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }';
      expect((await stack.gql(refresh, { t: victim.refreshToken })).errors).toBeUndefined();
      const reused = await stack.gql(refresh, { t: victim.refreshToken });
      expect(reused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    },
  ],
];

describe('chatEvents over server-sent events', () => {
  it('refuses an expired token (UNAUTHENTICATED) before any event or replay', async () => {
    const a = await signIn();
    const { chatId } = await chatWithHistory(a);
    const expired = await expiredAccessToken(stack.chatService.authService.keys, a.id, a.sessionId);
    const refused = subscribe(expired, { resume: [{ chatId, afterSeq: 0 }] });
    await refused.ended();
    expect(refused.codes()).toEqual(['UNAUTHENTICATED']);
    expect(bodies(refused)).toEqual([]);
    expect(stack.chatService.app.subscribers()).toBe(0);

    // The same resume with a valid token replays the message: the refusal above withheld it.
    const served = subscribe(a.token, { resume: [{ chatId, afterSeq: 0 }] });
    await until(() => bodies(served).length === 1, 'the replay', WAIT_MS);
    expect(bodies(served)).toEqual(['history']);
  });

  it('refuses the token of a revoked session (UNAUTHENTICATED)', async () => {
    const a = await signIn();
    const { chatId } = await chatWithHistory(a);
    await auth().logout({}, a.md);
    const refused = subscribe(a.token, { resume: [{ chatId, afterSeq: 0 }] });
    await refused.ended();
    expect(refused.codes()).toEqual(['UNAUTHENTICATED']);
    expect(bodies(refused)).toEqual([]);
  });

  for (const [how, revoke] of revocations) {
    it(`ends a live stream when its session is revoked (${how}): UNAUTHENTICATED, then the end`, async () => {
      const victim = await signIn();
      const { chatId, other } = await chatWithHistory(victim);
      const bystander = await signIn();
      const doomed = subscribe(victim.token);
      const kept = subscribe(bystander.token);
      await until(() => stack.chatService.app.subscribers() === 2, 'both subscribers registered', WAIT_MS);
      await stack.chatService.chat.sendMessage({ chatId, body: 'live', clientMessageId: 'l1' }, other.md);
      await until(() => bodies(doomed).includes('live'), 'the live message', WAIT_MS);

      await revoke(victim);
      await until(() => doomed.isEnded(), 'the stream of the revoked session to end', WAIT_MS);
      expect(doomed.codes()).toEqual(['UNAUTHENTICATED']);
      expect(bodies(doomed)).toEqual(['live']);
      expect(kept.isEnded()).toBe(false);
      expect(kept.codes()).toEqual([]);
      await until(() => stack.gateway.events.size() === 1, 'only the other subscription left', WAIT_MS);
    });
  }

  it('is ended by the gateway itself, also while chat-service does not carry it', async () => {
    // A gateway whose chat-service is unreachable: the subscription waits for a Deliver call, so
    // only the gateway can end it.
    const stranded = await startGateway([stack.chatService.authService.app.port], {}, [1]);
    const victim = await signIn();
    const doomed = subscribe(victim.token, {}, stranded.port);
    await until(() => stranded.events.size() === 1, 'the subscription on the stranded gateway', WAIT_MS);
    await auth().logout({}, victim.md);
    await until(() => doomed.isEnded(), 'the stream of the revoked session to end', WAIT_MS);
    expect(doomed.codes()).toEqual(['UNAUTHENTICATED']);
    expect(stranded.events.size()).toBe(0);
  });
});

describe.each([
  // The refusal itself is an execution result, which yoga sends as JSON when asked for JSON.
  { accept: 'multipart/mixed', refusal: { status: 406, codes: [] } },
  { accept: 'application/json', refusal: { status: 200, codes: ['UNAUTHENTICATED'] } },
])('chatEvents asked for as $accept', ({ accept, refusal }) => {
  /** A subscription request accepting only `accept`: its status and body. */
  async function request(token: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`http://127.0.0.1:${stack.gateway.port}/graphql`, {
      method: 'POST',
      headers: { accept, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables }),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    return { status: response.status, body: await response.text() };
  }

  it('is refused with 406 Not Acceptable, and leaves no subscription behind', async () => {
    const a = await signIn();
    const { chatId } = await chatWithHistory(a);
    expect(await request(a.token, { resume: [{ chatId, afterSeq: 0 }] })).toEqual({ status: 406, body: '' });
    // Refused after yoga had started it: it is closed on the gateway at once, and upstream after.
    expect(stack.gateway.events.size()).toBe(0);
    await until(() => stack.chatService.app.subscribers() === 0, 'chat-service to drop it', WAIT_MS);
  });

  it('with an expired token, sends nothing either', async () => {
    const a = await signIn();
    const { chatId } = await chatWithHistory(a);
    const expired = await expiredAccessToken(stack.chatService.authService.keys, a.id, a.sessionId);
    const { status, body } = await request(expired, { resume: [{ chatId, afterSeq: 0 }] });
    const codes = body ? (JSON.parse(body) as GraphQLResponse).errors?.map((error) => error.extensions?.code) : [];
    expect({ status, codes }).toEqual(refusal);
    expect(body).not.toContain('history');
    expect(stack.gateway.events.size()).toBe(0);
  });
});
