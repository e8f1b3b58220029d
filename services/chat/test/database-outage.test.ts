import { createServer, Socket, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useChatService } from '../../../test/support/chat.js';
import { leftover } from '../../../test/support/leftovers.js';
import { freePort } from '../../../test/support/ports.js';
import { until } from '../../../test/support/wait.js';
import { direct, outcome, send, users } from './helpers.js';

// PostgreSQL out of reach (restarting, failing over, a network cut) is an outage, not a bug:
// chat-service answers UNAVAILABLE, which clients retry, and serves again once it is back.
// chat-service reaches its database here through a TCP relay the test can cut.

const relayPort = await freePort();
const sockets = new Set<Socket>();
let target: { host: string; port: number } | undefined;
/** Every connection through the relay dropped, and no new one accepted (also after the file's tests). */
let cutRelay: () => Promise<void>;

function openRelay(): Promise<void> {
  const relay: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(target!.port, target!.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  cutRelay = leftover(
    () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  return new Promise((resolve) => relay.listen(relayPort, '127.0.0.1', resolve));
}

const svc = useChatService('chat_db_outage', {
  env: () => {
    // Runs once the test database exists: chat-service gets its URL with the relay's address.
    const url = new URL(svc.db.url);
    target = { host: url.hostname, port: Number(url.port || 5432) };
    void openRelay();
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
    return { CHAT_DATABASE_URL: url.toString() };
  },
});

describe('PostgreSQL out of reach', () => {
  it(
    'answers UNAVAILABLE (never INTERNAL) meanwhile, and serves again once it is back',
    { timeout: 60_000 },
    async () => {
      const [a, b] = await users(svc, 2);
      const chat = await direct(svc, a!, b!);
      expect((await send(svc, a!, chat.id, 'before')).seq).toBe(1);

      await cutRelay();
      for (let i = 0; i < 3; i++) {
        expect(await outcome(send(svc, a!, chat.id, `during ${i}`))).toEqual({ code: 'UNAVAILABLE' });
      }

      await openRelay();
      let seq: number | undefined;
      await until(
        async () => {
          seq = await send(svc, a!, chat.id, 'after').then(
            (message) => message.seq,
            () => undefined,
          );
          return seq !== undefined;
        },
        'a send once the database is back',
        30_000,
      );
      expect(seq).toBe(2);
    },
  );
});
