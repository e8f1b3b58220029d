import { expect } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphqlClient } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { collect } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';

// A chat's member and sender through a gateway, for the tests that take a chat-service away
// under traffic (multi-instance.test.ts, test/e2e/chat-kill.test.ts).

const FOLLOW =
  'subscription ($r: [ChatCursorInput!]) { chatEvents(resume: $r) { __typename ... on MessageCreated { seq message { body } } } }';
const SEND = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { seq } }';

type FollowEvent = { chatEvents: { __typename: string; seq?: number; message?: { body: string } } };

/**
 * The member of `token` following `chatId` over graphql-ws from its first message (seq 0): so
 * that whenever chat-service registers the stream, nothing before it is missed. Its client is
 * disposed of after the file's tests.
 */
export function followChat(port: number, token: string, chatId: string) {
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  leftover(() => client.dispose());
  const sub = collect<FollowEvent>(client, FOLLOW, { r: [{ chatId, afterSeq: 0 }] });
  return {
    /** The bodies of the messages received, in order. */
    bodies: () =>
      sub.events.flatMap((e) => (e.chatEvents.__typename === 'MessageCreated' ? [e.chatEvents.message!.body] : [])),
  };
}

/**
 * Sends a message, retried with the same clientMessageId until it is acknowledged (a retry
 * never doubles it); meanwhile the only refusal allowed is UNAVAILABLE.
 */
export async function sendUntilAcked(
  port: number,
  token: string,
  input: { chatId: string; body: string; clientMessageId: string },
  timeoutMs = 60_000,
): Promise<void> {
  await until(
    async () => {
      const res = await graphqlClient(port).request(SEND, { input }, { token });
      if (!res.errors) return true;
      expect(res.errors[0]?.extensions?.code).toBe('UNAVAILABLE');
      return false;
    },
    `"${input.body}" acknowledged`,
    timeoutMs,
  );
}
