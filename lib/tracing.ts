// OpenTelemetry traces, configured by the standard OTEL_* variables (docs/observability.md).
// A process imports its `src/tracing.ts` first, which calls `startTracing`: the instrumentations
// patch http, grpc-js and pg, so they must be registered before anything else imports those.
// With no OTLP endpoint set, nothing below is loaded and nothing is patched.
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type * as GrpcInstrumentationModule from '@opentelemetry/instrumentation-grpc';
import type * as HttpInstrumentationModule from '@opentelemetry/instrumentation-http';
import type * as PgInstrumentationModule from '@opentelemetry/instrumentation-pg';
import type * as SdkNode from '@opentelemetry/sdk-node';
import { loadDotenvOnce } from './env.js';

/** Names the standard variables give; read by the SDK itself, not by the zod schemas. */
const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const;

/**
 * Query parameters of a GraphQL GET request that may carry a password, a token or a message
 * body (as variables, or as literals in the document): never copied into `url.query`.
 */
const REDACTED_QUERY_PARAMS = ['query', 'variables', 'extensions'];

/** Incoming HTTP requests worth a trace: GraphQL, not probes, scrapes or the web client's files. */
const TRACED_PATH = /^\/graphql(?:[/?]|$)/;

/**
 * gRPC methods left untraced: probes (health `Check`/`Watch`, reflection), and the long-lived
 * streams (`Subscribe`, `Deliver`, `WatchRevocations`), whose one span would last as long as a
 * connection and gather every query made for it. Matched by method name, client and server.
 */
const UNTRACED_GRPC_METHODS = ['Check', 'Watch', 'ServerReflectionInfo', 'Subscribe', 'Deliver', 'WatchRevocations'];

/** The statement's attribute (stable database conventions, which instrumentation-pg 0.76 writes). */
const ATTR_DB_QUERY_TEXT = 'db.query.text';

/**
 * A statement's tokens that may contain a quote: comments and quoted identifiers, kept as they
 * are, and string literals, replaced. Tokenising (rather than matching literals alone) keeps an
 * apostrophe in a comment from pairing with a literal's quote and leaving its content outside.
 */
const SQL_QUOTED = /--[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"]|"")*"|'(?:[^']|'')*'/g;

/**
 * `sql` with every string literal replaced by `'?'`. MikroORM inlines bound values into the
 * statements it sends (pg's `escapeLiteral`: quotes doubled, so `''` never ends a literal), so
 * the text itself carries message bodies, password hashes and refresh-token hashes.
 */
export function redactSqlLiterals(sql: string): string {
  return sql.replace(SQL_QUOTED, (token) => (token.startsWith("'") ? "'?'" : token));
}

/** Whether `env` asks for traces: an OTLP endpoint is set and the SDK is not disabled. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return ENDPOINT_VARIABLES.some((name) => Boolean(env[name]?.trim()));
}

/**
 * What the instrumentations patch. They hook `require` (require-in-the-middle), and an ES module
 * importing a CommonJS package does not go through `require`: loading them with `require` right
 * after the SDK starts applies the patches, in place, and a later `import` gets those same
 * exports. (import-in-the-middle's loader hook would do it for `import`, but only registered with
 * `node --import` before the entry's imports are loaded: the supervisor, the image and the tests
 * would all have to start processes that way.)
 */
const INSTRUMENTED_MODULES = ['node:http', '@grpc/grpc-js', 'pg'];

/** How long a stop waits for the last spans to leave: a collector that is down must not hold it up. */
const FLUSH_TIMEOUT_MS = 1_000;

let sdk: SdkNode.NodeSDK | undefined;
let api: typeof OtelApi | undefined;

/**
 * Starts exporting spans over OTLP when an endpoint is configured, under `OTEL_SERVICE_NAME` or
 * else `defaultServiceName`; `env` is `process.env` after `.env`, as the config reads it.
 * Synchronous on purpose: an ES module's later imports do not wait for an earlier one's
 * top-level `await`, so an asynchronous start would patch too late. The SDK is loaded with
 * `require` here only, so that a process without an endpoint never loads it.
 */
export function startTracing(
  defaultServiceName: string,
  env: NodeJS.ProcessEnv = (loadDotenvOnce(), process.env),
): void {
  if (sdk || !tracingEnabled(env)) return;
  const require = createRequire(import.meta.url);
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof SdkNode;
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof HttpInstrumentationModule;
  const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc') as typeof GrpcInstrumentationModule;
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof PgInstrumentationModule;

  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName,
    // Traces only: metrics are Prometheus (METRICS_PORT), logs are JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => !TRACED_PATH.test(request.url ?? ''),
        // The OTLP exporter's own requests, and anything else this process sends over HTTP.
        ignoreOutgoingRequestHook: () => true,
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      }),
      // Spans per call, and W3C `traceparent` in the call's metadata both ways; no metadata is
      // copied into an attribute (the access token travels there).
      new GrpcInstrumentation({ ignoreGrpcMethods: UNTRACED_GRPC_METHODS }),
      // Bound values (`$1`) stay out with enhancedDatabaseReporting off; values inlined into the
      // text as literals are replaced. Queries outside any request (start-up, background work)
      // make no root spans of their own.
      new PgInstrumentation({
        enhancedDatabaseReporting: false,
        requireParentSpan: true,
        requestHook: (span, { query }) => span.setAttribute(ATTR_DB_QUERY_TEXT, redactSqlLiterals(query.text)),
      }),
    ],
  });
  sdk.start();
  for (const name of INSTRUMENTED_MODULES) require(name);
  api = require('@opentelemetry/api') as typeof OtelApi;
}

/** Whether this process exports spans (`startTracing` found an endpoint). */
export const tracingStarted = (): boolean => sdk !== undefined;

/**
 * The ids of the span a log line is written in, as `trace_id` and `span_id` (the names
 * OpenTelemetry's log correlation uses); nothing outside a span or with tracing off. A pino
 * `mixin`, installed by lib/logger.ts only when tracing has started.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = api?.trace.getSpanContext(api.context.active());
  return span && api?.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/**
 * Sends the spans not yet exported (for up to FLUSH_TIMEOUT_MS) and stops the SDK; a no-op when
 * tracing is off. An unreachable collector neither fails nor holds up the stop: the spans are lost.
 */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}

/**
 * `app`, whose `stop` also sends the spans not yet exported: runService exits the process as
 * soon as the app has stopped, which would drop the last batch (sent every 5 s by default).
 */
export function flushingTraces(app: { stop(): Promise<void> }): { stop(): Promise<void> } {
  if (!sdk) return app;
  return { stop: () => app.stop().finally(stopTracing) };
}
