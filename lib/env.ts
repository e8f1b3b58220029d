import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
};

/** A PEM file read once at start, with its absolute path (a child process may run elsewhere). */
export interface PemFile {
  path: string;
  pem: Buffer;
}

/**
 * The path of a PEM file holding a certificate (the first one of a bundle is checked) or a
 * private key: read and parsed at start, so that a missing, unreadable or wrong file is a
 * configuration error naming its variable rather than a failed handshake later.
 */
const pemFile = (kind: 'certificate' | 'key') =>
  z
    .string()
    .transform((path, ctx): PemFile => {
      const absolute = resolve(path);
      let pem: Buffer;
      try {
        pem = readFileSync(absolute);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `cannot read ${absolute}: ${(error as Error).message}` });
        return z.NEVER;
      }
      try {
        if (kind === 'key') createPrivateKey(pem);
        else new X509Certificate(pem);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `${absolute} holds no PEM ${kind === 'key' ? 'private key (unencrypted)' : 'certificate'}`,
        });
        return z.NEVER;
      }
      return { path: absolute, pem };
    })
    .optional();

/**
 * gRPC TLS, the same three variables for every process (spread into each config schema): unset,
 * plaintext. See `grpcTlsFrom`.
 */
export const grpcTlsEnv = {
  /** This process's certificate (chain), PEM: served by a service, and the client certificate of every call it makes. */
  GRPC_TLS_CERT_FILE: pemFile('certificate'),
  /** The private key of GRPC_TLS_CERT_FILE, PEM. */
  GRPC_TLS_KEY_FILE: pemFile('key'),
  /** The CA (bundle) that verifies peers: clients check servers with it, servers then require client certificates (mTLS). */
  GRPC_TLS_CA_FILE: pemFile('certificate'),
};

type GrpcTlsEnv = { [K in keyof typeof grpcTlsEnv]?: PemFile | undefined };

/** What a process's gRPC servers and clients use; undefined: plaintext. */
export interface GrpcTls {
  /** This process's certificate chain and key (both or neither). */
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** Verifies peers: servers' certificates, and clients' (then required: mTLS). Unset: clients use Node's public roots. */
  ca?: Buffer | undefined;
  /** The variables as given, absolute, for child processes (the launcher). */
  env: Record<string, string>;
}

/**
 * The gRPC TLS settings of a process, or undefined for plaintext (none set). The certificate and
 * key come as a pair that must match. `serves`: the process runs a gRPC server, which cannot
 * speak TLS without a certificate, so GRPC_TLS_CA_FILE alone is refused there (a gateway, only a
 * client, may verify servers with a CA and present no certificate of its own).
 */
export function grpcTlsFrom(e: GrpcTlsEnv, { serves }: { serves: boolean }): GrpcTls | undefined {
  const { GRPC_TLS_CERT_FILE: cert, GRPC_TLS_KEY_FILE: key, GRPC_TLS_CA_FILE: ca } = e;
  if (!cert && !key && !ca) return undefined;
  const problems: string[] = [];
  if (cert && !key) problems.push('GRPC_TLS_KEY_FILE: is required with GRPC_TLS_CERT_FILE');
  if (key && !cert) problems.push('GRPC_TLS_CERT_FILE: is required with GRPC_TLS_KEY_FILE');
  if (!cert && !key && serves) {
    problems.push('GRPC_TLS_CERT_FILE: is required with GRPC_TLS_CA_FILE (a service serves TLS with its certificate)');
  }
  if (cert && key && !new X509Certificate(cert.pem).checkPrivateKey(createPrivateKey(key.pem))) {
    problems.push(`GRPC_TLS_KEY_FILE: ${key.path} is not the key of the certificate in ${cert.path}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const env: Record<string, string> = {};
  for (const name of Object.keys(grpcTlsEnv) as (keyof GrpcTlsEnv)[]) {
    const file = e[name];
    if (file) env[name] = file.path;
  }
  return { cert: cert?.pem, key: key?.pem, ca: ca?.pem, env };
}

/** The gRPC TLS settings alone, from `source` (default: `process.env` after `.env`). */
export function loadGrpcTls({ serves }: { serves: boolean }, source?: NodeJS.ProcessEnv): GrpcTls | undefined {
  return grpcTlsFrom(loadEnv(z.object(grpcTlsEnv), source), { serves });
}

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
