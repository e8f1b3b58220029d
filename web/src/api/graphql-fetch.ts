// One GraphQL request over plain fetch, outside urql: the token refresh must not pass through
// the auth exchange that is waiting for it.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { documentIdOf } from './trusted-documents';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; field?: string };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: GraphQLErrorShape[],
    /** True when no answer came at all (offline, server down). */
    readonly network: boolean,
  ) {
    super(errors[0]?.message ?? 'request failed');
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** Longer than the gateway's own deadline for an upstream call (GRPC_DEADLINE, 5 s). */
export const REQUEST_TIMEOUT_MS = 15_000;

export async function graphqlFetch<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  { endpoint = '/graphql', token }: { endpoint?: string; token?: string } = {},
): Promise<R> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      // By documentId, as every operation of the client (api/trusted-documents.ts).
      body: JSON.stringify({ documentId: documentIdOf(document), variables }),
      // A request that hangs would hold the refresh lock, and with it every tab's requests.
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new GraphQLRequestError([{ message: String(error) }], true);
  }
  const body = (await response.json().catch(() => null)) as { data?: R | null; errors?: GraphQLErrorShape[] } | null;
  if (body?.errors?.length) throw new GraphQLRequestError(body.errors, false);
  if (!body?.data) throw new GraphQLRequestError([{ message: `HTTP ${response.status}` }], response.status >= 500);
  return body.data;
}
