import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Metadata } from '@grpc/grpc-js';
import { bearerToken } from '../../../lib/grpc/metadata.js';
import type { AccessTokenKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { errorCodeOf } from '../errors.js';
import type { GatewayMetrics, OperationType } from './gateway-metrics.js';
import { operationLabel } from './known-operations.js';

/** One GraphQL operation that ended (a subscription: that started, or was refused). */
export interface FinishedOperation {
  requestId: string | undefined;
  /** The web client's operation name, else `other` (known-operations.ts). */
  operation: string;
  type: OperationType;
  /** The caller, when the operation verified who it is (a token's session, or a login). */
  userId: string | undefined;
  seconds: number;
  /** The `extensions.code` of each error, as the client sees them; none: it succeeded. */
  codes: string[];
}

export type RecordOperation = (operation: FinishedOperation) => void;

/**
 * Counts each operation (`messenger_graphql_operations_total` and its duration) and logs one info
 * line for it: bounded name, type, user id, duration and outcome — never its variables or text.
 */
export function operationRecorder(metrics: GatewayMetrics, logger: Logger): RecordOperation {
  return ({ requestId, operation, type, userId, seconds, codes }) => {
    const outcome = codes[0] ?? 'ok';
    metrics.operation(operation, type, outcome, seconds);
    logger.info(
      {
        requestId,
        operation,
        type,
        userId,
        ms: Math.round(seconds * 1000),
        outcome,
        ...(codes.length > 0 ? { codes: [...new Set(codes)] } : {}),
      },
      'graphql operation',
    );
  };
}

/** What the plugin reads of an operation's context: HTTP and graphql-ws both have these. */
interface SeenContext {
  requestId?: string;
  /** The request's GraphQL parameters (yoga's over HTTP; the subscribe message's over graphql-ws). */
  params?: { operationName?: unknown };
  /** The gateway's context (context.ts `userId`): the caller, once verified. */
  userId?: () => string | undefined;
  /** The gateway's context: the caller's credentials. */
  call?: { metadata: Metadata };
}

const typeOf = (document: DocumentNode, operationName: unknown): OperationType =>
  getOperationAST(document, typeof operationName === 'string' ? operationName : undefined)?.operation ?? 'unknown';

const nameOf = (document: DocumentNode | undefined, operationName: unknown) =>
  operationLabel(
    typeof operationName === 'string' ? operationName : document && getOperationAST(document, undefined)?.name?.value,
  );

const codesOf = (errors: readonly GraphQLError[] | undefined) => (errors ?? []).map(errorCodeOf);

/** A result's error codes; a stream (a subscription that started) has none. */
const codesOfResult = (result: unknown) => (isAsyncIterable(result) ? [] : codesOf((result as ExecutionResult).errors));

/**
 * An envelop plugin that records every operation yoga's `getEnveloped` runs: HTTP (queries,
 * mutations, subscriptions over server-sent events) and graphql-ws queries and mutations
 * (ws-connection.ts runs those through the envelop; it records its subscriptions itself). A
 * document refused by parsing or validation is recorded too, with its error code. Put it after
 * every plugin that may refuse a document (defence/documents.ts), so that it sees their verdict.
 */
export function useOperationMetrics(
  record: RecordOperation,
  /**
   * The access tokens' keys, to name the caller of an operation that did not check
   * its session itself (most leave that to the services); none: only the callers it checked.
   */
  keys?: AccessTokenKeys,
): Plugin {
  /** When each operation was first seen (parsing), by its context object. */
  const began = new WeakMap<object, number>();
  const secondsSince = (context: object) => (performance.now() - (began.get(context) ?? performance.now())) / 1000;

  /** Records an executed operation with its caller: as checked, else from a token that verifies. */
  const finish = (context: SeenContext, operation: Omit<FinishedOperation, 'userId'>) => {
    const checked = context.userId?.();
    const token = checked === undefined && keys && context.call ? bearerToken(context.call.metadata) : undefined;
    if (!keys || token === undefined) return record({ ...operation, userId: checked });
    keys.verify(token).then(
      (claims) => record({ ...operation, userId: claims?.userId }),
      () => record({ ...operation, userId: undefined }),
    );
  };

  return {
    onParse({ context }) {
      began.set(context, performance.now());
      return ({ result, context: seen }: { result: unknown; context: SeenContext }) => {
        if (!(result instanceof Error)) return;
        const code = errorCodeOf(result);
        record({
          requestId: seen.requestId,
          operation: nameOf(undefined, seen.params?.operationName),
          type: 'unknown',
          userId: undefined,
          seconds: secondsSince(seen),
          // graphql-armor's refusals while parsing (too many tokens) carry their own code.
          codes: [code === 'BAD_USER_INPUT' ? 'GRAPHQL_PARSE_FAILED' : code],
        });
      };
    },
    onValidate({ context, params }) {
      return ({ valid, result }) => {
        if (valid) return;
        const seen = context as SeenContext;
        const operationName = seen.params?.operationName;
        const document = params.documentAST as DocumentNode;
        record({
          requestId: seen.requestId,
          operation: nameOf(document, operationName),
          type: typeOf(document, operationName),
          userId: undefined,
          seconds: secondsSince(seen),
          codes: (result as readonly GraphQLError[]).map((error) => {
            const code = error.extensions.code;
            return typeof code === 'string' ? code : 'GRAPHQL_VALIDATION_FAILED';
          }),
        });
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as SeenContext & object;
      const document = args.document as DocumentNode;
      if (!began.has(context)) began.set(context, performance.now());
      return {
        onExecuteDone({ result }) {
          finish(context, {
            requestId: context.requestId,
            operation: nameOf(document, args.operationName),
            type: typeOf(document, args.operationName),
            seconds: secondsSince(context),
            codes: codesOfResult(result),
          });
        },
      };
    },
    onSubscribe({ args }) {
      const context = args.contextValue as SeenContext & object;
      const document = args.document as DocumentNode;
      if (!began.has(context)) began.set(context, performance.now());
      return {
        onSubscribeResult({ result }) {
          finish(context, {
            requestId: context.requestId,
            operation: nameOf(document, args.operationName),
            type: 'subscription',
            seconds: secondsSince(context),
            codes: codesOfResult(result),
          });
        },
      };
    },
  };
}

/** The record of a graphql-ws subscription's start (ws-connection.ts starts those itself). */
export function subscriptionStarted(
  record: RecordOperation,
  started: {
    requestId: string;
    document: DocumentNode;
    operationName: unknown;
    userId: string;
    seconds: number;
    errors: readonly GraphQLError[] | undefined;
  },
): void {
  record({
    requestId: started.requestId,
    operation: nameOf(started.document, started.operationName),
    type: 'subscription',
    userId: started.userId,
    seconds: started.seconds,
    codes: codesOf(started.errors),
  });
}
