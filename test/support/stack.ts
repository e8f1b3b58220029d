import { beforeAll } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { useChatService } from './chat.js';
import { useProfilesService } from './profiles.js';
import { graphqlClient, startGateway } from './gateway.js';
import type { GatewayApp } from './gateway.js';
import { leftover } from './leftovers.js';

/**
 * auth-service, chat-service and a gateway, for tests through GraphQL. `user()` registers over
 * GraphQL and returns the access token; `ws(token)` opens a graphql-ws client (disposed of after
 * the file's tests, as the gateway is: test/support/leftovers.ts).
 */
export function useStack(
  label: string,
  options: Parameters<typeof useChatService>[1] & {
    /** Extra gateway settings (e.g. RATE_LIMITS=off for a test of many users on one address). */
    gateway?: Record<string, string>;
  } = {},
) {
  const chatService = useChatService(label, options);
  const profilesService = useProfilesService(`${label}_profiles`, () => ({
    auth: chatService.authService.app.port,
    chat: chatService.app.port,
  }));
  const fixture = {
    chatService,
    profilesService,
    gateway: undefined as unknown as GatewayApp,
    get gql() {
      return graphqlClient(fixture.gateway.port).request;
    },
    async user(tag = 'u') {
      const account = await chatService.user(tag);
      return account;
    },
    ws(token: string): Client {
      const client = createClient({
        url: `ws://127.0.0.1:${fixture.gateway.port}/graphql`,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      leftover(() => client.dispose());
      return client;
    },
  };
  beforeAll(async () => {
    fixture.gateway = await startGateway(
      [chatService.authService.app.port],
      { PROFILES_GRPC_ADDR: `127.0.0.1:${profilesService.app.port}`, ...options.gateway },
      [chatService.app.port],
    );
  });
  return fixture;
}

/** Collects the events of one subscription; `next(n)` waits until n have arrived. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: T[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let failure: unknown;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) failure = result.errors;
        if (result.data) events.push(result.data);
        for (const waiter of [...waiters]) {
          if (events.length >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      },
      error: (error) => (failure = error),
      complete: () => {},
    },
  );
  return {
    events,
    dispose,
    /** Resolves once `count` events have arrived (rejects after `timeoutMs`). */
    async until(count: number, timeoutMs = 10_000): Promise<T[]> {
      if (events.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`got ${events.length} of ${count} events: ${JSON.stringify(failure ?? events)}`)),
            timeoutMs,
          );
          waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
        });
      }
      return events;
    },
  };
}
