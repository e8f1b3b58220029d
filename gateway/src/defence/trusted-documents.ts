import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ConfigError } from '../../../lib/env.js';
import { untrustedDocument } from '../errors.js';

/**
 * Trusted documents (persisted documents): the web client's operations are extracted at build
 * time by GraphQL Code Generator (`npm run codegen`) into a manifest, documentId → document text
 * (web/src/graphql/persisted-documents.json), and the client sends the documentId instead of the
 * text, in the GraphQL-over-HTTP persisted-documents shape: `documentId` beside `variables` in a
 * POST body, a GET's query string, or a graphql-ws `subscribe` payload.
 *
 * - `off`: no manifest; `documentId` is not understood, every document is accepted.
 * - `allow` (the default): a documentId is run from the manifest, query text is accepted too.
 * - `only`: only the manifest's documents run, by documentId; query text is refused, so nothing
 *   but the web client's own operations (and their variables) reaches the schema.
 *
 * Over HTTP (POST and GET, JSON and SSE) yoga's persisted-operations plugin applies it; on
 * graphql-ws, which is served by our own WsConnection, `queryOf` does the same before parsing.
 * Refusals carry yoga's plugin's codes, so that a client written for yoga understands them.
 */
export type TrustedDocumentsMode = 'off' | 'allow' | 'only';

export interface TrustedDocumentsConfig {
  mode: TrustedDocumentsMode;
  /** The manifest: a JSON object of documentId → document text. */
  file: string;
}

/** `errors[].extensions.code` of a refused request: those of yoga's persisted-operations plugin. */
export const TrustedDocumentCode = {
  /** The documentId is not in the manifest. */
  NotFound: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** Neither a documentId nor query text. */
  IdRequired: 'PERSISTED_QUERY_ID_REQUIRED',
  /** Query text sent where only trusted documents run (`only`). */
  TextRefused: 'CANNOT_SEND_PQ_ID_AND_BODY',
} as const;
export type TrustedDocumentCode = (typeof TrustedDocumentCode)[keyof typeof TrustedDocumentCode];

const errors = {
  notFound: () =>
    untrustedDocument(
      'unknown documentId: it is not one of the documents this gateway trusts',
      TrustedDocumentCode.NotFound,
    ),
  idRequired: () => untrustedDocument('no documentId and no query: send a documentId', TrustedDocumentCode.IdRequired),
  textRefused: () =>
    untrustedDocument(
      'this gateway runs only trusted documents: send the documentId of a known document, not query text',
      TrustedDocumentCode.TextRefused,
    ),
};

export interface TrustedDocuments {
  mode: TrustedDocumentsMode;
  /** What yoga needs: its plugin and the extra request parameter; none when `off`. */
  yoga: { plugins: Plugin[]; extraParamNames: string[] };
  /** The text a graphql-ws subscribe runs, or its refusal (the same rules as over HTTP). */
  queryOf(payload: { query?: unknown; documentId?: unknown }): string | GraphQLError;
}

/** The manifest as GraphQL Code Generator writes it; anything else is a configuration error. */
export function readManifest(file: string): Map<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  TRUSTED_DOCUMENTS_FILE: cannot read ${file}: ${String(error)}`);
  }
  const entries = manifest && typeof manifest === 'object' ? Object.entries(manifest) : [];
  if (Array.isArray(manifest) || entries.length === 0 || entries.some(([, text]) => typeof text !== 'string')) {
    throw new ConfigError(
      `invalid configuration:\n  TRUSTED_DOCUMENTS_FILE: ${file} is not an object of documentId → document text`,
    );
  }
  return new Map(entries as [string, string][]);
}

const documentIdOf = (params: Record<string, unknown>, request?: Request): string | null => {
  // yoga's GET parser keeps only the standard parameters: a GET's documentId is read from its URL.
  const given =
    params.documentId ??
    (request?.method === 'GET' ? new URL(request.url, 'http://localhost').searchParams.get('documentId') : null);
  return typeof given === 'string' && given !== '' ? given : null;
};

export function createTrustedDocuments(config: TrustedDocumentsConfig): TrustedDocuments {
  if (config.mode === 'off') {
    return {
      mode: 'off',
      yoga: { plugins: [], extraParamNames: [] },
      queryOf: (payload) => (typeof payload.query === 'string' ? payload.query : errors.idRequired()),
    };
  }
  const documents = readManifest(config.file);
  const arbitrary = config.mode === 'allow';
  return {
    mode: config.mode,
    yoga: {
      plugins: [
        usePersistedOperations({
          allowArbitraryOperations: arbitrary,
          extractPersistedOperationId: (params, request) =>
            documentIdOf(params as unknown as Record<string, unknown>, request),
          getPersistedOperation: (id) => documents.get(id) ?? null,
          customErrors: {
            notFound: errors.notFound,
            keyNotFound: errors.idRequired,
            persistedQueryOnly: errors.textRefused,
          },
        }),
      ],
      // Accepted beside a query's text too (`allow`), which yoga would refuse as unknown.
      extraParamNames: ['documentId'],
    },
    // The plugin's rules: text wins when there is any, else the documentId.
    queryOf(payload) {
      if (typeof payload.query === 'string' && payload.query !== '') {
        return arbitrary ? payload.query : errors.textRefused();
      }
      const id = documentIdOf(payload);
      if (id === null) return errors.idRequired();
      return documents.get(id) ?? errors.notFound();
    },
  };
}
