import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphqlClient } from './support/gateway.js';
import { leftover } from './support/leftovers.js';
import { redactSqlLiterals } from '../lib/tracing.js';
import { SpanKind, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { startSystem, type System } from './support/system.js';
import { until } from './support/wait.js';

/**
 * Traces (docs/observability.md): the whole system as `npm start` runs it, exporting to an
 * OTLP/HTTP receiver run here. One GraphQL request is one trace across the gateway, gRPC,
 * chat-service and its SQL; its trace id is in its log lines; no secret is in any span.
 */

const ROOT = new URL('..', import.meta.url).pathname;
/** Spans leave in batches; a short delay keeps the waits short. */
const OTEL_ENV = { OTEL_BSP_SCHEDULE_DELAY: '50', LOG_LEVEL: 'info' };

interface LogLine {
  service: string;
  requestId?: string;
  trace_id?: string;
  span_id?: string;
  msg: string;
}

const logLines = (system: System): LogLine[] =>
  system
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** The user, token and chat a request needs, made through the gateway. */
async function signUp(gatewayPort: number) {
  const gql = graphqlClient(gatewayPort).request;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const registered = await gql<{ register: { accessToken: string; refreshToken: string } }>(
    'mutation Register($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }',
    { input: { email: `t${randomBytes(4).toString('hex')}@example.com`, username: 'tracer', password } },
  );
  expect(registered.errors).toBeUndefined();
  const { accessToken, refreshToken } = registered.data!.register;
  const created = await gql<{ createGroupChat: { id: string } }>(
    'mutation Create($input: CreateGroupChatInput!) { createGroupChat(input: $input) { id } }',
    { input: { title: 'traced' } },
    { token: accessToken },
  );
  expect(created.errors).toBeUndefined();
  return { gql, password, accessToken, refreshToken, chatId: created.data!.createGroupChat.id };
}

/** The trace id the gateway logged for the request with this id (its request log line). */
function traceIdOf(system: System, requestId: string): string | undefined {
  return logLines(system).find((line) => line.service === 'gateway' && line.requestId === requestId)?.trace_id;
}

describe('traces over OTLP http/json', () => {
  let receiver: OtlpReceiver;
  let system: System;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    leftover(() => receiver.stop());
    system = await startSystem('tracing_json', {
      ...OTEL_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    });
    leftover(() => system.stop());
  });

  // Stopped now rather than after the file: the next describe starts a system of its own.
  afterAll(() => system?.stop());

  it('follows a query and a sendMessage from the gateway through gRPC to chat-service and its SQL', async () => {
    const { gql, password, accessToken, refreshToken, chatId } = await signUp(system.gatewayPort);
    const messageBody = `hello ${randomBytes(12).toString('hex')}`;
    const queryId = `trace-query-${randomBytes(4).toString('hex')}`;
    const sendId = `trace-send-${randomBytes(4).toString('hex')}`;

    const read = await gql(
      'query Chat($id: ID!) { chat(id: $id) { id title } }',
      { id: chatId },
      { token: accessToken, headers: { 'x-request-id': queryId } },
    );
    expect(read.errors).toBeUndefined();
    const sent = await gql(
      'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
      { input: { chatId, body: messageBody, clientMessageId: randomBytes(8).toString('hex') } },
      { token: accessToken, headers: { 'x-request-id': sendId } },
    );
    expect(sent.errors).toBeUndefined();

    // GraphQL over GET: the document and variables in the query string stay out of `url.query`.
    const get = new URL(graphqlClient(system.gatewayPort).url);
    get.searchParams.set('query', '{ __typename }');
    get.searchParams.set('variables', JSON.stringify({ password }));
    await fetch(get, { headers: { 'x-request-id': `trace-get-${randomBytes(4).toString('hex')}` } });
    const getSpan = () => receiver.spans().find((span) => span.attributes['url.query'] !== undefined);
    await until(() => getSpan() !== undefined, 'the span of the GET request');
    expect(getSpan()!.attributes['url.query']).toBe('query=REDACTED&variables=REDACTED');

    for (const requestId of [queryId, sendId]) {
      await until(
        () => traceIdOf(system, requestId) !== undefined,
        () =>
          `the gateway's log line of ${requestId} with a trace id: ${JSON.stringify(logLines(system).filter((l) => l.requestId === requestId))}`,
      );
      const traceId = traceIdOf(system, requestId)!;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);

      // Every span of the request's trace, once each process has sent its batch: chat-service's
      // SQL is there, and every span's parent (each process sends its own batches, in its time).
      const inTrace = () => receiver.spans().filter((span) => span.traceId === traceId);
      const sql = (span: ReceivedSpan) => span.service === 'chat-service' && span.scope.includes('instrumentation-pg');
      const linked = (spans: ReceivedSpan[]) =>
        spans.every((span) => !span.parentSpanId || spans.some((parent) => parent.spanId === span.parentSpanId));
      await until(
        () => inTrace().some(sql) && inTrace().some((span) => !span.parentSpanId) && linked(inTrace()),
        () => `spans of ${requestId}: ${JSON.stringify(inTrace().map((s) => [s.service, s.name]))}`,
      );
      const spans = inTrace();
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
      const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
        const parent = parentOf(span);
        return parent ? [parent, ...ancestors(parent)] : [];
      };

      // One root: the gateway's HTTP server span for POST /graphql.
      const roots = spans.filter((span) => !span.parentSpanId);
      expect(roots.map((span) => [span.service, span.kind])).toEqual([['gateway', SpanKind.SERVER]]);
      expect(roots[0]!.attributes['url.path']).toBe('/graphql');

      // gateway (client) → chat-service (server): the parent link crosses the process boundary.
      const chatServer = spans.filter((span) => span.service === 'chat-service' && span.kind === SpanKind.SERVER);
      expect(chatServer.length).toBeGreaterThan(0);
      for (const server of chatServer) {
        expect(server.attributes['rpc.service']).toBe('messenger.chat.v1.ChatService');
        const client = parentOf(server)!;
        expect([client.service, client.kind, client.attributes['rpc.method']]).toEqual([
          'gateway',
          SpanKind.CLIENT,
          server.attributes['rpc.method'],
        ]);
        expect(ancestors(client).at(-1)).toBe(roots[0]);
      }
      // chat-service's SQL hangs under its gRPC server span.
      for (const query of spans.filter(sql)) {
        expect(
          ancestors(query).some((span) => chatServer.includes(span)),
          query.name,
        ).toBe(true);
        const statement = String(query.attributes['db.query.text']);
        expect(statement).toMatch(/^(select|insert|update|begin|commit)/i);
        expect(statement.match(/'[^']*'/g)?.filter((literal) => literal !== "'?'") ?? [], statement).toEqual([]);
      }

      // The same trace id in every line the request logged, in the gateway and chat-service.
      const lines = logLines(system).filter((line) => line.requestId === requestId);
      // (auth-service's too, where a service's call to it carries the request id.)
      expect(lines.map((line) => line.service)).toEqual(expect.arrayContaining(['gateway', 'chat-service']));
      for (const line of lines)
        expect([line.service, line.msg, line.trace_id]).toEqual([line.service, line.msg, traceId]);
    }

    // No credential or message body in anything exported: attributes, names, resources.
    const exported = receiver
      .requests()
      .map((request) => request.body.toString('utf8'))
      .join('\n');
    // The statement that stored the message was exported (else the check below proves nothing).
    expect(exported).toContain('chat_send_message(');
    for (const secret of [accessToken, refreshToken, password, messageBody]) expect(exported).not.toContain(secret);
  });
});

describe('traces over OTLP http/protobuf', () => {
  let receiver: OtlpReceiver;
  let system: System;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    leftover(() => receiver.stop());
    system = await startSystem('tracing_protobuf', {
      ...OTEL_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
    });
    leftover(() => system.stop());
  });

  it('reaches the receiver, carrying the trace id the gateway logged', async () => {
    const { chatId, accessToken, gql } = await signUp(system.gatewayPort);
    const requestId = `trace-proto-${randomBytes(4).toString('hex')}`;
    const read = await gql(
      'query Chat($id: ID!) { chat(id: $id) { id } }',
      { id: chatId },
      { token: accessToken, headers: { 'x-request-id': requestId } },
    );
    expect(read.errors).toBeUndefined();
    await until(() => traceIdOf(system, requestId) !== undefined, `the gateway's log line of ${requestId}`);
    // A protobuf span carries its trace id as 16 raw bytes.
    const traceId = Buffer.from(traceIdOf(system, requestId)!, 'hex');
    const carrying = (service: string) =>
      receiver
        .requests()
        .some(
          (request) =>
            request.path === '/v1/traces' &&
            request.contentType === 'application/x-protobuf' &&
            request.body.includes(traceId) &&
            request.body.includes(service),
        );
    await until(
      () => carrying('gateway') && carrying('chat-service'),
      'protobuf spans of the gateway and chat-service',
    );
  });
});

describe('redactSqlLiterals', () => {
  it('replaces every string literal, whatever quotes it holds, and keeps the rest', () => {
    expect(redactSqlLiterals(`insert into "users" ("email", "n") values ('a@b.c', 42)`)).toBe(
      `insert into "users" ("email", "n") values ('?', 42)`,
    );
    // pg's escapeLiteral doubles quotes, and backslashes in an E'' string.
    expect(redactSqlLiterals(`select f('it''s', E'a\\\\b', '{x,y}'::uuid[])`)).toBe(`select f('?', E'?', '?'::uuid[])`);
    // An apostrophe in a comment or an identifier does not pair with a literal's quote.
    expect(redactSqlLiterals(`select 1 -- the user's\n, 'secret' /* it's */, "o'k"`)).toBe(
      `select 1 -- the user's\n, '?' /* it's */, "o'k"`,
    );
  });
});

describe('without an OTLP endpoint', () => {
  /**
   * A process entry's first import (its src/tracing.ts), then the modules tracing would patch;
   * prints which OpenTelemetry modules got loaded and whether a tracer provider is registered.
   */
  const probe = (env: Record<string, string>) => {
    const script = `
      import { createRequire } from 'node:module';
      await import('./services/chat/src/tracing.ts');
      await import('@grpc/grpc-js');
      await import('pg');
      await import('pino');
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('@opentelemetry'));
      const api = globalThis[Symbol.for('opentelemetry.js.api.1')];
      console.log(JSON.stringify({ loaded: loaded.length, tracer: Boolean(api?.trace) }));
      process.exit(0);
    `;
    const {
      OTEL_EXPORTER_OTLP_ENDPOINT: _e,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: _t,
      OTEL_SDK_DISABLED: _d,
      ...rest
    } = process.env;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...rest, ...env },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { loaded: number; tracer: boolean };
  };

  it('loads no OpenTelemetry module and registers no tracer', () => {
    expect(probe({})).toEqual({ loaded: 0, tracer: false });
    expect(probe({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toEqual({ loaded: 0, tracer: false });
  });

  it('nor with OTEL_SDK_DISABLED=true, even with an endpoint', () => {
    expect(probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' })).toEqual({
      loaded: 0,
      tracer: false,
    });
  });

  it('(while the same probe sees the SDK loaded when an endpoint is set)', () => {
    const traced = probe({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' });
    expect(traced.loaded).toBeGreaterThan(0);
    expect(traced.tracer).toBe(true);
  });
});
