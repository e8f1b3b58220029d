// The urql client for queries and mutations over HTTP. The auth exchange adds the access token,
// refreshes it shortly before it expires, and refreshes and retries once when the server answers
// UNAUTHENTICATED. Subscriptions go over graphql-ws in realtime/connection.ts, which needs its own
// control over reconnects and resume cursors.
import { Client, fetchExchange, getOperationName, type CombinedError, type Operation } from '@urql/core';
import { authExchange } from '@urql/exchange-auth';
import type { SessionManager } from '../auth/session';
import { expiresSoon } from '../auth/session';
import { REQUEST_TIMEOUT_MS } from './graphql-fetch';
import { trustedDocumentsExchange } from './trusted-documents';

const PUBLIC_OPERATIONS = new Set(['Login', 'Register', 'RefreshToken']);
const operationName = (operation: Operation) => getOperationName(operation.query) ?? '';

export const isUnauthenticated = (error: CombinedError) =>
  error.graphQLErrors.some((e) => e.extensions['code'] === 'UNAUTHENTICATED');

export function createApiClient(session: SessionManager, url = '/graphql'): Client {
  return new Client({
    url,
    // The client keeps its own state (state/reducer.ts); every request goes to the server.
    requestPolicy: 'network-only',
    preferGetMethod: false,
    // A request without an answer fails after a while, so that a send retries and nothing waits forever.
    fetchOptions: () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    exchanges: [
      authExchange(async (utils) => {
        let sentToken: string | undefined;
        return {
          addAuthToOperation(operation) {
            const current = session.current();
            if (!current || PUBLIC_OPERATIONS.has(operationName(operation))) return operation;
            sentToken = current.accessToken;
            return utils.appendHeaders(operation, { authorization: `Bearer ${current.accessToken}` });
          },
          willAuthError(operation) {
            const current = session.current();
            return !!current && !PUBLIC_OPERATIONS.has(operationName(operation)) && expiresSoon(current);
          },
          didAuthError(error, operation) {
            return !!session.current() && !PUBLIC_OPERATIONS.has(operationName(operation)) && isUnauthenticated(error);
          },
          async refreshAuth() {
            // A failed refresh leaves the operation to fail with its own error; a refused one
            // signs the user out (the session manager tells the app).
            await session.accessToken(sentToken).catch(() => null);
          },
        };
      }),
      // Each operation goes by its documentId, not its text (api/trusted-documents.ts).
      trustedDocumentsExchange,
      fetchExchange,
    ],
  });
}
