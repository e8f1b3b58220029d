// Trusted documents: GraphQL Code Generator gives every operation of the client a documentId
// (its sha256, in `__meta__.hash`; codegen.yml) and writes them all into the manifest the
// gateway runs them from (web/src/graphql/persisted-documents.json). The client sends the
// documentId instead of the text, in the GraphQL-over-HTTP persisted-documents shape, so that it
// works with a gateway that runs nothing else (TRUSTED_DOCUMENTS=only).
import type { DocumentNode } from 'graphql';
import { makeOperation, mapExchange, type Operation } from '@urql/core';

/** The documentId codegen embedded in one of the client's documents. */
export function documentIdOf(document: DocumentNode): string {
  const id = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof id !== 'string') throw new Error('a document without a documentId: run npm run codegen');
  return id;
}

/** The operation whose document was replaced by its documentId, kept for its results. */
type Sent = Operation & { context: { byDocumentIdOf?: Operation } };

/**
 * Put just before fetchExchange: urql sends `documentId` (and no `query`) for a document that
 * has one and no definitions. Results carry the original operation again, so that the exchanges
 * above (auth: its operation names) see what they sent.
 */
export const trustedDocumentsExchange = mapExchange({
  onOperation(operation) {
    if (operation.kind === 'teardown' || !('__meta__' in operation.query)) return operation;
    const query = { kind: 'Document', definitions: [], documentId: documentIdOf(operation.query) };
    return makeOperation(
      operation.kind,
      { ...operation, query: query as unknown as DocumentNode },
      {
        ...operation.context,
        byDocumentIdOf: operation,
      },
    );
  },
  onResult(result) {
    const original = (result.operation as Sent).context.byDocumentIdOf;
    return original ? { ...result, operation: original } : result;
  },
});
