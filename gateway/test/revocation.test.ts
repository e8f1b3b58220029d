import { status } from '@grpc/grpc-js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../lib/grpc/client.js';
import { as, authClient, newAccount, startAuth } from '../../test/support/auth.js';
import { testKeys } from '../../test/support/keys.js';
import { chatClient, startChat } from '../../test/support/chat.js';
import { freshDatabase } from '../../test/support/database.js';
import { graphqlClient, startGateway } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { freePort } from '../../test/support/ports.js';
import { haveRedisServer, startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { until } from '../../test/support/wait.js';
import { authMigrations } from '../../migrations/auth/index.js';
import { chatMigrations } from '../../migrations/chat/index.js';
import type { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';
import type { ChatServiceClient, DeliverResponse } from '../../proto/gen/chat/v1/chat.js';
import type { AuthApp } from '../../test/support/auth.js';
import { authEntities } from '../../services/auth/src/entities.js';
import type { ChatApp } from '../../test/support/chat.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { openGraphqlWs, subscribeOverSse, type HttpSubscription } from './subscription-clients.js';

// Every live subscription of a revoked session ends, whatever failed: the WebSockets of the
// session close with 4403, its HTTP streams end with UNAUTHENTICATED, and chat-service ends its
// subscribers. When auth-service cannot publish to Redis, its own WatchRevocations listeners are
// still told; a revocation no feed carried (made on another instance, or while the feed was down)
// is caught by the rechecks: after every gap in the feed, and periodically as a floor.
// Real auth-service (with a Redis of this file's own, to break), chat-service and gateways.

const available = haveRedisServer('gateway-revocation');
const WAIT_MS = 30_000;
const QUERY = 'subscription { chatEvents { __typename } }';

let redis: RedisServer | undefined;
let authDb: Awaited<ReturnType<typeof freshDatabase>>;
let chatDb: Awaited<ReturnType<typeof freshDatabase>>;
/** Both auth-service instances sign with it, as instances of one deployment do. */
const keys = testKeys();
let authPort: number;
/** The auth-service everything here follows, publishing revocations through `redis`. */
let auth: AuthApp;
/**
 * A second auth-service instance on the same database, without Redis: what it revokes reaches no
 * feed the others follow, as with an instance whose Redis publish failed.
 */
let elsewhere: AuthApp;
let authApi: ServiceClient<AuthServiceClient>;
let elsewhereApi: ServiceClient<AuthServiceClient>;
/** Rechecking every hour: within a test, only the feed, or a gap in it, ends anything. */
let slowChat: ChatApp;
let slowGateway: GatewayApp;
/** Rechecking every second (the default): the floor. */
let floorChat: ChatApp;
let floorGateway: GatewayApp;

const startOurAuth = () =>
  startAuth({
    AUTH_GRPC_LISTEN: `127.0.0.1:${authPort}`,
    AUTH_DATABASE_URL: authDb.url,
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
    REDIS_URL: redis!.url,
    REDIS_PREFIX: 'gw-revocation:',
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
  if (!available) return;
  redis = await startRedisServer(await freePort(), 'gateway-revocation');
  authPort = await freePort();
  authDb = await freshDatabase('gw_revocation_auth', { entities: authEntities, migrations: authMigrations });
  chatDb = await freshDatabase('gw_revocation_chat', { entities: chatEntities, migrations: chatMigrations });
  auth = await startOurAuth();
  elsewhere = await startAuth({ AUTH_DATABASE_URL: authDb.url, JWT_PRIVATE_KEY_FILE: keys.privateKeyFile });
  authApi = authClient(authPort);
  leftover(() => authApi.close());
  elsewhereApi = authClient(elsewhere.port);
  leftover(() => elsewhereApi.close());
  slowChat = await startChatService({ SESSION_RECHECK_INTERVAL: '1h' });
  floorChat = await startChatService({});
  slowGateway = await startGateway([authPort], { SESSION_RECHECK_INTERVAL: '1h' }, [slowChat.port]);
  floorGateway = await startGateway([authPort], {}, [floorChat.port]);
});

// Each test's sockets, streams and Deliver calls are stopped after it, not only after the file:
// the next test counts the subscriptions on the same gateway.
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const dispose of cleanup.splice(0)) await dispose();
});

/** A new account, signed in once: its session and token. */
async function signIn() {
  const { user, tokens } = await authApi.unary.register(newAccount('gr'), as());
  return { id: user!.id, sessionId: tokens!.sessionId, token: tokens!.accessToken, md: as(tokens!.accessToken) };
}
type Account = Awaited<ReturnType<typeof signIn>>;

/** Logs the session out on the other instance: no feed carries it. */
const revokeElsewhere = (account: Account) => elsewhereApi.unary.logout({}, account.md);

/** A socket of `account` on `gateway`, with a `chatEvents` subscription on it. */
async function socketOf(gateway: GatewayApp, account: Account) {
  const socket = openGraphqlWs(gateway.port, account.token);
  cleanup.push(() => socket.close());
  await socket.ready();
  socket.subscribe('events', QUERY);
  return socket;
}

function streamOf(gateway: GatewayApp, account: Account): HttpSubscription {
  const stream = subscribeOverSse(gateway.port, account.token, QUERY);
  cleanup.push(() => stream.abort());
  return stream;
}

/** A Deliver call of the test's own to `chat`, with one subscriber of `account`: how chat-service ends it. */
async function deliverSubscriberOf(chat: ChatApp, account: Account) {
  const client: ServiceClient<ChatServiceClient> = chatClient(chat.port);
  const call = client.pick().deliver();
  let snapshot = false;
  let ended: string | undefined;
  call.on('data', (response: DeliverResponse) => {
    if (response.kind?.$case === 'snapshot') snapshot = true;
    if (response.kind?.$case === 'ended') ended = status[response.kind.ended.code];
  });
  call.on('error', () => {});
  cleanup.push(
    leftover(() => {
      call.cancel();
      client.close();
    }),
  );
  call.write({ kind: { $case: 'add', add: { id: 1, authorization: `Bearer ${account.token}`, resume: [] } } });
  await until(() => snapshot || ended !== undefined, 'the Deliver subscriber to start', WAIT_MS);
  expect(ended).toBeUndefined();
  return { ended: () => ended };
}

/**
 * Waits for everything of the revoked session to end: its socket closed with 4403, its HTTP
 * stream and chat-service's Deliver subscriber ended with UNAUTHENTICATED; the other session's
 * socket stays open.
 */
async function endedForTheRevokedOnly(of: {
  doomedSocket: Awaited<ReturnType<typeof socketOf>>;
  doomedStream: HttpSubscription;
  subscriber: Awaited<ReturnType<typeof deliverSubscriberOf>>;
  keptSocket: Awaited<ReturnType<typeof socketOf>>;
}) {
  await until(() => of.doomedSocket.closeCode() !== undefined, 'the socket of the revoked session to close', WAIT_MS);
  expect(of.doomedSocket.closeCode()).toBe(4403);
  await until(() => of.doomedStream.isEnded(), 'the HTTP stream of the revoked session to end', WAIT_MS);
  expect(of.doomedStream.codes()).toEqual(['UNAUTHENTICATED']);
  await until(() => of.subscriber.ended() !== undefined, 'chat-service to end its subscriber', WAIT_MS);
  expect(of.subscriber.ended()).toBe('UNAUTHENTICATED');
  expect(of.keptSocket.closeCode()).toBeUndefined();
}

describe.skipIf(!available)('revocation, whatever failed', () => {
  it('while publishing to Redis fails: the session’s socket closes with 4403 and chat-service ends its subscriber', async () => {
    const [victim, bystander] = await Promise.all([signIn(), signIn()]);
    const doomedSocket = await socketOf(slowGateway, victim);
    const keptSocket = await socketOf(slowGateway, bystander);
    const subscriber = await deliverSubscriberOf(slowChat, victim);
    await until(() => slowGateway.events.size() === 2, 'both socket subscriptions', WAIT_MS);

    await redis!.kill();
    try {
      const { data, errors } = await graphqlClient(slowGateway.port).request<{ logout: boolean }>(
        'mutation { logout }',
        {},
        { token: victim.token },
      );
      expect(errors).toBeUndefined();
      expect(data?.logout).toBe(true);
      await until(() => doomedSocket.closeCode() !== undefined, 'the socket of the revoked session to close', WAIT_MS);
      expect(doomedSocket.closeCode()).toBe(4403);
      await until(() => subscriber.ended() !== undefined, 'chat-service to end its subscriber', WAIT_MS);
      expect(subscriber.ended()).toBe('UNAUTHENTICATED');
      expect(keptSocket.closeCode()).toBeUndefined();
    } finally {
      await redis!.restart();
    }
  });

  it('made while the feed was down: the recheck after the gap ends the socket, the HTTP stream and the subscriber', async () => {
    const [victim, bystander] = await Promise.all([signIn(), signIn()]);
    const doomedSocket = await socketOf(slowGateway, victim);
    const keptSocket = await socketOf(slowGateway, bystander);
    const doomedStream = streamOf(slowGateway, victim);
    const subscriber = await deliverSubscriberOf(slowChat, victim);
    await until(() => slowGateway.events.size() === 3, 'the subscriptions on the gateway', WAIT_MS);

    // The feed goes down with its auth-service; meanwhile the session is revoked elsewhere.
    await auth.stop();
    await revokeElsewhere(victim);
    auth = await startOurAuth();

    await endedForTheRevokedOnly({ doomedSocket, doomedStream, subscriber, keptSocket });
  });

  it('that no feed carries: the periodic recheck ends the socket, the HTTP stream and the subscriber', async () => {
    const [victim, bystander] = await Promise.all([signIn(), signIn()]);
    const doomedSocket = await socketOf(floorGateway, victim);
    const keptSocket = await socketOf(floorGateway, bystander);
    const doomedStream = streamOf(floorGateway, victim);
    const subscriber = await deliverSubscriberOf(floorChat, victim);
    await until(() => floorGateway.events.size() === 3, 'the subscriptions on the gateway', WAIT_MS);

    await revokeElsewhere(victim);

    await endedForTheRevokedOnly({ doomedSocket, doomedStream, subscriber, keptSocket });
  });
});
