import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, validate, type FormattedExecutionResult } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { useStack } from '../../test/support/stack.js';
import { until } from '../../test/support/wait.js';
import type { GatewayApp } from '../../test/support/gateway.js';
import { DEFAULT_TRUSTED_DOCUMENTS_FILE } from '../src/config.js';
import { TrustedDocumentCode, readManifest, type TrustedDocumentsMode } from '../src/defence/trusted-documents.js';
import { buildSchema } from '../src/schema.js';
import { openGraphqlWs } from './subscription-clients.js';

// Trusted documents (TRUSTED_DOCUMENTS): the web client's operations, extracted by `npm run
// codegen` into web/src/graphql/persisted-documents.json, run by their documentId on every
// transport (POST, GET, server-sent events, graphql-ws); with `only`, nothing else runs, and a
// refusal on a socket is an `error` for that operation alone. These gateways read the real
// manifest, so the web client's documents are the ones tested.

const stack = useStack('gw_trusted', { gateway: { TRUSTED_DOCUMENTS: 'only' } });
const others: Partial<Record<TrustedDocumentsMode, GatewayApp>> = {};
beforeAll(async () => {
  for (const mode of ['off', 'allow'] as const) {
    others[mode] = await startGateway(
      [stack.chatService.authService.app.port],
      { PROFILES_GRPC_ADDR: `127.0.0.1:${stack.profilesService.app.port}`, TRUSTED_DOCUMENTS: mode },
      [stack.chatService.app.port],
    );
  }
});
const portOf = (mode: TrustedDocumentsMode) => (mode === 'only' ? stack.gateway : others[mode]!).port;

const manifest = readManifest(DEFAULT_TRUSTED_DOCUMENTS_FILE);
/** The documentId of the web client's operation `name`. */
function idOf(name: string): string {
  const found = [...manifest].find(([, text]) => new RegExp(`(query|mutation|subscription) ${name}\\b`).test(text));
  if (!found) throw new Error(`no operation ${name} in the manifest`);
  return found[0];
}
const ME_TEXT = manifest.get(idOf('Me'))!;
const UNKNOWN_ID = `sha256:${'0'.repeat(64)}`;

/** What a request carries instead of (or beside) its text. */
type Request = { documentId?: string; query?: string; variables?: Record<string, unknown> };
type Answer = FormattedExecutionResult & { status?: number };
type Transport = 'POST' | 'GET' | 'SSE' | 'WS';
const HTTP_ACCEPT = 'application/graphql-response+json, application/json';

async function post(port: number, request: Request, token: string, accept = HTTP_ACCEPT) {
  return fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
    body: JSON.stringify(request),
  });
}

/** Server-sent events: every `event: next` of the stream (a query's stream ends by itself). */
async function overSse(port: number, request: Request, token: string): Promise<Answer> {
  const res = await post(port, request, token, 'text/event-stream');
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { ...(JSON.parse(text) as Answer), status: res.status };
  }
  const results = text
    .split('\n\n')
    .filter((block) => block.startsWith('event: next'))
    .map((block) => JSON.parse(block.slice(block.indexOf('data:') + 5)) as Answer);
  expect(results, text).toHaveLength(1);
  return { ...results[0]!, status: res.status };
}

/** A GET, with the header that tells the gateway it is no cross-site request. */
async function overGet(port: number, request: Request, token: string): Promise<Answer> {
  const url = new URL(`http://127.0.0.1:${port}/graphql`);
  for (const [key, value] of Object.entries(request)) {
    url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const res = await fetch(url, {
    headers: { accept: HTTP_ACCEPT, 'x-graphql-yoga-csrf': '1', authorization: `Bearer ${token}` },
  });
  return { ...((await res.json()) as Answer), status: res.status };
}

type Socket = ReturnType<typeof openGraphqlWs>;
async function openSocket(port: number, token: string) {
  const socket = openGraphqlWs(port, token);
  await socket.ready();
  return socket;
}

let wsIds = 0;
/** One operation over graphql-ws, its subscribe payload as given: its result or its `error`. */
async function overWs(socket: Socket, request: Request): Promise<Answer> {
  const id = `op${++wsIds}`;
  socket.socket.send(JSON.stringify({ id, type: 'subscribe', payload: request }));
  let answer: Socket['received'][number] | undefined;
  await until(
    () =>
      (answer = socket.received.find((m) => m.id === id && (m.type === 'next' || m.type === 'error'))) !== undefined,
    `an answer to ${id}`,
  );
  return answer!.type === 'next'
    ? (answer!.payload as Answer)
    : { errors: answer!.payload as NonNullable<FormattedExecutionResult['errors']> };
}

async function send(mode: TrustedDocumentsMode, transport: Transport, request: Request, token: string) {
  const port = portOf(mode);
  switch (transport) {
    case 'POST': {
      const res = await post(port, request, token);
      return { ...((await res.json()) as Answer), status: res.status };
    }
    case 'GET':
      return overGet(port, request, token);
    case 'SSE':
      return overSse(port, request, token);
    case 'WS':
      return overWs(await openSocket(port, token), request);
  }
}

const codes = (answer: Answer) => (answer.errors ?? []).map((error) => error.extensions?.code);
const UNTRUSTED: string[] = Object.values(TrustedDocumentCode);
const TRANSPORTS: Transport[] = ['POST', 'GET', 'SSE', 'WS'];

describe.each(TRANSPORTS)('over %s', (transport) => {
  it('only: runs a known documentId, refuses query text, an unknown id and a request with neither', async () => {
    const viewer = await stack.user('only');
    const byId = await send('only', transport, { documentId: idOf('Me') }, viewer.token);
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toMatchObject({ me: { id: viewer.id } });

    const byText = await send('only', transport, { query: ME_TEXT }, viewer.token);
    expect(byText.data ?? undefined).toBeUndefined();
    expect(codes(byText)).toEqual([TrustedDocumentCode.TextRefused]);
    expect(byText.errors![0]!.message).toMatch(/only trusted documents/);

    const unknown = await send('only', transport, { documentId: UNKNOWN_ID }, viewer.token);
    expect(codes(unknown)).toEqual([TrustedDocumentCode.NotFound]);
    expect(unknown.errors![0]!.message).toMatch(/unknown documentId/);

    // An empty query, as graphql-ws's client sends with a documentId (a subscribe message without
    // any `query` is invalid in the graphql-ws protocol, and closes its socket with 4400).
    const neither = await send('only', transport, { query: '' }, viewer.token);
    expect(codes(neither)).toEqual([TrustedDocumentCode.IdRequired]);

    // Server-sent events report errors in the stream, under 200.
    if (transport === 'POST' || transport === 'GET') {
      for (const refused of [byText, unknown, neither]) expect(refused.status).toBe(400);
    }
  });

  it('allow: runs a known documentId and query text; an unknown id is refused', async () => {
    const viewer = await stack.user('allow');
    for (const request of [{ documentId: idOf('Me') }, { query: ME_TEXT }, { query: '{ me { id } }' }]) {
      const answer = await send('allow', transport, request, viewer.token);
      expect(answer.errors, JSON.stringify(request)).toBeUndefined();
      expect(answer.data).toMatchObject({ me: { id: viewer.id } });
    }
    const unknown = await send('allow', transport, { documentId: UNKNOWN_ID }, viewer.token);
    expect(codes(unknown)).toEqual([TrustedDocumentCode.NotFound]);
  });

  it('off: runs query text and understands no documentId', async () => {
    const viewer = await stack.user('off');
    const byText = await send('off', transport, { query: '{ me { id } }' }, viewer.token);
    expect(byText.data).toMatchObject({ me: { id: viewer.id } });
    const byId = await send('off', transport, { documentId: idOf('Me') }, viewer.token);
    expect(byId.data ?? undefined).toBeUndefined();
    expect(byId.errors?.length).toBeGreaterThan(0);
  });
});

describe('graphql-ws', () => {
  it('keeps the socket open after a refusal, and a subscription by documentId delivers events', async () => {
    const [viewer, other] = [await stack.user('ws'), await stack.user('ws2')];
    const socket = await openSocket(stack.gateway.port, viewer.token);
    expect(codes(await overWs(socket, { query: ME_TEXT }))).toEqual([TrustedDocumentCode.TextRefused]);
    expect(codes(await overWs(socket, { documentId: UNKNOWN_ID }))).toEqual([TrustedDocumentCode.NotFound]);

    // As the web client sends it: graphql-ws's client wants a `query` string, empty here.
    const id = 'events';
    socket.socket.send(
      JSON.stringify({
        id,
        type: 'subscribe',
        payload: { query: '', documentId: idOf('ChatEvents'), operationName: 'ChatEvents', variables: {} },
      }),
    );
    await until(() => stack.gateway.events.size() === 1, 'the subscription to start');
    const chat = await stack.chatService.chat.getOrCreateDirectChat({ userId: viewer.id }, other.md);
    await stack.chatService.chat.sendMessage(
      { chatId: chat.chat!.id, body: 'trusted', clientMessageId: 't1' },
      other.md,
    );
    await until(
      () =>
        socket.received.some(
          (m) => m.id === id && m.type === 'next' && JSON.stringify(m.payload).includes('"body":"trusted"'),
        ),
      () => `the event, got ${JSON.stringify(socket.received)}`,
    );
    expect(socket.received.filter((m) => m.id === id && m.type === 'error')).toEqual([]);
    expect(socket.closeCode()).toBeUndefined();
  });
});

describe("the web client's documents", () => {
  it('are all valid against the schema, and each runs by documentId on a gateway that runs only those', async () => {
    const schema = buildSchema();
    expect(manifest.size).toBeGreaterThan(20);
    for (const [id, text] of manifest) {
      // One account each: Logout runs (it needs no variables) and ends its session.
      const viewer = await stack.user('all');
      expect(validate(schema, parse(text)), id).toEqual([]);
      if (/\bsubscription \w/.test(text)) {
        // It starts (its events would follow), with no `error`.
        const socket = await openSocket(stack.gateway.port, viewer.token);
        const before = stack.gateway.events.size();
        socket.socket.send(JSON.stringify({ id: 'all', type: 'subscribe', payload: { documentId: id } }));
        await until(
          () => stack.gateway.events.size() > before || socket.received.some((m) => m.id === 'all'),
          `${id} to start`,
        );
        expect(
          socket.received.filter((m) => m.id === 'all'),
          id,
        ).toEqual([]);
        continue;
      }
      // Without variables: each is accepted as trusted, then refused (nothing runs) for what it lacks.
      const answer = await send('only', 'POST', { documentId: id }, viewer.token);
      const untrusted = codes(answer).filter((code) => UNTRUSTED.includes(String(code)));
      expect(untrusted, `${id}: ${JSON.stringify(answer)}`).toEqual([]);
    }
  });
});

describe('TRUSTED_DOCUMENTS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
  leftover(() => rmSync(dir, { recursive: true, force: true }));

  it('names the manifest the gateway runs from', async () => {
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify({ 'sha256:mine': '{ me { username } }' }));
    const gateway = await startGateway(
      [stack.chatService.authService.app.port],
      { TRUSTED_DOCUMENTS: 'only', TRUSTED_DOCUMENTS_FILE: file },
      [stack.chatService.app.port],
    );
    const viewer = await stack.user('file');
    const mine = await post(gateway.port, { documentId: 'sha256:mine' }, viewer.token);
    expect(await mine.json()).toEqual({ data: { me: { username: viewer.username } } });
    const web = await post(gateway.port, { documentId: idOf('Me') }, viewer.token);
    expect(codes((await web.json()) as Answer)).toEqual([TrustedDocumentCode.NotFound]);
  });

  it('refuses to start on a manifest it cannot read', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '["not", "a", "manifest"]');
    for (const file of [broken, join(dir, 'missing.json')]) {
      await expect(
        startGateway([stack.chatService.authService.app.port], {
          TRUSTED_DOCUMENTS: 'only',
          TRUSTED_DOCUMENTS_FILE: file,
        }),
      ).rejects.toThrow(/TRUSTED_DOCUMENTS_FILE/);
    }
  });
});
