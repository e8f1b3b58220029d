import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { authEnvSchema } from '../../services/auth/src/config.js';
import { chatEnvSchema } from '../../services/chat/src/config.js';
import { profilesEnvSchema } from '../../services/profiles/src/config.js';
import { gatewayEnvSchema } from '../../gateway/src/config.js';
import { keysEnvSchema, launcherEnvSchema } from '../../scripts/config.js';
import { compiledEntry, ENTRIES } from '../../scripts/processes.js';

/** What the deployment tests (compose, Kubernetes, the image) hold every process to. */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The processes a deployment runs (the launcher's, scripts/processes.ts, without the embedded
 * PostgreSQL): the schema of the variables each reads, and the variable naming its gRPC address.
 */
export const PROCESSES = {
  auth: { schema: authEnvSchema, grpcListen: 'AUTH_GRPC_LISTEN' },
  chat: { schema: chatEnvSchema, grpcListen: 'CHAT_GRPC_LISTEN' },
  profiles: { schema: profilesEnvSchema, grpcListen: 'PROFILES_GRPC_LISTEN' },
  gateway: { schema: gatewayEnvSchema, grpcListen: undefined },
  /** One-shot, before the others; the launcher migrates in-process instead. */
  migrate: { schema: launcherEnvSchema, grpcListen: undefined },
  /** One-shot, before the others: the token key pair (the launcher makes it in-process instead). */
  keys: { schema: keysEnvSchema, grpcListen: undefined },
} as const;
export type ProcessName = keyof typeof PROCESSES;
export const PROCESS_NAMES = Object.keys(PROCESSES) as ProcessName[];

/** The command that runs a process in the image: plain node on its compiled entry. */
export const commandOf = (name: ProcessName): string[] => ['node', compiledEntry(ENTRIES[name])];

/** Which process a container's command runs, or undefined when it is none of them. */
export function processOf(command: unknown): ProcessName | undefined {
  if (!Array.isArray(command)) return undefined;
  return PROCESS_NAMES.find((name) => JSON.stringify(commandOf(name)) === JSON.stringify(command));
}

/** The variables a process reads. */
export const variablesOf = (name: ProcessName): Set<string> => new Set(Object.keys(PROCESSES[name].schema.shape));

/** The variable naming the address each service's clients dial. */
export const DIAL_VARIABLES = {
  AUTH_GRPC_ADDR: 'auth',
  CHAT_GRPC_ADDR: 'chat',
  PROFILES_GRPC_ADDR: 'profiles',
} as const;

/** The port of `host:port`. */
export const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
/** The host of `host:port`. */
export const hostOf = (address: string): string => address.slice(0, address.lastIndexOf(':'));

/**
 * Why a command-line tool cannot run here, or undefined when it can. CI (.ci/run) installs them;
 * elsewhere the tests that need them skip, saying so.
 */
export function toolUnavailable(command: string, args: string[], install: string): string | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  if (!run.error && run.status === 0) return undefined;
  const reason = `${command} is not installed here, so its tests are skipped (${install})`;
  process.stderr.write(`${reason}\n`);
  return reason;
}
