import type { ServerOptions } from 'node:http';

export interface HttpServerLimits {
  /** Largest request body; a larger one is refused with 413 (http-body.ts). */
  maxRequestBytes: number;
  /** How long a client may take to send a request's headers. */
  headersTimeoutMs: number;
  /** How long a client may take to send a whole request, headers and body. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open for the client's next request. */
  keepAliveTimeoutMs: number;
}

/**
 * Timeouts of the gateway's HTTP server against clients that send slowly to hold connections
 * (slowloris). A client over a timeout gets 408 and its connection is closed.
 *
 * Neither cuts a long answer: Node's request timeout counts until the request has been received
 * (its body included), not while the answer streams, so a subscription over server-sent events
 * lives on; and a WebSocket leaves the HTTP server's bookkeeping at its upgrade. The tests in
 * gateway/test/http-hardening.test.ts hold both.
 */
export function httpServerOptions(limits: HttpServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node looks for requests over their timeouts (its default, 30 s, would let a
    // 10 s headers timeout run to 40 s). Each look walks only the connections mid-request.
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 4)),
  };
}
