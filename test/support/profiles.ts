import { beforeAll } from 'vitest';
import { launch } from '../../lib/app.js';
import { createLogger } from '../../lib/logger.js';
import { freshDatabase } from './database.js';
import { leftover } from './leftovers.js';
import { createProfilesApp } from '../../services/profiles/src/app.js';
import { loadProfilesConfig } from '../../services/profiles/src/config.js';
import { openProfilesResources } from '../../services/profiles/src/resources.js';
import { profilesEntities } from '../../services/profiles/src/entities.js';
import { profilesMigrations } from '../../migrations/profiles/index.js';

/**
 * A test file's profiles-service with a fresh database, started in `beforeAll` (after the
 * services it dials) and stopped after the file (leftovers.ts). `ports()` names auth- and
 * chat-service.
 */
/** A running profiles-service: what it bound, and its stop (also run after the file). */
export interface ProfilesApp {
  port: number;
  metricsPort: number;
  stop(): Promise<void>;
}

export function useProfilesService(label: string, ports: () => { auth: number; chat: number }) {
  const fixture = {
    db: undefined as unknown as Awaited<ReturnType<typeof freshDatabase>>,
    app: undefined as unknown as ProfilesApp,
    async restart() {
      await fixture.app.stop();
      fixture.app = await start(fixture.app.port);
    },
  };
  const start = async (port = 0): Promise<ProfilesApp> => {
    const { auth, chat } = ports();
    const config = loadProfilesConfig({
      PROFILES_GRPC_LISTEN: `127.0.0.1:${port}`,
      PROFILES_DATABASE_URL: fixture.db.url,
      AUTH_GRPC_ADDR: `127.0.0.1:${auth}`,
      CHAT_GRPC_ADDR: `127.0.0.1:${chat}`,
      METRICS_PORT: '0',
    });
    const logger = createLogger('profiles-service', process.env.LOG_LEVEL ?? 'silent');
    const { bound, stop } = await launch(await openProfilesResources(config, logger), (resources) =>
      createProfilesApp({ config, logger, ...resources }),
    );
    return { ...bound, stop: leftover(stop) };
  };
  beforeAll(async () => {
    fixture.db = await freshDatabase(label, { entities: profilesEntities, migrations: profilesMigrations });
    fixture.app = await start();
  });
  return fixture;
}
