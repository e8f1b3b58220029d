// `npm start`: the whole system on one machine. Databases from the environment or an embedded
// PostgreSQL (a supervised process of its own), migrations and the web client's build, then every
// service and the gateway as separate processes, each restarted when it dies (supervisor.ts).
// SIGINT (Ctrl-C) or SIGTERM stops them all, the services first, PostgreSQL last.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, configOrExit, loadGrpcTls } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { buildWeb, DEFAULT_WEB_ROOT } from './build-web.js';
import { loadLauncherEnv } from './config.js';
import { embeddedUrls, externalDatabases, migrateAll, tokenKeyFilesFor, type Databases } from './databases.js';
import { compiledEntry, ENTRIES } from './processes.js';
import { Supervisor } from './supervisor.js';

/**
 * Run as dist/scripts/start.js (`npm run build`, then `NODE_ENV=production npm start`): every
 * process runs compiled with plain node, and the web client is the one the build put in dist/.
 */
const COMPILED = import.meta.url.endsWith('.js');
/** The repository (the parent of dist/ when compiled): the processes' working directory. */
const ROOT = fileURLToPath(new URL(COMPILED ? '../..' : '..', import.meta.url));
const entryOf = (entry: string) => (COMPILED ? compiledEntry(entry) : entry);
const STOP_GRACE_MS = 3_000;
const READY_TIMEOUT_MS = 60_000;

const started = performance.now();
const config = configOrExit(loadLauncherEnv);
const logger = createLogger('launcher', config.LOG_LEVEL);
const webRoot = resolve(config.WEB_ROOT ?? DEFAULT_WEB_ROOT);
/**
 * gRPC TLS (GRPC_TLS_*), checked before any process starts (`npm run migrate` has no use for it).
 * The processes get the paths absolute: they run in the repository, wherever this was started.
 */
const grpcTlsFiles = configOrExit(() => loadGrpcTls({ serves: true }))?.env ?? {};

/** The web client did not build: said plainly, like a configuration error. */
class WebBuildError extends Error {
  override name = 'WebBuildError';
}

let stopping: Promise<void> | undefined;
const supervisor = new Supervisor({
  root: ROOT,
  logger,
  policy: {
    backoffMs: config.RESTART_BACKOFF,
    maxBackoffMs: config.RESTART_BACKOFF_MAX,
    maxPerMinute: config.RESTART_MAX_PER_MINUTE,
  },
  fatal: (reason) => {
    logger.fatal({ reason }, 'stopping everything');
    void stop(1);
  },
});
const POSTGRES = 'postgres';
const SERVICES: string[] = [];

/** `0.0.0.0:7051` is where a service listens; clients on this machine dial 127.0.0.1. */
const dialable = (listen: string) => listen.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:');
/** Instance i of chat-service listens 100 ports above instance i - 1: 7052, 7152, 7252, … */
function chatInstanceAddresses(listen: string, instances: number): string[] {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at);
  const port = Number(listen.slice(at + 1));
  return Array.from({ length: instances }, (_, i) => `${host}:${port + 100 * i}`);
}

/**
 * With a fixed METRICS_PORT N, the gateway takes N, auth-service N+1, profiles-service N+2 and
 * chat-service instance i N+10+i; 0 lets each pick a free one.
 */
const metricsPort = (offset: number) => String(config.METRICS_PORT === 0 ? 0 : config.METRICS_PORT + offset);

function stop(exitCode: number): Promise<void> {
  stopping ??= (async () => {
    logger.info('stopping');
    // The services drain first (in-flight sends finish); the database they write to goes last.
    await supervisor.stop(SERVICES, STOP_GRACE_MS);
    await supervisor.stop([POSTGRES], 10_000);
    logger.info('stopped');
    process.exit(exitCode);
  })();
  return stopping;
}

/**
 * Starts a service under supervision. Each process exports its spans under its own service name
 * (every chat-service instance as `chat-service`): one OTEL_SERVICE_NAME given to the launcher
 * would otherwise name them all alike.
 */
function startService(name: string, entry: string, env: Record<string, string>): void {
  SERVICES.push(name);
  supervisor.start({ name, entry, env: { OTEL_SERVICE_NAME: name.replace(/#\d+$/, ''), ...grpcTlsFiles, ...env } });
}

/**
 * The databases: from the environment, or the embedded PostgreSQL as a supervised process (in a
 * process group of its own, so that Ctrl-C reaches the services first and it stops last).
 */
async function databasesFor(): Promise<Databases> {
  const external = externalDatabases(config);
  if (external) return external;
  const baseUrl = await new Promise<string>((resolve) => {
    supervisor.start(
      {
        name: POSTGRES,
        entry: entryOf(ENTRIES.postgres),
        env: {
          LOG_LEVEL: config.LOG_LEVEL,
          DATA_DIR: config.DATA_DIR,
          EMBEDDED_PG_PORT: String(config.EMBEDDED_PG_PORT),
        },
        detached: true,
      },
      (message) => {
        const ready = message as { type?: string; baseUrl?: string };
        if (ready.type === 'ready' && ready.baseUrl) resolve(ready.baseUrl);
      },
    );
  });
  return { urls: embeddedUrls(baseUrl), embedded: true, stop: async () => {} };
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

/** Builds web/src into WEB_ROOT, which the gateway serves at /. */
async function buildWebClient(): Promise<void> {
  const files = await buildWeb(webRoot).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebBuildError(`building the web client (web/src into ${webRoot}) failed:\n${reason}`);
  });
  logger.info({ webRoot, files }, 'web client built');
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${url}`);
}

try {
  if (config.CHAT_INSTANCES > 1 && !config.REDIS_URL) {
    throw new ConfigError(
      'invalid configuration:\n  CHAT_INSTANCES: more than one chat-service instance needs REDIS_URL (their event bus)',
    );
  }
  const dbs = await databasesFor();
  if (stopping) await stopping;
  const keyFiles = await tokenKeyFilesFor(config, dbs);
  // The web client builds while the databases migrate (after the checks above, so that a wrong
  // configuration does not touch WEB_ROOT).
  // Compiled, there are no web sources to build from: `npm run build` built it into dist/web/dist.
  await Promise.all([migrateAll(dbs.urls, logger), COMPILED ? undefined : buildWebClient()]);
  const common = { LOG_LEVEL: config.LOG_LEVEL };
  // auth-service alone holds the private keys; the others verify with the public ones, from a file
  // (they then start and verify while auth-service is down) or else asked of auth-service. They
  // inherit the launcher's environment: the private keys' path is cleared for them.
  const verifierKeys = {
    JWT_PRIVATE_KEY_FILE: '',
    JWT_PUBLIC_KEY_FILE: keyFiles.publicKeyFile ? resolve(keyFiles.publicKeyFile) : '',
  };
  const authAddr = config.AUTH_GRPC_ADDR ?? dialable(config.AUTH_GRPC_LISTEN);
  startService('auth-service', entryOf(ENTRIES.auth), {
    ...common,
    AUTH_DATABASE_URL: dbs.urls.auth,
    JWT_PRIVATE_KEY_FILE: resolve(keyFiles.privateKeyFile),
    AUTH_GRPC_LISTEN: config.AUTH_GRPC_LISTEN,
    METRICS_PORT: metricsPort(1),
  });
  const chatListens = chatInstanceAddresses(config.CHAT_GRPC_LISTEN, config.CHAT_INSTANCES);
  const chatAddr = config.CHAT_GRPC_ADDR ?? chatListens.map(dialable).join(',');
  chatListens.forEach((listen, index) =>
    startService(config.CHAT_INSTANCES > 1 ? `chat-service#${index + 1}` : 'chat-service', entryOf(ENTRIES.chat), {
      ...common,
      CHAT_DATABASE_URL: dbs.urls.chat,
      CHAT_GRPC_LISTEN: listen,
      AUTH_GRPC_ADDR: authAddr,
      ...verifierKeys,
      METRICS_PORT: metricsPort(10 + index),
    }),
  );
  const profilesAddr = config.PROFILES_GRPC_ADDR ?? dialable(config.PROFILES_GRPC_LISTEN);
  startService('profiles-service', entryOf(ENTRIES.profiles), {
    ...common,
    PROFILES_DATABASE_URL: dbs.urls.profiles,
    PROFILES_GRPC_LISTEN: config.PROFILES_GRPC_LISTEN,
    AUTH_GRPC_ADDR: authAddr,
    ...verifierKeys,
    CHAT_GRPC_ADDR: chatAddr,
    METRICS_PORT: metricsPort(2),
  });
  startService('gateway', entryOf(ENTRIES.gateway), {
    ...common,
    ...verifierKeys,
    AUTH_GRPC_ADDR: authAddr,
    CHAT_GRPC_ADDR: chatAddr,
    PROFILES_GRPC_ADDR: profilesAddr,
    GATEWAY_PORT: String(config.GATEWAY_PORT),
    METRICS_PORT: metricsPort(0),
    WEB_ROOT: webRoot,
  });
  await waitReady(`http://127.0.0.1:${config.GATEWAY_PORT}/readyz`);
  supervisor.started();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  logger.info({ seconds, embedded: dbs.embedded }, 'ready');
  const base = `http://localhost:${config.GATEWAY_PORT}`;
  process.stdout.write(`\nMessenger is up in ${seconds} s.\n  Web client: ${base}/\n  GraphiQL: ${base}/graphql\n\n`);
} catch (error) {
  if (!stopping) {
    if (error instanceof Error && (error.name === 'ConfigError' || error instanceof WebBuildError)) {
      process.stderr.write(`${error.message}\n`);
    } else logger.fatal({ err: error }, 'start failed');
    await stop(1);
  }
}
