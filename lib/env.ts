import { z } from 'zod';
import { config as loadDotenv } from 'dotenv';

/**
 * Environment loading shared by every process. Each process declares its own schema in its
 * `config.ts` from the field builders below, and `loadEnv` validates it once at start.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `15m`, `2s`, `30d`, `500ms` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
  return value > 0 && Number.isSafeInteger(value) ? value : undefined;
}

export const env = {
  nodeEnv: () => z.enum(['development', 'production', 'test']).default('development'),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback),
  /** A cap: a whole number of at least 1 (how many subscriptions, sessions, chats, …). */
  count: (fallback: number) => z.coerce.number().int().min(1).default(fallback),
  /** A switch, `on` or `off`; unset stays undefined, so that the caller can choose by NODE_ENV. */
  onOff: () =>
    z
      .enum(['on', 'off'], { error: 'expected on or off' })
      .transform((v) => v === 'on')
      .optional(),
  /** A duration such as `15m`, turned into milliseconds. */
  duration: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((text, ctx) => {
        const ms = parseDuration(text);
        if (ms === undefined) {
          ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 15m, 2s or 30d` });
          return z.NEVER;
        }
        return ms;
      }),
  /** `host:port` to listen on. */
  listen: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .refine((v) => /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(v), 'expected host:port'),
  /** A comma-separated list of `host:port`. */
  addressList: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) =>
        v
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .refine((list) => list.length > 0 && list.every((a) => /^[^\s]+:\d{1,5}$/.test(a)), {
        message: 'expected a comma-separated list of host:port',
      }),
  postgresUrl: () =>
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'expected a postgres:// URL')
      .optional(),
  redisUrl: () =>
    z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), 'expected a redis:// URL')
      .optional(),
  /** HS256 needs a key at least as long as the hash: 32 bytes. */
  jwtSecret: () => z.string({ error: 'is required' }).min(32, 'must be at least 32 characters'),
};

/** Loads `.env` (never overriding variables already set) once per process. */
let dotenvLoaded = false;
export function loadDotenvOnce(): void {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  loadDotenv({ quiet: true });
}

/**
 * Validates `source` (default: `process.env` after `.env`) against `schema`. Empty strings count
 * as unset, as `.env` files often write `NAME=`. Throws a ConfigError naming every bad variable.
 */
export function loadEnv<S extends z.ZodObject>(
  schema: S,
  source: NodeJS.ProcessEnv = (loadDotenvOnce(), process.env),
): z.output<S> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') values[key] = value;
  }
  const result = schema.safeParse(values);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** For process entry points: print a ConfigError plainly and exit 1. */
export function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

/** For process entry points: the loaded config, or a plain message and exit 1 when it is invalid. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    return exitOnConfigError(error);
  }
}
