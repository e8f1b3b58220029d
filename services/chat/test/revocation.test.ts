import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../../lib/grpc/client.js';
import { createLogger } from '../../../lib/logger.js';
import { createSessionRecheck, MAX_CHECK_SESSIONS } from '../../../lib/session-recheck.js';
import { as, authClient, newAccount, startAuth } from '../../../test/support/auth.js';
import { testKeys } from '../../../test/support/keys.js';
import { chatClient, startChat } from '../../../test/support/chat.js';
import { freshDatabase } from '../../../test/support/database.js';
import { leftover } from '../../../test/support/leftovers.js';
import { freePort } from '../../../test/support/ports.js';
import { until } from '../../../test/support/wait.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import { chatMigrations } from '../../../migrations/chat/index.js';
import type { AuthServiceClient } from '../../../proto/gen/auth/v1/auth.js';
import type { ChatServiceClient } from '../../../proto/gen/chat/v1/chat.js';
import type { AuthApp } from '../../../test/support/auth.js';
import { authEntities } from '../../auth/src/entities.js';
import type { ChatApp } from '../../../test/support/chat.js';
import { loadChatConfig } from '../src/config.js';
import { chatEntities } from '../src/entities.js';
import { cancelAll, openDeliver, type DeliverCall } from './deliver-helpers.js';
import { outcome } from './helpers.js';
import { closeAll, openStream, type EventStream } from './stream-helpers.js';

// Every subscriber of a revoked session ends, whatever failed on the way. WatchRevocations ends
// them at once; a revocation it never carries (made on another auth-service instance whose
// Redis publish failed, or while the feed was down) is caught by chat-service's recheck of its
// subscribers' sessions (CheckSessions, answered from PostgreSQL): periodically, and after every
// gap in the feed. Real auth-service and chat-service, each with its own database.

let authDb: Awaited<ReturnType<typeof freshDatabase>>;
let chatDb: Awaited<ReturnType<typeof freshDatabase>>;
/** Both auth-service instances sign with it, as instances of one deployment do. */
const keys = testKeys();
let authPort: number;
/** The auth-service every chat-service here follows (its feed, its rechecks). */
let auth: AuthApp;
/**
 * A second auth-service instance on the same database, without Redis: what it revokes reaches no
 * feed chat-service follows, as with an instance whose Redis publish failed.
 */
let elsewhere: AuthApp;
let authApi: ServiceClient<AuthServiceClient>;
let elsewhereApi: ServiceClient<AuthServiceClient>;
/** Rechecks every second, the default: the floor. */
let floor: ChatApp;
/** Rechecks every hour: within a test, only a gap in the feed makes it check. */
let gapOnly: ChatApp;
let floorClient: ServiceClient<ChatServiceClient>;
let gapOnlyClient: ServiceClient<ChatServiceClient>;

const startOurAuth = () =>
  startAuth({
    AUTH_GRPC_LISTEN: `127.0.0.1:${authPort}`,
    AUTH_DATABASE_URL: authDb.url,
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
  });

const startChatService = (env: Record<string, string>) =>
  startChat(
    loadChatConfig({
      CHAT_GRPC_LISTEN: '127.0.0.1:0',
      CHAT_DATABASE_URL: chatDb.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${authPort}`,
      ...env,
    }),
  );

beforeAll(async () => {
  authPort = await freePort();
  authDb = await freshDatabase('chat_revocation_auth', { entities: authEntities, migrations: authMigrations });
  chatDb = await freshDatabase('chat_revocation', { entities: chatEntities, migrations: chatMigrations });
  auth = await startOurAuth();
  elsewhere = await startAuth({ AUTH_DATABASE_URL: authDb.url, JWT_PRIVATE_KEY_FILE: keys.privateKeyFile });
  authApi = authClient(authPort);
  leftover(() => authApi.close());
  elsewhereApi = authClient(elsewhere.port);
  leftover(() => elsewhereApi.close());
  floor = await startChatService({});
  gapOnly = await startChatService({ SESSION_RECHECK_INTERVAL: '1h' });
  floorClient = chatClient(floor.port);
  leftover(() => floorClient.close());
  gapOnlyClient = chatClient(gapOnly.port);
  leftover(() => gapOnlyClient.close());
});

// Each test's calls and streams are cancelled after it, not only after the file (leftovers.ts).
const calls = new Set<DeliverCall>();
const streams = new Set<EventStream>();
afterEach(async () => {
  await cancelAll(calls);
  calls.clear();
  await closeAll(streams);
  streams.clear();
  // Each test starts with no subscriber anywhere, so no recheck of an earlier one calls auth-service.
  await until(() => floor.subscribers() === 0 && gapOnly.subscribers() === 0, 'no subscriber left');
});

/** A new account signed in once: its id, session and token. */
async function signIn() {
  const { user, tokens } = await authApi.unary.register(newAccount('rv'), as());
  return { id: user!.id, sessionId: tokens!.sessionId, token: tokens!.accessToken, md: as(tokens!.accessToken) };
}

/** Logs the session out on the other instance: no feed chat-service follows carries it. */
const revokeElsewhere = (token: string) => elsewhereApi.unary.logout({}, as(token));

const deliverOn = (client: ServiceClient<ChatServiceClient>) => {
  const call = openDeliver(client);
  calls.add(call);
  return call;
};
const subscribeOn = (client: ServiceClient<ChatServiceClient>, md: ReturnType<typeof as>) => {
  const stream = openStream(client, md);
  streams.add(stream);
  return stream;
};

/** CheckSessions calls auth-service (the one chat-service follows) has answered since it started. */
async function checkSessionsCalls(app: AuthApp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('grpc_server_handled_total{') && /method="checkSessions"/i.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('CheckSessions', () => {
  it('names the sessions that no longer work, as given, read from PostgreSQL and not the cache', async () => {
    const [active, loggedOut, revokedElsewhere] = await Promise.all([signIn(), signIn(), signIn()]);
    await authApi.unary.logout({}, loggedOut.md);
    // Its cache now holds the session as active; the revocation on the other instance tells it nothing.
    await authApi.unary.validateSession({ allowExpired: false }, revokedElsewhere.md);
    await revokeElsewhere(revokedElsewhere.token);
    const unknown = randomUUID();

    const { inactiveSessionIds } = await authApi.unary.checkSessions(
      {
        sessionIds: [
          active.sessionId,
          loggedOut.sessionId,
          active.sessionId.toUpperCase(),
          revokedElsewhere.sessionId,
          unknown,
          'not-a-session-id',
        ],
      },
      as(),
    );
    expect(inactiveSessionIds).toEqual([loggedOut.sessionId, revokedElsewhere.sessionId, unknown, 'not-a-session-id']);
  });

  it(`takes at most ${MAX_CHECK_SESSIONS} ids per call (INVALID_ARGUMENT beyond)`, async () => {
    const ids = (count: number) => Array.from({ length: count }, () => randomUUID());
    const full = await authApi.unary.checkSessions({ sessionIds: ids(MAX_CHECK_SESSIONS) }, as());
    expect(full.inactiveSessionIds).toHaveLength(MAX_CHECK_SESSIONS);
    expect(await outcome(authApi.unary.checkSessions({ sessionIds: ids(MAX_CHECK_SESSIONS + 1) }, as()))).toEqual({
      code: 'INVALID_ARGUMENT',
      field: 'sessionIds',
    });
  });

  it(`a recheck asks about its sessions in batches of ${MAX_CHECK_SESSIONS}, not one call per session`, async () => {
    const live = Array.from({ length: 2_500 }, () => randomUUID());
    const inactive: string[] = [];
    const before = await checkSessionsCalls(auth);
    const recheck = createSessionRecheck({
      auth: authApi,
      logger: createLogger('test', 'silent'),
      live: () => live,
      onInactive: (sessionId) => inactive.push(sessionId),
      intervalMs: 3_600_000,
    });
    try {
      recheck.now();
      await until(() => inactive.length === live.length, 'every unknown session reported inactive');
    } finally {
      recheck.stop();
    }
    expect(inactive).toEqual(live);
    expect((await checkSessionsCalls(auth)) - before).toBe(3);
  });
});

describe('subscribers of a session revoked where no feed tells', () => {
  it('end (UNAUTHENTICATED) at the periodic recheck, on Deliver and Subscribe; others go on', async () => {
    const [doomed, kept] = await Promise.all([signIn(), signIn()]);
    const call = deliverOn(floorClient);
    const doomedOnDeliver = call.add(doomed);
    const keptOnDeliver = call.add(kept);
    const doomedStream = subscribeOn(floorClient, doomed.md);
    await Promise.all([doomedOnDeliver.snapshot(), keptOnDeliver.snapshot(), doomedStream.snapshot()]);

    await revokeElsewhere(doomed.token);
    expect(await doomedOnDeliver.ended(20_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await doomedStream.ended(20_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(keptOnDeliver.endings).toEqual([]);
    expect(floor.subscribers()).toBe(1);
  });
});

describe('a gap in the revocation feed', () => {
  it(
    'is followed by one batched recheck that ends the subscribers of a session revoked meanwhile',
    { timeout: 90_000 },
    async () => {
      const doomed = await signIn();
      const others = await Promise.all(Array.from({ length: 30 }, () => signIn()));
      const call = deliverOn(gapOnlyClient);
      const doomedOnDeliver = call.add(doomed);
      const othersOnDeliver = others.map((user) => call.add(user));
      const doomedStream = subscribeOn(gapOnlyClient, doomed.md);
      await Promise.all([doomedOnDeliver, ...othersOnDeliver, doomedStream].map((s) => s.snapshot()));

      // The feed goes down with its auth-service; meanwhile the session is revoked elsewhere.
      await auth.stop();
      await revokeElsewhere(doomed.token);
      auth = await startOurAuth();

      expect(await doomedOnDeliver.ended(30_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(await doomedStream.ended(30_000)).toMatchObject({ code: 'UNAUTHENTICATED' });
      for (const subscriber of othersOnDeliver) expect(subscriber.endings).toEqual([]);
      expect(gapOnly.subscribers()).toBe(others.length);
      // 31 sessions, one call per check: the check when the feed dropped may have waited for the
      // restarted instance too, so one or two, never one per session.
      const checks = await checkSessionsCalls(auth);
      expect(checks).toBeGreaterThanOrEqual(1);
      expect(checks).toBeLessThanOrEqual(2);
    },
  );
});
