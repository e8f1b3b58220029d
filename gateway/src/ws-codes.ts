/** WebSocket close codes the gateway uses (RFC 6455 §7.4 and graphql-ws). */
export const closeCodes = {
  /** graphql-ws: refused at `connection_init`, or its session was revoked (or its token's key retired). */
  forbidden: 4403,
  /** RFC 6455: the server is restarting; reconnect. */
  serviceRestart: 1012,
  /** RFC 6455: try again later (a client that cannot keep up). */
  tryAgainLater: 1013,
  /** RFC 6455: policy violation (the user already has as many sockets open as allowed). */
  policyViolation: 1008,
} as const;
