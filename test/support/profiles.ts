import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { freshDatabase } from './database.js';
import { createProfilesApp, type ProfilesApp } from '../../services/profiles/src/app.js';
import { loadProfilesConfig } from '../../services/profiles/src/config.js';
import { profilesEntities } from '../../services/profiles/src/entities.js';
import { profilesMigrations } from '../../migrations/profiles/index.js';

/**
 * A test file's profiles-service with a fresh database, started in `beforeAll` (after the
 * services it dials) and disposed of in `afterAll`. `ports()` names auth- and chat-service.
 */
export function useProfilesService(label: string, ports: () => { auth: number; chat: number }) {
  const fixture = {
    db: undefined as unknown as Awaited<ReturnType<typeof freshDatabase>>,
    app: undefined as unknown as ProfilesApp,
    async restart() {
      await fixture.app.stop();
      fixture.app = await start(fixture.app.port);
    },
  };
  const start = async (port = 0) => {
    const { auth, chat } = ports();
    return createProfilesApp(
      loadProfilesConfig({
        PROFILES_GRPC_LISTEN: `127.0.0.1:${port}`,
        PROFILES_DATABASE_URL: fixture.db.url,
        AUTH_GRPC_ADDR: `127.0.0.1:${auth}`,
        CHAT_GRPC_ADDR: `127.0.0.1:${chat}`,
        METRICS_PORT: '0',
      }),
      createLogger('profiles-service', process.env.LOG_LEVEL ?? 'silent'),
    );
  };
  beforeAll(async () => {
    fixture.db = await freshDatabase(label, { entities: profilesEntities, migrations: profilesMigrations });
    fixture.app = await start();
  });
  afterAll(async () => {
    await fixture.app?.stop();
    await fixture.db?.drop();
  });
  return fixture;
}
