import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { leftover } from './leftovers.js';

/**
 * A tiny OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` in both encodings the
 * exporters speak, keeps every request's raw body, and decodes the JSON ones into spans
 * (https://opentelemetry.io/docs/specs/otlp/#otlphttp). Protobuf bodies are kept undecoded.
 */

/** One span as received, flattened from its resource and scope. */
export interface ReceivedSpan {
  /** The resource's `service.name`. */
  service: string;
  /** The instrumentation scope, e.g. `@opentelemetry/instrumentation-pg`. */
  scope: string;
  traceId: string;
  spanId: string;
  /** Absent (or empty) on a trace's root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
}

export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

export interface ReceivedRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface OtlpReceiver {
  /** The base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  url: string;
  requests(): ReceivedRequest[];
  /** Every span of every JSON request so far. */
  spans(): ReceivedSpan[];
  stop(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpJsonTraces {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpKeyValue[];
      }[];
    }[];
  }[];
}

const valueOf = (value: OtlpAnyValue | undefined): unknown =>
  value?.stringValue ??
  value?.intValue ??
  value?.doubleValue ??
  value?.boolValue ??
  value?.arrayValue?.values?.map(valueOf);

const attributesOf = (list: OtlpKeyValue[] = []) =>
  Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

function decodeJson(body: Buffer): ReceivedSpan[] {
  const traces = JSON.parse(body.toString('utf8')) as OtlpJsonTraces;
  return (traces.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        service,
        scope: scopeSpans.scope?.name ?? '',
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        kind: span.kind,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

/** Starts the receiver on a free port of 127.0.0.1; stopped after the file's tests (leftovers.ts). */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const received = { path: req.url ?? '', contentType, body: Buffer.concat(chunks) };
      requests.push(received);
      const json = contentType.startsWith('application/json');
      if (req.method === 'POST' && received.path === '/v1/traces' && json) spans.push(...decodeJson(received.body));
      // An empty ExportTraceServiceResponse: full success, in the request's encoding.
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...requests],
    spans: () => [...spans],
    stop: leftover(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  };
}
