import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '../../../lib/metrics.js';

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** What the gateway is holding open, read at scrape time. */
export interface OpenCounts {
  webSockets(): number;
  /** chatEvents subscriptions, over WebSocket and HTTP. */
  subscriptions(): number;
  /** Deliver calls to chat-service instances that are up. */
  upstreamStreams(): number;
}

/** The gateway's own metrics (docs/observability.md lists each one). */
export interface GatewayMetrics {
  /** An operation ended (a subscription: once it started, or was refused). `outcome`: `ok` or an error code. */
  operation: (name: string, type: OperationType, outcome: string, seconds: number) => void;
  /**
   * `count` sockets (or HTTP streams) were written one event. With the event's commit time it was
   * live: each write is observed in `messenger_delivery_latency_seconds`. Without, it was
   * replayed (read back from the log, or a chat joined while the subscription moved).
   */
  delivered: (count: number, committedAtMs: number | undefined) => void;
  /** A rate limit refused a call (`limit`: the limiter's name, see limits/rate-limits.ts). */
  refused: (limit: string) => void;
  /** Reports what is open on every scrape. */
  watch: (open: OpenCounts) => void;
}

/**
 * Codes an operation's outcome may be labelled with; anything else is `other_error`, so that the
 * label keeps a bounded set of values whatever an error carries.
 */
const OUTCOMES = new Set([
  'ok',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'LIMIT_EXCEEDED',
  'UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
]);

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const operations = new Counter({
    name: 'messenger_graphql_operations_total',
    help: 'GraphQL operations, by name (the web client\'s, else "other"), type and outcome ("ok" or the first error code).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers,
  });
  const operationSeconds = new Histogram({
    name: 'messenger_graphql_operation_duration_seconds',
    help: 'Time from parsing a GraphQL operation to its result (a subscription: to its start).',
    labelNames: ['operation', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const delivered = new Counter({
    name: 'messenger_events_delivered_total',
    help: 'Chat events written to subscribers (one per socket or HTTP stream): live, or replayed from the log.',
    labelNames: ['source'] as const,
    registers,
  });
  const deliveredLive = delivered.labels({ source: 'live' });
  const deliveredReplay = delivered.labels({ source: 'replay' });
  const deliveryLatency = new Histogram({
    name: 'messenger_delivery_latency_seconds',
    help: "Time from a live event's commit in chat-service to its write on a subscriber's socket.",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const refusals = new Counter({
    name: 'messenger_rate_limit_refusals_total',
    help: 'Calls and WebSocket upgrades refused by a rate limit, by limit.',
    labelNames: ['limit'] as const,
    registers,
  });
  const watched: OpenCounts[] = [];
  const gauge = (name: string, help: string, read: (open: OpenCounts) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(watched.reduce((sum, open) => sum + read(open), 0));
      },
    });
  gauge('messenger_websockets_open', 'WebSockets open on this gateway.', (open) => open.webSockets());
  gauge(
    'messenger_subscriptions_active',
    'chatEvents subscriptions carried by this gateway (WebSocket and HTTP).',
    (open) => open.subscriptions(),
  );
  gauge(
    'messenger_upstream_streams_open',
    'Deliver calls open from this gateway to chat-service instances (one per instance that is up).',
    (open) => open.upstreamStreams(),
  );

  return {
    operation(name, type, outcome, seconds) {
      operations.inc({ operation: name, type, outcome: OUTCOMES.has(outcome) ? outcome : 'other_error' });
      operationSeconds.observe({ operation: name, type }, seconds);
    },
    delivered(count, committedAtMs) {
      if (committedAtMs === undefined) {
        deliveredReplay.inc(count);
        return;
      }
      deliveredLive.inc(count);
      // Clocks of two machines may disagree by a little: never a negative latency.
      const seconds = Math.max(0, Date.now() - committedAtMs) / 1000;
      for (let i = 0; i < count; i++) deliveryLatency.observe(seconds);
    },
    refused: (limit) => refusals.inc({ limit }),
    watch: (open) => void watched.push(open),
  };
}
