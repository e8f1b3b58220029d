import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../lib/jwt.js';
import { privateKeySet } from '../../lib/jwt-keys.js';
import { testKeys, type TestKeys } from './keys.js';
import { beforeAll } from 'vitest';
import { launch } from '../../lib/app.js';
import type { MikroORM } from '../../lib/db.js';
import { freshDatabase } from './database.js';
import { leftover } from './leftovers.js';
import { authEntities } from '../../services/auth/src/entities.js';
import { authMigrations } from '../../migrations/auth/index.js';
import { createServiceClient, type ServiceClient } from '../../lib/grpc/client.js';
import { callMetadata } from '../../lib/grpc/metadata.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';
import { createAuthApp } from '../../services/auth/src/app.js';
import { loadAuthConfig } from '../../services/auth/src/config.js';
import { openAuthResources } from '../../services/auth/src/resources.js';

/** A running auth-service: what it bound, its database, and its stop (also run after the file). */
export interface AuthApp {
  port: number;
  metricsPort: number;
  orm: MikroORM;
  stop(): Promise<void>;
}

/**
 * A real auth-service on a free port, with the given database and settings; with a key pair of its
 * own unless `env` names JWT_PRIVATE_KEY_FILE (two instances of one deployment share it).
 */
export async function startAuth(env: Record<string, string | undefined>, logger?: Logger): Promise<AuthApp> {
  const config = loadAuthConfig({
    AUTH_GRPC_LISTEN: '127.0.0.1:0',
    METRICS_PORT: '0',
    JWT_PRIVATE_KEY_FILE: env.JWT_PRIVATE_KEY_FILE ?? testKeys().privateKeyFile,
    ...env,
  });
  const log = logger ?? createLogger('auth-service', process.env.LOG_LEVEL ?? 'silent');
  const { resources, bound, stop } = await launch(await openAuthResources(config, log), (resources) =>
    createAuthApp({ config, logger: log, ...resources }),
  );
  return { ...bound, orm: resources.orm, stop: leftover(stop) };
}

/** A debug logger whose JSON lines are kept in `lines`, for tests that check what was logged. */
export function capturingLogger(service: string): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(service, 'debug', {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

export function authClient(...ports: number[]): ServiceClient<AuthServiceClient> {
  return createServiceClient(
    AuthServiceClient,
    ports.map((port) => `127.0.0.1:${port}`),
    { deadlineMs: 10_000 },
  );
}

/** Call options carrying a bearer token (or none). */
export const as = (accessToken?: string) => ({
  metadata: callMetadata(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
});

let counter = 0;
/** A unique, valid registration. */
export function newAccount(tag = 'user') {
  const id = `${tag}${process.pid}x${++counter}${randomBytes(2).toString('hex')}`.toLowerCase().slice(0, 32);
  return { email: `${id}@example.com`, username: id, password: 'correct horse battery', userAgent: 'vitest' };
}

/**
 * A test file's auth-service: a fresh migrated database and a running service with a key pair
 * of its own, started in `beforeAll` and stopped after the file (leftovers.ts). Read the fields
 * inside tests.
 */
export function useAuthService(label: string, env: Record<string, string> = {}) {
  const keys = testKeys();
  const fixture = {
    /** Its key pair: JWT_PRIVATE_KEY_FILE is `keys.privateKeyFile`. */
    keys,
    db: undefined as unknown as Awaited<ReturnType<typeof freshDatabase>>,
    app: undefined as unknown as AuthApp,
    client: undefined as unknown as ServiceClient<AuthServiceClient>,
    get auth() {
      return fixture.client.unary;
    },
  };
  beforeAll(async () => {
    fixture.db = await freshDatabase(label, { entities: authEntities, migrations: authMigrations });
    fixture.app = await startAuth({
      AUTH_DATABASE_URL: fixture.db.url,
      JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
      ...env,
    });
    fixture.client = authClient(fixture.app.port);
    leftover(() => fixture.client.close());
  });
  return fixture;
}

/** An access token of `sessionId` signed with `keys`, with every claim right but `exp` a minute past. */
export async function expiredAccessToken(
  keys: Pick<TestKeys, 'privateKeyFile'>,
  userId: string,
  sessionId: string,
): Promise<string> {
  const { signing } = await privateKeySet(readFileSync(keys.privateKeyFile, 'utf8'));
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'EdDSA', kid: signing!.kid })
    .setSubject(userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .setJti(randomUUID())
    .sign(signing!.privateKey);
}
