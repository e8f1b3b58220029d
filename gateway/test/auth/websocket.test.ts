import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { leftover } from '../../../test/support/leftovers.js';
import { startGateway } from '../../../test/support/gateway.js';
import { useAuthGateway } from './helpers.js';

// graphql-ws connections: who may open one, and when the gateway closes them.

const stack = useAuthGateway('gw_auth_ws');

describe('WebSocket', () => {
  /** A bare graphql-ws socket that has sent its connection_init: how it closes, its first message. */
  const signedIn = async (port: number, token: string) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    leftover(() => socket.close());
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const acked = new Promise((resolve) => socket.once('message', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    return { socket, closed, acked };
  };

  const connect = (authorization?: string) =>
    new Promise<{ code: number } | 'connected'>((resolve) => {
      const client = createClient({
        url: `ws://127.0.0.1:${stack.gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {}, // the close is the result under test, reported through `closed`
        connectionParams: authorization ? { authorization } : {},
        on: {
          connected: () => {
            resolve('connected');
            void client.dispose();
          },
          closed: (event) => resolve({ code: (event as { code: number }).code }),
        },
      });
    });

  it('refuses connection_init without a valid token with 4403', async () => {
    expect(await connect()).toEqual({ code: 4403 });
    expect(await connect('Bearer garbage')).toEqual({ code: 4403 });
    const a = await stack.register();
    await stack.gql('mutation { logout }', {}, { token: a.accessToken });
    expect(await connect(`Bearer ${a.accessToken}`)).toEqual({ code: 4403 });
  });

  it('closes the sockets of a revoked session with 4403', async () => {
    const a = await stack.register();
    const { closed, acked } = await signedIn(stack.gateway.port, a.accessToken);
    expect(JSON.parse(String(await acked))).toEqual({ type: 'connection_ack' });
    await stack.gql('mutation { logout }', {}, { token: a.accessToken });
    expect(await closed).toBe(4403);
  });

  it('closes its WebSockets with 1012 when it stops, so clients reconnect', async () => {
    const stopping = await startGateway([stack.auth.port]);
    const a = await stack.register();
    const { closed, acked } = await signedIn(stopping.port, a.accessToken);
    await acked;
    await stopping.stop();
    expect(await closed).toBe(1012);
  });

  it('pings an idle socket to keep it alive', async () => {
    const pinging = await startGateway([stack.auth.port], {}, [1], { wsKeepAliveMs: 100 });
    const a = await stack.register();
    const { socket } = await signedIn(pinging.port, a.accessToken);
    const pings = await new Promise<number>((resolve) => {
      let count = 0;
      socket.on('ping', () => ++count === 3 && resolve(count));
    });
    expect(pings).toBe(3);
  });

  it('accepts a valid token and runs operations over the socket', async () => {
    const a = await stack.register();
    expect(await connect(`Bearer ${a.accessToken}`)).toBe('connected');
    const client = createClient({
      url: `ws://127.0.0.1:${stack.gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${a.accessToken}` },
    });
    leftover(() => client.dispose());
    const result = await new Promise((resolve, reject) => {
      client.subscribe({ query: '{ me { id } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    expect(result).toEqual({ data: { me: { id: a.user.id } } });
  });
});
