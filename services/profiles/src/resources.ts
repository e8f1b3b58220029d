import { openDatabase, type MikroORM } from '../../../lib/db.js';
import { createServiceClient, type ServiceClient } from '../../../lib/grpc/client.js';
import type { Logger } from '../../../lib/logger.js';
import { profilesMigrations } from '../../../migrations/profiles/index.js';
import { AuthServiceClient } from '../../../proto/gen/auth/v1/auth.js';
import { ChatServiceClient } from '../../../proto/gen/chat/v1/chat.js';
import type { ProfilesConfig } from './config.js';
import { profilesEntities } from './entities.js';

/** What profiles-service is built over, opened by its entry point (index.ts) or a test. */
export interface ProfilesResources {
  /** Its database, migrated. */
  orm: MikroORM;
  /** auth-service: sessions, token keys and usernames. */
  auth: ServiceClient<AuthServiceClient>;
  /** chat-service, told when a profile changed (NotifyUserUpdated). */
  chat: ServiceClient<ChatServiceClient>;
  close(): Promise<void>;
}

export async function openProfilesResources(config: ProfilesConfig, logger: Logger): Promise<ProfilesResources> {
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: profilesEntities,
    migrations: profilesMigrations,
    logger,
  });
  const options = { deadlineMs: config.grpcDeadlineMs, tls: config.grpcTls };
  const auth = createServiceClient(AuthServiceClient, config.authAddresses, options);
  const chat = createServiceClient(ChatServiceClient, config.chatAddresses, options);
  return {
    orm,
    auth,
    chat,
    async close() {
      auth.close();
      chat.close();
      await orm.close();
    },
  };
}
