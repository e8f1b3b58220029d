import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { AccessTokenKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import { corsFor, graphiqlWithCsp, useCsrfPrevention } from '../defence/browsers.js';
import { documentPlugins } from '../defence/documents.js';
import type { TrustedDocuments } from '../defence/trusted-documents.js';
import { DEFAULT_DOCUMENT, renderGraphiQL } from '../graphiql.js';
import { useOperationMetrics, type RecordOperation } from '../metrics/operations.js';
import { closeUnsentSubscriptions } from '../realtime/iterator-subscription.js';

export const GRAPHQL_PATH = '/graphql';

/** What the HTTP layer (http/server.ts) hands yoga for each operation. */
export interface ServerContext {
  requestId: string;
  authorization: string | undefined;
  userAgent: string;
  clientAddress: string;
}

/**
 * GraphQL over HTTP (graphql-yoga): POST and GET, subscriptions as server-sent events, and
 * GraphiQL. Its envelop (parser, validation, plugins) also serves graphql-ws operations
 * (realtime/ws-connection.ts).
 */
export function createGraphqlOverHttp(options: {
  config: GatewayConfig;
  logger: Logger;
  /** The whole schema, its rate-limited fields guarded (limits/rate-limits.ts). */
  schema: GraphQLSchema;
  trustedDocuments: TrustedDocuments;
  maskError: (error: unknown, message: string) => Error;
  recordOperation: RecordOperation;
  /** To name the caller of an operation that did not check its session (metrics/operations.ts). */
  tokenKeys: AccessTokenKeys;
  context: (server: ServerContext) => GatewayContext;
}) {
  const { config, logger, trustedDocuments, maskError } = options;
  const graphiql = graphiqlWithCsp(renderGraphiQL);
  return createYoga<ServerContext, GatewayContext>({
    schema: options.schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // Served from the installed package, so GraphiQL works offline; with a CSP of its own, and a
    // fetcher that opens subscriptions' sockets with the headers pane's token (graphiql.ts).
    renderGraphiQL: graphiql.renderGraphiQL,
    graphiql: config.graphiql && { title: 'Messenger', endpoint: GRAPHQL_PATH, defaultQuery: DEFAULT_DOCUMENT },
    // Browsers and documents: gateway/src/defence/. Bodies are read (bounded) before yoga.
    cors: corsFor(config.corsOrigins),
    multipart: false,
    maxRequestBodySize: config.http.maxRequestBytes,
    extraParamNames: trustedDocuments.yoga.extraParamNames,
    plugins: [
      useCsrfPrevention(),
      graphiql.plugin,
      // Before the document limits: they check the text a documentId stands for.
      ...trustedDocuments.yoga.plugins,
      ...documentPlugins(config.documents),
      closeUnsentSubscriptions,
      // After the document limits, so that it records their refusals.
      useOperationMetrics(options.recordOperation, options.tokenKeys),
    ],
    maskedErrors: { maskError, isDev: false },
    logging: {
      debug: (...args: unknown[]) => logger.debug({ yoga: args.slice(1) }, String(args[0])),
      info: (...args: unknown[]) => logger.info({ yoga: args.slice(1) }, String(args[0])),
      warn: (...args: unknown[]) => logger.warn({ yoga: args.slice(1) }, String(args[0])),
      // Yoga reports every error in a result here, expected ones (a taken email) included;
      // unexpected ones are logged with their stack by maskError.
      error: (...args: unknown[]) => logger.debug({ yoga: args.slice(1) }, String(args[0])),
    },
    context: options.context,
  });
}

export type GraphqlOverHttp = ReturnType<typeof createGraphqlOverHttp>;
