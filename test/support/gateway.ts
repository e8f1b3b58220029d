import { launch } from '../../lib/app.js';
import { createLogger } from '../../lib/logger.js';
import { createGatewayApp, type GatewayOptions } from '../../gateway/src/app.js';
import type { Upstreams } from '../../gateway/src/clients.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import type { EventHub } from '../../gateway/src/realtime/hub.js';
import { openGatewayResources } from '../../gateway/src/resources.js';
import { leftover } from './leftovers.js';

/** A running gateway: what it bound, the upstreams it was given, and its stop (also run after the file). */
export interface GatewayApp {
  port: number;
  metricsPort: number;
  upstreams: Upstreams;
  /** The real-time path: subscriptions and their Deliver calls. */
  events: EventHub;
  stop(): Promise<void>;
}

/**
 * A real gateway on a free port, dialing the given auth-service ports, put together as
 * gateway/src/index.ts does it (`launch`).
 */
export async function startGateway(
  authPorts: number[],
  env: Record<string, string> = {},
  chatPorts: number[] = [1],
  options: GatewayOptions = {},
): Promise<GatewayApp> {
  const config = loadGatewayConfig({
    GATEWAY_PORT: '0',
    AUTH_GRPC_ADDR: authPorts.map((port) => `127.0.0.1:${port}`).join(','),
    CHAT_GRPC_ADDR: chatPorts.map((port) => `127.0.0.1:${port}`).join(','),
    // No profiles-service unless the caller names one (PROFILES_GRPC_ADDR in `env`).
    PROFILES_GRPC_ADDR: '127.0.0.1:1',
    METRICS_PORT: '0',
    ...env,
  });
  const logger = createLogger('gateway', process.env.LOG_LEVEL ?? 'silent');
  const { app, resources, bound, stop } = await launch(openGatewayResources(config, logger), (resources) =>
    createGatewayApp({ config, logger, ...resources }, options),
  );
  return { ...bound, upstreams: resources.upstreams, events: app.events, stop: leftover(stop) };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string } & Record<string, unknown>;
  }[];
}

/** A GraphQL client over real HTTP. */
export function graphqlClient(port: number) {
  const url = `http://127.0.0.1:${port}/graphql`;
  return {
    url,
    request: async <T = Record<string, unknown>>(
      query: string,
      variables: Record<string, unknown> = {},
      { token, headers = {} }: { token?: string | undefined; headers?: Record<string, string> } = {},
    ): Promise<GraphQLResponse<T> & { status: number; headers: Headers }> => {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json()) as GraphQLResponse<T>;
      return { ...body, status: res.status, headers: res.headers };
    },
  };
}
