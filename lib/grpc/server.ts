import { randomUUID } from 'node:crypto';
import {
  Server,
  status,
  type MethodDefinition,
  type Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { GrpcTls } from '../env.js';
import { DomainError, toStatusObject } from '../errors.js';
import type { Logger } from '../logger.js';
import type { GrpcType, Metrics } from '../metrics.js';
import { REQUEST_ID_METADATA_KEY } from './metadata.js';
import { serverCredentials } from './tls.js';

/** What every handler gets besides its request. */
export interface CallContext {
  requestId: string;
  logger: Logger;
  metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
}

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;
/** A server-streaming handler writes to `call` and resolves when the stream should end. */
export type StreamHandler<Req, Res> = (
  request: Req,
  call: ServerWritableStream<Req, Res>,
  ctx: CallContext,
) => Promise<void>;

/** A bidirectional-streaming handler reads and writes `call` and resolves when the call should end. */
export type DuplexHandler<Req, Res> = (call: ServerDuplexStream<Req, Res>, ctx: CallContext) => Promise<void>;

/** The promise-based implementation of a ts-proto service definition, typed from it. */
export type Handlers<S extends ServiceDefinition> = {
  [K in keyof S]: S[K] extends MethodDefinition<infer Req, infer Res>
    ? S[K]['requestStream'] extends true
      ? S[K]['responseStream'] extends true
        ? DuplexHandler<Req, Res>
        : never
      : S[K]['responseStream'] extends true
        ? StreamHandler<Req, Res>
        : UnaryHandler<Req, Res>
    : never;
};

export interface GrpcServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** `.proto` files (relative to `proto/`) served by reflection. */
  protoFiles: string[];
  /** TLS (mTLS with a CA); unset: plaintext. */
  tls?: GrpcTls | undefined;
}

export interface GrpcServer {
  add<S extends ServiceDefinition>(name: string, definition: S, handlers: Handlers<S>): void;
  /** Binds `host:port` (port 0 picks a free one) and starts serving; resolves to the port. */
  listen(address: string): Promise<number>;
  /** Stops accepting calls, waits up to `graceMs` for running ones, then cuts the rest. */
  stop(graceMs?: number): Promise<void>;
}

const PROTO_ROOT = new URL('../../proto/', import.meta.url).pathname;
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function createGrpcServer({ logger, metrics, protoFiles, tls }: GrpcServerOptions): GrpcServer {
  const server = new Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    // Ping idle clients so half-open connections (a vanished peer) are noticed.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  const names: string[] = [];
  new ReflectionService(loadSync(protoFiles, { includeDirs: [PROTO_ROOT], keepCase: true })).addToServer(server);

  /**
   * The context of one call. Its logger and abort signal are made on first use: most unary calls
   * need neither, and both cost more than the rest of the context (grpc-js reports every call
   * that ends as 'cancelled', and aborting builds a DOMException).
   */
  function contextOf(
    methodName: string,
    call: ServerUnaryCall<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  ) {
    const given = call.metadata.get(REQUEST_ID_METADATA_KEY)[0];
    const requestId = typeof given === 'string' && given.length <= 128 ? given : randomUUID();
    let callLogger: Logger | undefined;
    let abort: AbortController | undefined;
    let cancelled = false;
    call.once('cancelled', () => {
      cancelled = true;
      abort?.abort();
    });
    const ctx: CallContext = {
      requestId,
      metadata: call.metadata,
      get logger() {
        return (callLogger ??= logger.child({ requestId, method: methodName }));
      },
      get signal() {
        if (!abort) {
          abort = new AbortController();
          if (cancelled) abort.abort();
        }
        return abort.signal;
      },
    };
    return ctx;
  }

  function fail(ctx: CallContext, error: unknown): Partial<ServiceError> {
    if (error instanceof DomainError) return toStatusObject(error);
    if (isOutage(error)) {
      // The database or the network is away (restarting, failing over): the call may succeed
      // when retried, and clients retry UNAVAILABLE, not INTERNAL.
      ctx.logger.warn({ err: error }, 'a dependency is unavailable');
      return { code: status.UNAVAILABLE, details: 'a dependency is unavailable; try again' };
    }
    ctx.logger.error({ err: error }, 'unexpected error');
    return { code: status.INTERNAL, details: 'internal error' };
  }

  /**
   * The metrics of one method, with its label children bound once (a label lookup per call costs
   * more than the rest of the bookkeeping): `grpc_service` and `grpc_method` as the proto names
   * them (`messenger.chat.v1.ChatService`, `SendMessage`).
   */
  function methodMetrics(type: GrpcType, path: string) {
    const [, grpcService = '', grpcMethod = path] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
    const labels = { grpc_type: type, grpc_service: grpcService, grpc_method: grpcMethod };
    const started = metrics.grpc.started.labels(labels);
    const handling = metrics.grpc.handling.labels(labels);
    const handled = new Map<status, ReturnType<typeof metrics.grpc.handled.labels>>();
    return {
      name: grpcMethod,
      start() {
        started.inc();
        return process.hrtime.bigint();
      },
      /** Counts the call's end; returns its duration in seconds. */
      finish(code: status, since: bigint): number {
        const seconds = Number(process.hrtime.bigint() - since) / 1e9;
        let child = handled.get(code);
        if (!child) handled.set(code, (child = metrics.grpc.handled.labels({ ...labels, grpc_code: status[code] })));
        child.inc();
        handling.observe(seconds);
        return seconds;
      },
    };
  }

  /**
   * One info line per call that ends, with the caller's request id: a request can be followed
   * from the gateway through every service it reached (docs/observability.md, "Logs").
   */
  function logCall(ctx: CallContext, method: string, code: status, seconds: number) {
    logger.info({ requestId: ctx.requestId, method, code: status[code], ms: Math.round(seconds * 1000) }, 'grpc call');
  }

  function wrapUnary(path: string, handler: UnaryHandler<unknown, unknown>) {
    const measured = methodMetrics('unary', path);
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = measured.start();
      const ctx = contextOf(measured.name, call);
      const finish = (code: status) => logCall(ctx, measured.name, code, measured.finish(code, started));
      handler(call.request, ctx).then(
        (response) => {
          finish(status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          const statusObject = fail(ctx, error);
          finish(statusObject.code ?? status.INTERNAL);
          callback(statusObject, null);
        },
      );
    };
  }

  /** Server-streaming and bidirectional calls: ended when the handler settles. */
  function wrapStream(
    type: GrpcType,
    path: string,
    run: (call: ServerDuplexStream<unknown, unknown>, ctx: CallContext) => Promise<void>,
  ) {
    const measured = methodMetrics(type, path);
    return (call: ServerDuplexStream<unknown, unknown>) => {
      const started = measured.start();
      const ctx = contextOf(measured.name, call);
      ctx.logger.debug('stream opened');
      const finish = (code: status) => logCall(ctx, measured.name, code, measured.finish(code, started));
      run(call, ctx).then(
        () => {
          finish(call.cancelled ? status.CANCELLED : status.OK);
          if (!call.cancelled) call.end();
        },
        (error: unknown) => {
          const statusObject = fail(ctx, error);
          finish(statusObject.code ?? status.INTERNAL);
          // grpc-js turns an 'error' event on a server stream into the call's final status.
          if (!call.cancelled) call.emit('error', statusObject);
        },
      );
    };
  }

  return {
    add(name, definition, handlers) {
      const implementation: UntypedServiceImplementation = {};
      for (const [key, method] of Object.entries(definition)) {
        const handler = handlers[key as keyof typeof handlers] as unknown;
        if (method.requestStream) {
          const type = method.responseStream ? 'bidi_stream' : 'client_stream';
          implementation[key] = wrapStream(type, method.path, handler as DuplexHandler<unknown, unknown>);
        } else if (method.responseStream) {
          const stream = handler as StreamHandler<unknown, unknown>;
          implementation[key] = wrapStream('server_stream', method.path, (call, ctx) => {
            const writable = call as unknown as ServerWritableStream<unknown, unknown>;
            return stream(writable.request, writable, ctx);
          });
        } else {
          implementation[key] = wrapUnary(method.path, handler as UnaryHandler<unknown, unknown>);
        }
      }
      server.addService(definition, implementation);
      names.push(name);
    },
    async listen(address) {
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(address, serverCredentials(tls), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
      for (const name of ['', ...names]) health.setStatus(name, 'SERVING');
      return port;
    },
    async stop(graceMs = 3_000) {
      for (const name of ['', ...names]) health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** Socket errors of a connection that went away or could not be made. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether an error means that a dependency (PostgreSQL above all) is unreachable rather than that
 * the call is wrong: a socket error, a connection closed under the query, no connection from the
 * pool in time, or PostgreSQL's own "connection exception" (08…), "shutting down / starting up"
 * (57P01–57P03) and "too many connections" (53300). MikroORM and knex wrap these; the chain of
 * `cause`s is followed.
 */
export function isOutage(error: unknown): boolean {
  for (let at = error, depth = 0; at instanceof Error && depth < 5; at = at.cause, depth++) {
    const { code } = at as { code?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
    }
    if (at.name === 'ConnectionException' || at.name === 'KnexTimeoutError') return true;
    if (/Connection terminated|Connection ended unexpectedly|timeout acquiring a connection/i.test(at.message))
      return true;
  }
  return false;
}
