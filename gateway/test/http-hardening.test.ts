import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount } from '../../test/support/auth.js';
import { startGateway, type GraphQLResponse } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';
import type { GatewayApp } from '../../test/support/gateway.js';

// The gateway's HTTP and WebSocket servers against clients that send too much or too slowly
// (gateway/src/defence/http-body.ts, http-server.ts): a body over MAX_REQUEST_BYTES is refused
// with 413 and its connection closed without reading the rest, a WebSocket message over
// WS_MAX_PAYLOAD_BYTES closes its socket with 1009 from its frame header, and a client that
// sends its request too slowly is cut off with 408, while long answers (server-sent events,
// WebSockets) are not. Raw sockets count what the server took; nothing here measures time.

const stack = useStack('gw_hardening');

const MiB = 1024 * 1024;
const LIMIT = MiB; // MAX_REQUEST_BYTES's default

/** One raw TCP connection: what this side managed to send, what came back, and its end. */
async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  leftover(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = Buffer.alloc(0);
  let sent = 0;
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  // The server resets a connection whose rest it will not read: that is the point.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    closed,
    isClosed: () => socket.destroyed,
    /** Bytes the kernel took from this side (the server may not have read them all). */
    sent: () => sent,
    received: () => received.toString('latin1'),
    /** Resolves true once `data` has left this process, false when the connection is gone. */
    write: (data: string | Buffer) =>
      new Promise<boolean>((resolve) => {
        if (socket.destroyed || !socket.writable) return resolve(false);
        socket.write(data, (error) => {
          if (!error) sent += Buffer.byteLength(data);
          resolve(!error);
        });
      }),
  };
}
type RawConnection = Awaited<ReturnType<typeof rawConnection>>;

/** The status and the parsed JSON body of the first answer on a raw connection. */
function answerOf(conn: RawConnection) {
  const text = conn.received();
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    head,
    body: body ? (JSON.parse(body) as GraphQLResponse) : undefined,
  };
}

/** Sends `total` bytes of body in 64 KiB pieces (chunk-encoded if asked) until done or cut off. */
async function sendBody(conn: RawConnection, total: number, chunked: boolean, stopAfter = total) {
  const piece = Buffer.alloc(64 * 1024, 0x20);
  let bodySent = 0;
  while (bodySent < Math.min(total, stopAfter)) {
    const data = chunked
      ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
      : piece;
    if (!(await conn.write(data))) break;
    bodySent += piece.length;
  }
  return bodySent;
}

const ME = '{ me { id } }';

/** A normal client's request, answered while another client misbehaves. */
async function normalRequest(port: number, token: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ME }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse };
}

const healthz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`)).status;

function expectTooLarge(conn: RawConnection) {
  const answer = answerOf(conn);
  expect(answer.status).toBe(413);
  expect(answer.head.toLowerCase()).toContain('connection: close');
  expect(answer.body?.errors?.[0]).toEqual({
    message: `the request body is larger than ${LIMIT} bytes (MAX_REQUEST_BYTES)`,
    extensions: { code: 'PAYLOAD_TOO_LARGE' },
  });
}

describe('request bodies', () => {
  it('refuses a declared 20 MB body with 413 before reading any of it, and closes the connection', async () => {
    const a = await stack.user('bodydecl');
    const conn = await rawConnection(stack.gateway.port);
    const body = 20 * MiB;
    await conn.write(
      `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${body}\r\n\r\n`,
    );
    // The answer comes before a byte of the body has been sent.
    await until(() => conn.received().includes('\r\n\r\n'), 'the answer');
    expectTooLarge(conn);
    const [bodySent] = await Promise.all([sendBody(conn, body, false), conn.closed]);
    expect(bodySent).toBeLessThan(body);
    const normal = await normalRequest(stack.gateway.port, a.token);
    expect(normal.body).toEqual({ data: { me: { id: a.id } } });
  });

  it('cuts a chunked 20 MB body off at the limit, while /healthz and other clients are served', async () => {
    const a = await stack.user('bodychunk');
    const conn = await rawConnection(stack.gateway.port);
    const body = 20 * MiB;
    await conn.write(
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    // Half the limit in, the server is still reading this body; others are served meanwhile.
    await sendBody(conn, body, true, LIMIT / 2);
    expect(conn.received()).toBe('');
    expect(await healthz(stack.gateway.port)).toBe(200);
    expect((await normalRequest(stack.gateway.port, a.token)).body).toEqual({ data: { me: { id: a.id } } });
    // The rest: refused once past the limit; the connection closes long before 20 MB went out.
    const [rest] = await Promise.all([sendBody(conn, body - LIMIT / 2, true), conn.closed]);
    expect(LIMIT / 2 + rest).toBeLessThan(body / 2);
    expectTooLarge(conn);
  });

  it('takes a body of exactly the limit and refuses one byte more, writing nothing', async () => {
    /** The JSON of `query` and `variables`, padded with trailing white space to `size` bytes. */
    const padded = (query: string, variables: Record<string, unknown>, size: number) => {
      const json = JSON.stringify({ query, variables });
      return json + ' '.repeat(size - Buffer.byteLength(json));
    };
    const post = (body: string) =>
      fetch(`http://127.0.0.1:${stack.gateway.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const fits = padded('{ __typename }', {}, LIMIT);
    expect(Buffer.byteLength(fits)).toBe(LIMIT);
    const ok = await post(fits);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { __typename: 'Query' } });
    // One byte more, a registration: 413, and no account is created.
    const { email, username, password } = newAccount('bodyreg');
    const register = 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }';
    const over = await post(padded(register, { input: { email, username, password } }, LIMIT + 1));
    expect(over.status).toBe(413);
    expect(((await over.json()) as GraphQLResponse).errors?.[0]?.extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE' });
    const res = await stack.chatService.authService.auth.register(
      { email, username, password, userAgent: 'vitest' },
      as(),
    );
    expect(res.user?.username).toBe(username);
  });
});

/** Opens a raw WebSocket (graphql-transport-ws) to the gateway: the socket after the upgrade. */
function rawWebSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/graphql',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-protocol': 'graphql-transport-ws',
      },
    });
    req.once('upgrade', (_res, socket) => {
      leftover(() => socket.destroy());
      resolve(socket);
    });
    req.once('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
}

describe('WebSocket messages', () => {
  it('closes a socket with 1009 as soon as a frame says it carries 50 MB, while other sockets go on', async () => {
    const a = await stack.user('wsbig');
    const closes: number[] = [];
    const other = createClient({
      url: `ws://127.0.0.1:${stack.gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      connectionParams: { authorization: `Bearer ${a.token}` },
      on: { closed: (event) => void closes.push((event as { code: number }).code) },
    });
    leftover(() => other.dispose());
    const query = () =>
      new Promise<unknown>((resolve, reject) => {
        other.subscribe({ query: ME }, { next: (result) => resolve(result.data), error: reject, complete: () => {} });
      });
    expect(await query()).toEqual({ me: { id: a.id } });

    const socket = await rawWebSocket(stack.gateway.port);
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('error', () => {});
    // A masked text frame whose header announces 50 MB, followed by only 64 KiB of it.
    const header = Buffer.alloc(14);
    header[0] = 0x81; // FIN, text
    header[1] = 0x80 | 127; // masked, 64-bit length
    header.writeBigUInt64BE(50n * BigInt(MiB), 2);
    randomBytes(4).copy(header, 10);
    socket.write(Buffer.concat([header, Buffer.alloc(64 * 1024)]));
    await until(() => received.length >= 4, 'a close frame');
    expect(received[0]).toBe(0x88); // FIN, close
    expect(received.readUInt16BE(2)).toBe(1009); // message too big
    socket.destroy();

    // The other client's socket was never touched.
    expect(await query()).toEqual({ me: { id: a.id } });
    expect(closes).toEqual([]);
  });

  it('closes a graphql-ws client that sends a 2 MiB subscribe message with 1009', async () => {
    const a = await stack.user('wsbig2');
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: `ws://127.0.0.1:${stack.gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {},
        connectionParams: { authorization: `Bearer ${a.token}` },
        on: {
          connected: () =>
            void client.subscribe(
              { query: `{ me { id } } # ${'x'.repeat(2 * MiB)}` },
              { next: () => {}, error: () => {}, complete: () => {} },
            ),
          closed: (event) => resolve((event as { code: number }).code),
        },
      });
      leftover(() => client.dispose());
    });
    expect(await closed).toBe(1009);
  });
});

describe('slow clients', () => {
  let gateway: GatewayApp;
  beforeAll(async () => {
    gateway = await startGateway(
      [stack.chatService.authService.app.port],
      {
        PROFILES_GRPC_ADDR: `127.0.0.1:${stack.profilesService.app.port}`,
        HTTP_HEADERS_TIMEOUT: '1s',
        HTTP_REQUEST_TIMEOUT: '1s',
        HTTP_KEEP_ALIVE_TIMEOUT: '1s',
      },
      [stack.chatService.app.port],
    );
  });
  /**
   * Sends `text` one byte at a time, 50 ms apart (far slower than 1 s for all of it), until cut
   * off. The pause is the slow client under test, not a wait for a state.
   */
  async function dribble(conn: RawConnection, text: string) {
    for (const byte of text) {
      if (!(await conn.write(byte))) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (conn.isClosed()) return false;
    }
    return true;
  }

  it('cuts off a client that sends its headers byte by byte (408), and one that stalls in its body', async () => {
    const slowHeaders = await rawConnection(gateway.port);
    const headers = `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    expect(await dribble(slowHeaders, headers)).toBe(false);
    await slowHeaders.closed;
    expect(slowHeaders.sent()).toBeLessThan(headers.length);
    expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 /);

    const slowBody = await rawConnection(gateway.port);
    await slowBody.write(
      'POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":',
    );
    await slowBody.closed;
    expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection', async () => {
    const conn = await rawConnection(gateway.port);
    await conn.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await conn.closed; // by the server: this side never ends it
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(conn.received().toLowerCase()).toContain('keep-alive');
  });

  it('cuts neither a subscription over server-sent events nor a WebSocket that outlive the timeouts', async () => {
    const [a, b] = [await stack.user('slowsse'), await stack.user('slowsse')];
    const { chat } = await stack.chatService.chat.createGroupChat({ title: 'sse', memberIds: [b.id] }, a.md);
    const chatId = chat!.id;
    // A server-sent event stream of b's and a WebSocket of b's, both opened first.
    const abort = new AbortController();
    const stopSse = leftover(() => abort.abort());
    const sse = await fetch(`http://127.0.0.1:${gateway.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${b.token}` },
      body: JSON.stringify({
        query: 'subscription { chatEvents { __typename ... on MessageCreated { message { body } } } }',
      }),
      signal: abort.signal,
    });
    expect(sse.status).toBe(200);
    let streamed = '';
    const reading = (async () => {
      const decoder = new TextDecoder();
      const reader = sse.body!.getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        streamed += decoder.decode(chunk.value, { stream: true });
      }
    })().catch(() => {});
    const wsCloses: number[] = [];
    const ws = createClient({
      url: `ws://127.0.0.1:${gateway.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {},
      connectionParams: { authorization: `Bearer ${b.token}` },
      on: { closed: (event) => void wsCloses.push((event as { code: number }).code) },
    });
    const disposeWs = leftover(() => ws.dispose());
    const wsEvents: string[] = [];
    ws.subscribe<{ chatEvents: { message?: { body: string } } }>(
      { query: 'subscription { chatEvents { ... on MessageCreated { message { body } } } }' },
      {
        next: (result) => void wsEvents.push(result.data?.chatEvents.message?.body ?? ''),
        error: () => {},
        complete: () => {},
      },
    );
    await until(() => gateway.events.size() === 2, 'both subscriptions started');

    // A client cut off by the headers timeout, started after both: they are now older than it.
    const slow = await rawConnection(gateway.port);
    await dribble(slow, `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`);
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);

    // Both still deliver.
    const body = `still here ${randomUUID()}`;
    await stack.chatService.chat.sendMessage({ chatId, body, clientMessageId: randomUUID() }, a.md);
    await until(() => streamed.includes(body) && wsEvents.includes(body), 'the message over both');
    expect(wsCloses).toEqual([]);
    await stopSse();
    await reading;
    await disposeWs();
  });
});
