import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The kinds of gRPC call, as go-grpc-prometheus names them in `grpc_type`. */
export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';

type GrpcLabels = 'grpc_type' | 'grpc_service' | 'grpc_method';

/**
 * gRPC server metrics under the names and labels of go-grpc-prometheus (and the Grafana
 * dashboards built on them): every call counts once when it starts and once when it ends,
 * streams included; `grpc_server_handling_seconds` of a stream is how long it was open.
 */
export interface GrpcServerMetrics {
  started: Counter<GrpcLabels>;
  handled: Counter<GrpcLabels | 'grpc_code'>;
  handling: Histogram<GrpcLabels>;
}

/** A PostgreSQL connection pool as a scrape sees it (lib/db.ts `poolState`). */
export interface PoolState {
  /** Connections running a query or transaction. */
  used: number;
  /** Open connections waiting for work. */
  free: number;
  /** Callers waiting for a connection. */
  pending: number;
  /** The pool's ceiling. */
  max: number;
}

/** One Prometheus registry per process, served at `/metrics` on its own port. */
export interface Metrics {
  registry: Registry;
  grpc: GrpcServerMetrics;
  /** Reports `pool`'s connections on every scrape (`messenger_db_pool_connections`). */
  watchPool(pool: () => PoolState): void;
  /** Reports whether a Redis connection is ready on every scrape (`messenger_redis_connected`). */
  watchRedis(redis: { status: string; options: { connectionName?: string | undefined } }): void;
  /** Serves `/metrics`; port 0 picks a free one. Resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Seconds: 1 ms to 10 s, for calls and deliveries alike. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics every process has; each one adds its own to `registry` (see docs/observability.md). */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const grpcLabels = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
  const grpc: GrpcServerMetrics = {
    started: new Counter({
      name: 'grpc_server_started_total',
      help: 'gRPC calls started on this server, streams included.',
      labelNames: grpcLabels,
      registers: [registry],
    }),
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed by this server, by status code, streams included.',
      labelNames: [...grpcLabels, 'grpc_code'] as const,
      registers: [registry],
    }),
    handling: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from the start of a gRPC call to its end (for a stream: how long it was open).',
      labelNames: grpcLabels,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
  // Set by `npm start`'s supervisor (scripts/supervisor.ts) for each process it starts.
  new Gauge({
    name: 'messenger_process_restarts',
    help: "How often npm start's launcher restarted this process after it died (0: its first run).",
    registers: [registry],
  }).set(Number(process.env.MESSENGER_RESTARTS) || 0);

  // Read at scrape time only: nothing on the request path.
  const pools: (() => PoolState)[] = [];
  new Gauge({
    name: 'messenger_db_pool_connections',
    help: 'PostgreSQL pool: connections in use, idle, callers waiting for one (pending), and the ceiling (max).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const read of pools) {
        const state = read();
        for (const key of ['used', 'free', 'pending', 'max'] as const) this.inc({ state: key }, state[key]);
      }
    },
  });
  const redisConnections: Parameters<Metrics['watchRedis']>[0][] = [];
  new Gauge({
    name: 'messenger_redis_connected',
    help: 'Whether each Redis connection of this process is ready (1) or not (0: connecting, reconnecting, closed).',
    labelNames: ['connection'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const redis of redisConnections) {
        this.set({ connection: redis.options.connectionName ?? 'redis' }, redis.status === 'ready' ? 1 : 0);
      }
    },
  });

  let server: Server | undefined;
  return {
    registry,
    grpc,
    watchPool: (pool) => void pools.push(pool),
    watchRedis: (redis) => void redisConnections.push(redis),
    async listen(port, host = '127.0.0.1') {
      server = createServer((req, res) => {
        if (req.url !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
          () => res.writeHead(500).end(),
        );
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, host, () => resolve());
      });
      return (listening.address() as AddressInfo).port;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}
