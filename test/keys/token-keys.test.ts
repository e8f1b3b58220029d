import { readFileSync } from 'node:fs';
import { SignJWT, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair, privateKeySet } from '../../lib/jwt-keys.js';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../lib/jwt.js';
import { authClient, as, newAccount } from '../support/auth.js';
import { chatClient } from '../support/chat.js';
import { graphqlClient } from '../support/gateway.js';
import { testKeys } from '../support/keys.js';
import { leftover } from '../support/leftovers.js';
import { freePort } from '../support/ports.js';
import { startSystem, type System } from '../support/system.js';
import { statusOf, until } from '../support/wait.js';
import { createServiceClient } from '../../lib/grpc/client.js';
import { ProfilesServiceClient } from '../../proto/gen/profiles/v1/profiles.js';
import { openGraphqlWs, subscribeOverSse } from '../../gateway/test/subscription-clients.js';
import { retireKeys, rotateKeys } from '../../scripts/token-keys.js';

// Access tokens are signed by auth-service alone, with Ed25519 keys from JWT_PRIVATE_KEY_FILE;
// the gateway, chat-service and profiles-service verify with the public keys, asked of
// auth-service. Tried against the whole system as `npm start` runs it (database URLs set, so the
// key file is the operator's), over every transport: a token signed by any other key is refused
// everywhere; `npm run keys -- rotate` makes a new key sign while the old one still verifies, and
// `retire` ends what rests on the old key's tokens: WebSockets close with 4403, HTTP streams end
// UNAUTHENTICATED, and the client refreshes and resumes.

const keys = testKeys();
const ports = { auth: 0, chat: 0, profiles: 0 };
let system: System;
let gql: ReturnType<typeof graphqlClient>;

beforeAll(async () => {
  ports.auth = await freePort();
  ports.chat = await freePort();
  ports.profiles = await freePort();
  system = await startSystem('token_keys', {
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
    // Reloaded often, so that a rotation shows within the test.
    JWT_KEYS_REFRESH: '200ms',
    AUTH_GRPC_LISTEN: `127.0.0.1:${ports.auth}`,
    CHAT_GRPC_LISTEN: `127.0.0.1:${ports.chat}`,
    PROFILES_GRPC_LISTEN: `127.0.0.1:${ports.profiles}`,
  });
  leftover(() => system.stop());
  gql = graphqlClient(system.gatewayPort);
}, 180_000);

const REGISTER = 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }';
const REFRESH = 'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }';
const SUBSCRIPTION = 'subscription { chatEvents { __typename } }';
const GROUP = 'mutation ($input: CreateGroupChatInput!) { createGroupChat(input: $input) { id } }';

async function register() {
  const { email, username, password } = newAccount('keys');
  const res = await gql.request<{ register: { accessToken: string; refreshToken: string } }>(REGISTER, {
    input: { email, username, password },
  });
  return res.data!.register;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code ?? 'OK';

/**
 * How every process answers `token`: the gateway over HTTP, WebSocket and SSE, and each service
 * over gRPC. A stream over SSE that was accepted says so with its first event: `owner` (a valid
 * token of the same user) creates groups until one arrives.
 */
async function answers(token: string, owner: string) {
  const socket = openGraphqlWs(system.gatewayPort, token);
  const closeSocket = leftover(() => socket.close());
  const ws = await socket.ready().then(
    () => 'OK',
    () => `closed ${socket.closeCode()}`,
  );
  await closeSocket();
  const sse = subscribeOverSse(system.gatewayPort, token, SUBSCRIPTION);
  const abortSse = leftover(() => sse.abort());
  let lastGroup = 0;
  await until(async () => {
    if (sse.results.length > 0 || sse.isEnded()) return true;
    if (Date.now() - lastGroup > 500) {
      lastGroup = Date.now();
      await gql.request(GROUP, { input: { title: 'keys', memberIds: [] } }, { token: owner });
    }
    return false;
  }, 'an answer over SSE');
  await abortSse();
  const auth = authClient(ports.auth);
  const chat = chatClient(ports.chat);
  const profiles = createServiceClient(ProfilesServiceClient, [`127.0.0.1:${ports.profiles}`], { deadlineMs: 10_000 });
  try {
    return {
      http: codeOf(await gql.request('{ me { id } }', {}, { token })),
      ws,
      sse: sse.codes()[0] ?? 'OK',
      auth: await statusOf(auth.unary.listSessions({}, as(token))),
      chat: await statusOf(chat.unary.listChats({ first: 1 }, as(token))),
      profiles: await statusOf(profiles.unary.getProfiles({ userIds: [] }, as(token))),
    };
  } finally {
    auth.close();
    chat.close();
    profiles.close();
  }
}

const ACCEPTED = { http: 'OK', ws: 'OK', sse: 'OK', auth: 'OK', chat: 'OK', profiles: 'OK' };
const REFUSED = {
  http: 'UNAUTHENTICATED',
  ws: 'closed 4403',
  sse: 'UNAUTHENTICATED',
  auth: 'UNAUTHENTICATED',
  chat: 'UNAUTHENTICATED',
  profiles: 'UNAUTHENTICATED',
};

/** The claims of `token`, signed again with another Ed25519 key under the header given. */
async function resigned(token: string, kid: string | undefined) {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  const other = (await privateKeySet(newKeyPair().privatePem)).signing!;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(kid ? { kid } : {}) })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .sign(other.privateKey);
}

describe('token keys', () => {
  it('accepts auth-service’s tokens everywhere and refuses one signed by any other key', async () => {
    const { accessToken } = await register();
    expect(await answers(accessToken, accessToken)).toEqual(ACCEPTED);
    // The same claims under another key: with auth-service's kid, with the other key's own, with none.
    const realKid = kidOf(accessToken)!;
    expect(await answers(await resigned(accessToken, realKid), accessToken)).toEqual(REFUSED);
    expect(await answers(await resigned(accessToken, 'made-up'), accessToken)).toEqual(REFUSED);
    expect(await answers(await resigned(accessToken, undefined), accessToken)).toEqual(REFUSED);
  });

  it('rotates without a restart, and retiring the old key ends what rests on its tokens', async () => {
    const before = await register();
    const oldKid = kidOf(before.accessToken);
    // Live on the old key: a WebSocket and a stream over HTTP.
    // Both are ended by the retirement; closed after the file if the test fails before it.
    const socket = openGraphqlWs(system.gatewayPort, before.accessToken);
    leftover(() => socket.close());
    await socket.ready();
    socket.subscribe('1', SUBSCRIPTION);
    const sse = subscribeOverSse(system.gatewayPort, before.accessToken, SUBSCRIPTION);
    leftover(() => sse.abort());

    await rotateKeys({ privateKeyFile: keys.privateKeyFile });
    const newKid = (await privateKeySet(readFileSync(keys.privateKeyFile, 'utf8'))).signing!.kid;
    let after = before;
    await until(async () => {
      after = await register();
      return kidOf(after.accessToken) === newKid;
    }, 'auth-service to sign with the new key');
    expect(newKid).not.toBe(oldKid);
    // Both keys verify everywhere meanwhile; what was live stays.
    expect(await answers(after.accessToken, after.accessToken)).toEqual(ACCEPTED);
    expect(await answers(before.accessToken, before.accessToken)).toEqual(ACCEPTED);
    expect(socket.closeCode()).toBeUndefined();
    expect(sse.isEnded()).toBe(false);

    expect(await retireKeys({ privateKeyFile: keys.privateKeyFile })).toBe(1);
    await until(() => socket.closeCode() !== undefined, 'the WebSocket on the retired key to close');
    expect(socket.closeCode()).toBe(4403);
    await until(() => sse.isEnded(), 'the HTTP stream on the retired key to end');
    expect(sse.codes()).toEqual(['UNAUTHENTICATED']);
    expect(await answers(before.accessToken, after.accessToken)).toEqual(REFUSED);
    expect(await answers(after.accessToken, after.accessToken)).toEqual(ACCEPTED);

    // The client's way back: its refresh token still works, and the new access token subscribes.
    const refreshed = await gql.request<{ refreshToken: { accessToken: string } }>(REFRESH, { t: before.refreshToken });
    const token = refreshed.data!.refreshToken.accessToken;
    expect(kidOf(token)).toBe(newKid);
    const again = openGraphqlWs(system.gatewayPort, token);
    const closeAgain = leftover(() => again.close());
    await again.ready();
    await closeAgain();
  });
});
