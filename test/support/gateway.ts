import { createLogger } from '../../lib/logger.js';
import { createGatewayApp, type Gateway, type GatewayApp, type GatewayOptions } from '../../gateway/src/app.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import { openGatewayResources } from '../../gateway/src/resources.js';
import { leftover } from './leftovers.js';

/**
 * A real gateway on a free port, dialing the given auth-service ports: composed as
 * gateway/src/index.ts composes it (resources opened, the gateway built over them and started;
 * stopped, then the resources closed). Stopped after the file's tests unless `stop` was called.
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
  const resources = openGatewayResources(config, logger);
  const stopResources = leftover(() => resources.close());
  let gateway: Gateway;
  try {
    gateway = createGatewayApp({ config, logger, upstreams: resources.upstreams, redis: resources.redis }, options);
  } catch (error) {
    await stopResources();
    throw error;
  }
  const stop = leftover(async () => {
    await gateway.stop();
    await stopResources();
  });
  const { port, metricsPort } = await gateway.start().catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { port, metricsPort, upstreams: resources.upstreams, events: gateway.events, stop };
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
