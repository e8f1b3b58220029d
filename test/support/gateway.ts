import { createLogger } from '../../lib/logger.js';
import { createGatewayApp, type GatewayApp, type GatewayOptions } from '../../gateway/src/app.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';

/** A real gateway on a free port, dialing the given auth-service ports. */
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
  return createGatewayApp(config, createLogger('gateway', process.env.LOG_LEVEL ?? 'silent'), undefined, options);
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
