import type { IncomingMessage } from 'node:http';
import { beforeAll, expect } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { as, newAccount } from '../../../test/support/auth.js';
import { useChatService } from '../../../test/support/chat.js';
import { graphqlClient, startGateway, type GraphQLResponse } from '../../../test/support/gateway.js';
import { leftover } from '../../../test/support/leftovers.js';
import type { GatewayApp } from '../../../test/support/gateway.js';

// The gateway's rate limits, black-box: real gateways (HTTP and graphql-ws) in front of real
// auth- and chat-services. Each gateway counts in its own memory unless given Redis, so each
// scenario runs on a gateway, or from an address (X-Forwarded-For behind TRUST_PROXY), of its own.

export type Result = GraphQLResponse & { status?: number };

/** A GraphQL request over HTTP, from `from` (an X-Forwarded-For value) when given. */
export function gql(
  on: GatewayApp,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; from?: string } = {},
) {
  return graphqlClient(on.port).request(query, variables, {
    token: options.token,
    headers: options.from ? { 'x-forwarded-for': options.from } : {},
  }) as Promise<Result>;
}

/** A graphql-ws client signed in with `token`, its upgrade sent with `headers`. */
export function wsClient(on: GatewayApp, token: string, headers: Record<string, string> = {}): Client {
  class WithHeaders extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const client = createClient({
    url: `ws://127.0.0.1:${on.port}/graphql`,
    webSocketImpl: WithHeaders,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  leftover(() => client.dispose());
  return client;
}

/** One query or mutation over graphql-ws: its result. */
export function overWs(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    let result: Result | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => void (result = value as Result),
        error: reject,
        complete: () => resolve(result!),
      },
    );
  });
}

export const LOGIN = 'mutation ($i: LoginInput!) { login(input: $i) { accessToken } }';
export const REGISTER = 'mutation ($i: RegisterInput!) { register(input: $i) { accessToken } }';
export const REFRESH = 'mutation ($t: String!) { refreshToken(refreshToken: $t) { refreshToken } }';
export const SEND = 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id body } }';
export const SEARCH = 'query ($q: String!) { searchUsers(query: $q) { id } }';

export const login = (on: GatewayApp, email: string, password: string, from?: string) =>
  gql(on, LOGIN, { i: { email, password } }, { ...(from ? { from } : {}) });
export const register = (on: GatewayApp, from?: string) => {
  const { userAgent: _, ...input } = newAccount('rg');
  return gql(on, REGISTER, { i: input }, { ...(from ? { from } : {}) }).then((res) => ({ res, input }));
};
export const codeOf = (res: Result) => res.errors?.[0]?.extensions?.code ?? 'OK';
export const codesOf = (res: Result) => (res.errors ?? []).map((error) => error.extensions?.code);

/** A refusal: RATE_LIMITED, whole seconds to wait, and a message naming the limit. */
export function expectRefused(res: Result, limit: RegExp, path?: string) {
  const error = res.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
  expect(error, JSON.stringify(res.errors)).toBeDefined();
  expect(error!.message).toMatch(limit);
  const retryAfter = error!.extensions!.retryAfter;
  expect(Number.isInteger(retryAfter) && (retryAfter as number) >= 1, `retryAfter ${String(retryAfter)}`).toBe(true);
  if (path) expect(error!.path).toEqual([path]);
  return retryAfter as number;
}

/** Opens a bare WebSocket: 'open', or the HTTP status (and Retry-After) that refused the upgrade. */
export function upgrade(on: GatewayApp, headers: Record<string, string> = {}) {
  return new Promise<'open' | { status: number; retryAfter: string | undefined }>((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${on.port}/graphql`, 'graphql-transport-ws', { headers });
    leftover(() => socket.terminate());
    socket.once('open', () => {
      resolve('open');
      socket.close();
    });
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] });
      res.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

/**
 * auth- and chat-services, and two gateways in front of them started before the file's tests:
 * `plain` with the default limits, as `npm start` runs it, and `proxied`, the same behind a
 * trusted proxy at 127.0.0.1, so that each test picks its client address. `gateway(env)` starts
 * another, for a scenario that needs other limits or counts of its own.
 */
export function useRateLimits(label: string) {
  const services = useChatService(label);
  const fixture = {
    services,
    plain: undefined as unknown as GatewayApp,
    proxied: undefined as unknown as GatewayApp,
    gateway: (env: Record<string, string> = {}) =>
      startGateway([services.authService.app.port], env, [services.app.port]),
    /** A new account, registered with auth-service directly (no gateway limit involved). */
    async account(tag: string) {
      const details = newAccount(tag);
      const res = await services.authService.auth.register(details, as());
      return {
        ...details,
        id: res.user!.id,
        token: res.tokens!.accessToken,
        refreshToken: res.tokens!.refreshToken,
      };
    },
  };
  beforeAll(async () => {
    fixture.plain = await fixture.gateway({});
    fixture.proxied = await fixture.gateway({ TRUST_PROXY: '127.0.0.1' });
  });
  return fixture;
}
