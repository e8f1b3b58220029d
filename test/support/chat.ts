import { beforeAll } from 'vitest';
import { launch } from '../../lib/app.js';
import type { MikroORM } from '../../lib/db.js';
import { createServiceClient, type ServiceClient } from '../../lib/grpc/client.js';
import { createLogger } from '../../lib/logger.js';
import { freshDatabase } from './database.js';
import { as, newAccount, useAuthService } from './auth.js';
import { leftover } from './leftovers.js';
import { ChatServiceClient } from '../../proto/gen/chat/v1/chat.js';
import { createChatApp, type ChatLimits } from '../../services/chat/src/app.js';
import { loadChatConfig } from '../../services/chat/src/config.js';
import { chatEntities } from '../../services/chat/src/entities.js';
import { openChatResources } from '../../services/chat/src/resources.js';
import { chatMigrations } from '../../migrations/chat/index.js';

/** A running chat-service: what it bound, its database, and its stop (also run after the file). */
export interface ChatApp {
  port: number;
  metricsPort: number;
  orm: MikroORM;
  /** Registered subscribers (of Subscribe and Deliver calls). */
  subscribers(): number;
  stop(): Promise<void>;
}

/**
 * A chat-service process of its own (e.g. a second instance on the same database). Its metrics
 * take a free port whatever `config` says: test files run side by side, and chat-service's
 * fixed default (9410) is for deployments.
 */
export async function startChat(
  config: ReturnType<typeof loadChatConfig>,
  options: { limits?: Partial<ChatLimits>; typingTtlMs?: number } = {},
): Promise<ChatApp> {
  const { limits, typingTtlMs } = options;
  const freeMetricsPort = { ...config, metrics: { ...config.metrics, port: 0 } };
  const logger = createLogger('chat-service', process.env.LOG_LEVEL ?? 'silent');
  const { app, resources, bound, stop } = await launch(await openChatResources(freeMetricsPort, logger), (resources) =>
    createChatApp(
      { config: freeMetricsPort, logger, ...resources },
      { ...(limits ? { limits } : {}), ...(typingTtlMs !== undefined ? { typingTtlMs } : {}) },
    ),
  );
  return { ...bound, orm: resources.orm, subscribers: () => app.subscribers(), stop: leftover(stop) };
}

export function chatClient(...ports: number[]): ServiceClient<ChatServiceClient> {
  return createServiceClient(
    ChatServiceClient,
    ports.map((port) => `127.0.0.1:${port}`),
    { deadlineMs: 10_000 },
  );
}

/** A client on a connection of its own: pausing one of its streams holds up no other client's calls. */
export function ownChatClient(port: number): ServiceClient<ChatServiceClient> {
  return createServiceClient(ChatServiceClient, [`127.0.0.1:${port}`], { deadlineMs: 10_000, ownConnections: true });
}

/**
 * A test file's auth-service and chat-service, each with a fresh database, started in
 * `beforeAll` and stopped after the file (leftovers.ts). `user()` registers a new account.
 */
export function useChatService(
  label: string,
  options: {
    limits?: Partial<ChatLimits>;
    typingTtlMs?: number;
    /** Extra settings, or a function giving them once earlier `beforeAll` hooks have run. */
    env?: Record<string, string> | (() => Record<string, string>);
    /** Extra settings of its auth-service. */
    authEnv?: Record<string, string>;
  } = {},
) {
  const authService = useAuthService(`${label}_auth`, options.authEnv);
  const fixture = {
    authService,
    db: undefined as unknown as Awaited<ReturnType<typeof freshDatabase>>,
    app: undefined as unknown as ChatApp,
    client: undefined as unknown as ServiceClient<ChatServiceClient>,
    get chat() {
      return fixture.client.unary;
    },
    /** A new signed-in user: `id`, `token`, and call options `md` carrying the token. */
    async user(tag = 'u') {
      const res = await authService.auth.register(newAccount(tag), as());
      const token = res.tokens!.accessToken;
      return { id: res.user!.id, username: res.user!.username, token, md: as(token), sessionId: res.tokens!.sessionId };
    },
  };
  beforeAll(async () => {
    fixture.db = await freshDatabase(label, { entities: chatEntities, migrations: chatMigrations });
    const config = loadChatConfig({
      CHAT_GRPC_LISTEN: '127.0.0.1:0',
      CHAT_DATABASE_URL: fixture.db.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${authService.app.port}`,
      ...(typeof options.env === 'function' ? options.env() : options.env),
    });
    fixture.app = await startChat(config, options);
    fixture.client = chatClient(fixture.app.port);
    leftover(() => fixture.client.close());
  });
  return fixture;
}
