import { Kind, type DocumentNode } from 'graphql';
import * as webDocuments from '../../../web/src/graphql/graphql.js';

/** The label of every operation whose name is not one of the web client's. */
export const OTHER_OPERATION = 'other';

const isDocument = (value: unknown): value is DocumentNode =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === Kind.DOCUMENT;

/**
 * The operation names the web client sends, read from its generated documents
 * (web/src/graphql/, from web/src/api/operations.ts) when the gateway loads: the bounded set of
 * `operation` label values. An operation name is free text chosen by the client; a label value
 * taken from it as is would let any client create series without end.
 */
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set(
  Object.values(webDocuments)
    .filter(isDocument)
    .flatMap((document) =>
      document.definitions.flatMap((definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
      ),
    ),
);

/** `name` if the web client sends an operation of that name, else `other`. */
export const operationLabel = (name: unknown): string =>
  typeof name === 'string' && KNOWN_OPERATIONS.has(name) ? name : OTHER_OPERATION;
