import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { newAccount } from '../../../test/support/auth.js';
import type { GraphQLResponse } from '../../../test/support/gateway.js';
import { leftover } from '../../../test/support/leftovers.js';

// Limits on GraphQL documents (gateway/src/defence/documents.ts): tokens, depth, aliases,
// directives and cost, refused before anything runs with LIMIT_EXCEEDED, over HTTP (POST and GET)
// and graphql-ws, where the refusal is an `error` for that operation only. The web client's
// operations and the largest legitimate request (a resume with a cursor for each of 2,000 chats,
// inline or as variables) fit the defaults. Production mode hides introspection, GraphiQL and
// field suggestions, each switchable.
//
// The requests the tests beside this file send, over HTTP and graphql-ws.

export type ErrorShape = NonNullable<GraphQLResponse['errors']>[number];
export interface Answer extends GraphQLResponse {
  status: number;
}

/** A POST as the web client sends it. */
export async function post(port: number, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status } satisfies Answer;
}

/** A GET, with the header that tells the gateway it is no cross-site request. */
export async function get(port: number, query: string) {
  const url = new URL(`http://127.0.0.1:${port}/graphql`);
  url.searchParams.set('query', query);
  const res = await fetch(url, {
    headers: { accept: 'application/graphql-response+json, application/json', 'x-graphql-yoga-csrf': '1' },
  });
  return { ...((await res.json()) as GraphQLResponse), status: res.status } satisfies Answer;
}

/** A graphql-ws client that counts its sockets' closes: a refused operation must not close one. */
export function wsClient(port: number, token: string) {
  const closes: number[] = [];
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    // Closes are counted here; a gateway stopped at the end of a test closes its sockets.
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
    on: { closed: (event) => void closes.push((event as { code: number }).code) },
  });
  leftover(() => client.dispose());
  return { client, closes };
}

/**
 * One operation over graphql-ws: its first result, or the errors of its `error` message. Queries
 * end by themselves; `dispose` ends a subscription (its socket stays open: the client is not lazy).
 */
export function overWs(client: Client, query: string, variables: Record<string, unknown> = {}) {
  let dispose = () => {};
  const outcome = new Promise<{
    result?: FormattedExecutionResult<Record<string, unknown>, unknown>;
    errors?: ErrorShape[];
  }>((resolve) => {
    dispose = client.subscribe(
      { query, variables },
      {
        next: (result) => resolve({ result }),
        error: (errors) => resolve({ errors: errors as ErrorShape[] }),
        complete: () => {},
      },
    );
  });
  return Object.assign(outcome, { dispose: () => dispose() });
}

export const ME = '{ me { id username } }';
export const REGISTER = 'mutation ($input: RegisterInput!) { register(input: $input) { accessToken } }';
export const registration = () => {
  const { email, username, password } = newAccount('doc');
  return { email, username, password };
};
