import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process, served at `/metrics` on its own port. */
export interface Metrics {
  registry: Registry;
  grpcServerHandled: Counter<'service' | 'method' | 'code'>;
  grpcServerDuration: Histogram<'service' | 'method'>;
  /** Serves `/metrics`; port 0 picks a free one. Resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const grpcServerHandled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'gRPC calls completed by this server, by method and status code.',
    labelNames: ['service', 'method', 'code'] as const,
    registers: [registry],
  });
  const grpcServerDuration = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time to answer a unary gRPC call.',
    labelNames: ['service', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Set by `npm start`'s supervisor (scripts/supervisor.ts) for each process it starts.
  new Gauge({
    name: 'messenger_process_restarts',
    help: "How often npm start's launcher restarted this process after it died (0: its first run).",
    registers: [registry],
  }).set(Number(process.env.MESSENGER_RESTARTS) || 0);
  let server: Server | undefined;
  return {
    registry,
    grpcServerHandled,
    grpcServerDuration,
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
