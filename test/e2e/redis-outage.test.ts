import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphqlClient } from '../support/gateway.js';
import { leftover } from '../support/leftovers.js';
import { freePort } from '../support/ports.js';
import { haveRedisServer, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startSystem, type System } from '../support/system.js';
import { until } from '../support/wait.js';

/**
 * Redis is optional at run time: with the system on Redis (two chat-service instances) and a
 * subscriber listening, Redis is killed. While it is away, logins, refreshes, sends and history
 * reads keep succeeding (PostgreSQL is the truth), a logout still takes effect; when Redis
 * returns, the subscriber gets every message sent meanwhile, once, in order, without
 * reconnecting.
 */

const available = haveRedisServer('Redis outage (e2e)');
let redis: RedisServer | undefined;
let system: System;

beforeAll(async () => {
  if (!available) return;
  redis = await startRedisServer(await freePort(), 'e2e-redis-outage');
  leftover(() => redis?.stop());
  system = await startSystem('redis outage', { REDIS_URL: redis!.url, CHAT_INSTANCES: '2', RATE_LIMITS: 'off' });
  leftover(() => system.stop());
}, 120_000);

interface Account {
  id: string;
  accessToken: string;
  refreshToken: string;
}

describe.skipIf(!available)('Redis away', () => {
  it(
    'sends, reads, logins and logouts work meanwhile; live delivery catches up after',
    { timeout: 180_000 },
    async () => {
      const gql = graphqlClient(system.gatewayPort).request;
      const register = async (name: string): Promise<Account> => {
        const answer = await gql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(
          'mutation ($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id } } }',
          { input: { email: `${name}@example.com`, username: name, password: 'a long password' } },
        );
        expect(answer.errors).toBeUndefined();
        const { accessToken, refreshToken, user } = answer.data!.register;
        return { id: user.id, accessToken, refreshToken };
      };
      const login = async (name: string) => {
        const answer = await gql<{ login: { accessToken: string; refreshToken: string } }>(
          'mutation ($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }',
          { input: { email: `${name}@example.com`, password: 'a long password' } },
        );
        expect(answer.errors).toBeUndefined();
        return answer.data!.login;
      };
      const alice = await register('alice_ro');
      const bob = await register('bob_ro');
      const chat = await gql<{ createDirectChat: { id: string } }>(
        'mutation ($id: ID!) { createDirectChat(userId: $id) { id } }',
        { id: bob.id },
        { token: alice.accessToken },
      );
      const chatId = chat.data!.createDirectChat.id;

      const seqs: number[] = [];
      const client = createClient({
        url: `ws://127.0.0.1:${system.gatewayPort}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${bob.accessToken}` },
      });
      leftover(() => client.dispose());
      let failure: unknown;
      client.subscribe<{ chatEvents: { __typename: string; seq?: number } }>(
        {
          // From the chat's start: what is sent before the subscription is live is replayed.
          query:
            'subscription ($resume: [ChatCursorInput!]) { chatEvents(resume: $resume) { __typename ... on MessageCreated { seq } } }',
          variables: { resume: [{ chatId, afterSeq: 0 }] },
        },
        {
          next: ({ data }) => {
            if (data?.chatEvents.__typename === 'MessageCreated') seqs.push(data.chatEvents.seq!);
          },
          error: (error) => (failure = error),
          complete: () => {},
        },
      );
      const send = async (body: string) => {
        const answer = await gql<{ sendMessage: { seq: number } }>(
          'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }',
          { input: { chatId, body, clientMessageId: body } },
          { token: alice.accessToken },
        );
        expect(answer.errors, `sending ${body}`).toBeUndefined();
        return answer.data!.sendMessage.seq;
      };
      const sent: number[] = [];
      for (let i = 0; i < 5; i++) sent.push(await send(`before ${i}`));
      await until(
        () => seqs.length >= 5,
        () => `the messages sent before the outage (${String(failure)})\n${system.output()}`,
      );
      const spare = await login('alice_ro');

      await redis!.kill();
      for (let i = 0; i < 10; i++) sent.push(await send(`during ${i}`));
      const history = await gql<{ messages: { edges: { node: { seq: number } }[] } }>(
        'query ($id: ID!) { messages(chatId: $id, last: 50) { edges { node { seq } } } }',
        { id: chatId },
        { token: bob.accessToken },
      );
      expect(history.errors).toBeUndefined();
      expect(history.data!.messages.edges.map((e) => e.node.seq)).toEqual(sent);
      const again = await login('bob_ro');
      const refreshed = await gql<{ refreshToken: { accessToken: string } }>(
        'mutation ($token: String!) { refreshToken(refreshToken: $token) { accessToken } }',
        { token: again.refreshToken },
      );
      expect(refreshed.errors).toBeUndefined();
      // A logout while Redis is away still ends the session everywhere: PostgreSQL is asked.
      const out = await gql<{ logout: boolean }>('mutation { logout }', {}, { token: spare.accessToken });
      expect(out.errors).toBeUndefined();
      await until(
        async () => {
          const me = await gql('{ me { id } }', {}, { token: spare.accessToken });
          return me.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';
        },
        'the logged-out token refused while Redis is away',
        10_000,
      );

      await redis!.restart();
      sent.push(await send('after'));
      await until(
        () => seqs.length >= sent.length,
        () => `every message live after Redis returned (${seqs.length}/${sent.length})`,
        60_000,
      );
      expect(failure).toBeUndefined();
      expect(seqs).toEqual(sent);
    },
  );
});
