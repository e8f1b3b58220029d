import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import {
  type GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { limitExceeded } from '../errors.js';
import { NoFederationRule } from '../federation.js';

/**
 * Limits on what one GraphQL document may ask for, checked when it is parsed and validated,
 * before anything of it runs. They are envelop plugins of yoga's, so they hold wherever yoga's
 * `getEnveloped` parses and validates: HTTP (POST, GET, SSE) and graphql-ws (ws-connection.ts),
 * where a refused document is an `error` message for its id only.
 *
 * A refusal is a GraphQL error with code LIMIT_EXCEEDED, `extensions.limit` naming the limit and
 * a message with the limit and what was found; over HTTP its status is 400.
 */
export interface DocumentLimits {
  /** Lexical tokens of the query text (resume cursors written inline count, 8 per cursor). */
  maxTokens: number;
  /** Nested fields, fragments flattened. */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** graphql-armor's cost: fields weighted by depth, lists by their literal `first`/`last`. */
  maxCost: number;
  /** Fields written in the document (see `maxFieldsRule`). */
  maxFields: number;
  /** `__schema` and `__type` answered (GraphiQL's documentation and completion need them). */
  introspection: boolean;
  /** Federation's `_service` and `_entities` answered (a supergraph router needs them). */
  federation: boolean;
  /** "Did you mean …?" left in error messages. */
  fieldSuggestions: boolean;
}

/** `extensions.limit` of a refused document. */
export const DocumentLimit = {
  Tokens: 'tokens',
  Depth: 'depth',
  Aliases: 'aliases',
  Directives: 'directives',
  Cost: 'cost',
  Fields: 'fields',
} as const;
export type DocumentLimit = (typeof DocumentLimit)[keyof typeof DocumentLimit];

/** graphql-armor words its refusals as syntax errors; they are not. */
const limitError = (error: GraphQLError, limit: DocumentLimit) =>
  limitExceeded(error.message.replace(/^Syntax Error: /, ''), limit);

/**
 * A refusal in validation is reported, not thrown: a throw would leave graphql's `validate` and
 * end the WebSocket that sent it instead of answering that one operation.
 */
const reported = (limit: DocumentLimit) => ({
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(error, limit)),
  ],
});

export function documentPlugins(limits: DocumentLimits): Plugin[] {
  return [
    EnvelopArmorPlugin({
      maxTokens: {
        n: limits.maxTokens,
        // Parsing stops at the first token over: the rest of the text is never read.
        propagateOnRejection: false,
        onReject: [
          (_context, error) => {
            throw limitError(error, DocumentLimit.Tokens);
          },
        ],
      },
      maxDepth: { n: limits.maxDepth, flattenFragments: true, ...reported(DocumentLimit.Depth) },
      maxAliases: { n: limits.maxAliases, ...reported(DocumentLimit.Aliases) },
      maxDirectives: { n: limits.maxDirectives, ...reported(DocumentLimit.Directives) },
      costLimit: { maxCost: limits.maxCost, flattenFragments: true, ...reported(DocumentLimit.Cost) },
      // Hidden by `hideSuggestions` below, which also covers what armor's plugin leaves.
      blockFieldSuggestion: { enabled: false },
    }),
    { onValidate: ({ addValidationRule }) => addValidationRule(maxFieldsRule(limits.maxFields)) },
    ...(limits.introspection ? [] : [disableIntrospection]),
    ...(limits.federation ? [] : [disableFederation]),
    ...(limits.fieldSuggestions ? [] : [hideSuggestions]),
    limitsFirst,
  ];
}

/**
 * The limits (and every other rule not graphql's own) run in a pass of their own, and graphql's
 * rules only on a document within them: some of graphql's rules take time quadratic in the
 * fields of a selection (see `maxFieldsRule`), which is exactly what a document over a limit
 * may be made of. yoga caches the outcome per document.
 */
const SPECIFIED_RULES = new Set(specifiedRules);
const limitsFirst: Plugin = {
  onValidate({ validateFn, setValidationFn }) {
    setValidationFn(
      (
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: readonly ValidationRule[] = specifiedRules,
        ...rest: unknown[]
      ) => {
        const own = rules.filter((rule) => !SPECIFIED_RULES.has(rule));
        const refused = (own.length > 0 ? validateFn(schema, document, own, ...rest) : []) as readonly GraphQLError[];
        if (refused.length > 0) return refused;
        return validateFn(
          schema,
          document,
          rules.filter((rule) => SPECIFIED_RULES.has(rule)),
          ...rest,
        ) as unknown;
      },
    );
  },
};

/**
 * The fields written in the whole document (a fragment's once, where it is defined). Tokens bound
 * the text, but graphql's check that fields of one name can be merged compares each pair of them
 * (OverlappingFieldsCanBeMergedRule), so a document within 20,000 tokens could still cost its
 * validation about half a second; this bound keeps that to a few milliseconds. The web client's
 * largest operation (ChatEvents with its fragments) has 59.
 */
function maxFieldsRule(max: number): ValidationRule {
  return (context) => {
    let fields = 0;
    return {
      Field: () => void fields++,
      Document: {
        leave: () => {
          if (fields <= max) return;
          context.reportError(limitExceeded(`Fields limit of ${max} exceeded, found ${fields}.`, DocumentLimit.Fields));
        },
      },
    };
  };
}

/** graphql's own rule: `__schema` and `__type` are refused in validation (`__typename` is not). */
const disableIntrospection: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoSchemaIntrospectionCustomRule);
  },
};

/** `_service` and `_entities` refused in validation, as `__schema` is above. */
const disableFederation: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(NoFederationRule);
  },
};

/**
 * graphql-js appends "Did you mean …?" with the names closest to a misspelt field, argument,
 * type or enum value, which lets anyone read the schema with introspection off. graphql-armor's
 * blockFieldSuggestions only rewrites `Did you mean "x"?` in validation errors; this removes
 * every form, in validation errors and in execution errors (a variable's misspelt input field is
 * only found there).
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** The error, its "Did you mean …?" removed (for errors that meet no plugin, e.g. on sockets). */
export function suggestionRemoved<E extends Error>(error: E): E {
  error.message = error.message.replace(SUGGESTION, '').trim();
  return error;
}

function withoutSuggestions(errors: readonly GraphQLError[]): GraphQLError[] {
  for (const error of errors) suggestionRemoved(error);
  return [...errors];
}

function resultWithoutSuggestions(result: unknown) {
  const { errors } = result as ExecutionResult;
  if (errors) withoutSuggestions(errors);
}

const hideSuggestions: Plugin = {
  onValidate() {
    return ({ valid, result, setResult }) => {
      if (!valid) setResult(withoutSuggestions(result as readonly GraphQLError[]));
    };
  },
  onExecute() {
    return { onExecuteDone: ({ result }) => resultWithoutSuggestions(result) };
  },
  onSubscribe() {
    return { onSubscribeResult: ({ result }) => resultWithoutSuggestions(result) };
  },
};
