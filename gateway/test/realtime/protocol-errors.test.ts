import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { leftover } from '../../../test/support/leftovers.js';
import { useRealtime, type Account } from './helpers.js';

// graphql-ws protocol errors on a socket spoken by hand. See helpers.ts for the
// path these tests hold, and how a test waits for subscriptions to be live.

const { stack, waitFor, registered, users, send } = useRealtime('gw_rt_protocol');

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
      // Stopped after the test, not only after the file: the next test starts with no subscription.
      const terminate = leftover(() => socket.terminate());
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
        // Both live (see `live` in helpers.ts): the other user's typing reaches both.
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
        expect(errors.find((m) => m.id === 'bad')).toMatchInlineSnapshot(`
          {
            "id": "bad",
            "payload": [
              {
                "locations": [
                  {
                    "column": 40,
                    "line": 1,
                  },
                ],
                "message": "Syntax Error: Expected Name, found <EOF>.",
              },
            ],
            "type": "error",
          }
        `);
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
        await terminate();
      }
    },
  );
});
