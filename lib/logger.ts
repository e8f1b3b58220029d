import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { traceLogFields, tracingStarted } from './tracing.js';

export type { Logger };

/**
 * Where a credential or a user's text could sit in a logged object, by its name: censored by
 * pino's redaction whatever logs it (a header bag, GraphQL variables, a request body).
 */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'cookie',
  '*.cookie',
  '*.headers.cookie',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  // GraphQL variables and request bodies carry passwords, tokens and message bodies.
  'variables',
  '*.variables',
  'body',
  '*.body',
];

/**
 * Secrets as they appear inside text (an error's message or stack, a log message): a bearer
 * credential, anything shaped like a JWT, values quoted into messages — knex puts a failed
 * statement into its driver error's message with its bound values (a message body, a password
 * hash) as SQL literals, grpc-js quotes a metadata value it refuses.
 */
const SECRETS_IN_TEXT: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[^\s"',;)]+/gi, '$1 [redacted]'],
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[redacted]'],
  [/'(?:[^']|'')*'/g, "'[redacted]'"],
  [/(metadata[^"]*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"'],
];

/** `text` with every secret pattern above censored. */
export function scrubText(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SECRETS_IN_TEXT) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/** Properties of an error worth logging; any other (a driver error's `detail`, `where`, `parameters`) may hold data. */
const ERROR_FIELDS = ['code', 'details', 'field', 'sqlState', 'errno'] as const;

/**
 * The `err` serializer: type, scrubbed message and stack, a few codes, and the cause, and
 * nothing else an error object carries (row values, statements, metadata).
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) {
    return typeof value === 'string' ? scrubText(value) : { type: typeof value, message: '[not an Error]' };
  }
  const fields = value as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: value.constructor.name,
    message: scrubText(value.message),
    stack: scrubText(value.stack ?? ''),
  };
  for (const key of ERROR_FIELDS) {
    const field = fields[key];
    if (typeof field === 'number') out[key] = field;
    else if (typeof field === 'string') out[key] = scrubText(field);
  }
  if (depth < 3 && value.cause !== undefined) out.cause = serializeError(value.cause, depth + 1);
  if (depth < 3 && value instanceof AggregateError) {
    out.errors = (value.errors as unknown[]).slice(0, 5).map((error) => serializeError(error, depth + 1));
  }
  return out;
}

/**
 * JSON logs on stdout, one line per entry, tagged with the process's service name. No token,
 * password or message body reaches a line, at any level: named fields are redacted, errors are
 * logged through `serializeError`, and message strings are scrubbed (`scrubText`). With tracing
 * started, a line written inside a span carries its `trace_id` and `span_id`.
 */
export function createLogger(service: string, level: string = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    // The trace a line belongs to (lib/tracing.ts); no per-line call at all with tracing off.
    ...(tracingStarted() ? { mixin: traceLogFields } : {}),
    hooks: {
      // A message string may quote an error's message (yoga logs `String(error)`).
      logMethod(args, method) {
        const scrubbed = args.map((arg: unknown) => (typeof arg === 'string' ? scrubText(arg) : arg));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
