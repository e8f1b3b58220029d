import type { App } from '../../../lib/app.js';
import { poolState } from '../../../lib/db.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import { verifierKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { createSessionVerifier } from '../../../lib/session-verifier.js';
import { authUserDirectory } from '../../../lib/user-directory.js';
import { ProfilesServiceService } from '../../../proto/gen/profiles/v1/profiles.js';
import type { ProfilesConfig } from './config.js';
import { profilesHandlers } from './handlers.js';
import { createProfiles } from './profiles.js';
import type { ProfilesResources } from './resources.js';

export type ProfilesApp = App<{ port: number; metricsPort: number }>;

export interface ProfilesAppDeps extends Omit<ProfilesResources, 'close'> {
  config: ProfilesConfig;
  logger: Logger;
}

/** Builds profiles-service over its resources (resources.ts); `start` listens. */
export function createProfilesApp({ config, logger, orm, auth, chat }: ProfilesAppDeps): ProfilesApp {
  const verifier = createSessionVerifier({ keys: verifierKeys(config.tokenKeys, auth, logger), auth, logger });
  const profiles = createProfiles({
    orm,
    usernames: authUserDirectory(auth),
    notify: async (caller) => {
      await chat.unary.notifyUserUpdated(
        {},
        { metadata: callMetadata({ authorization: caller.authorization, requestId: caller.requestId }) },
      );
    },
    logger,
  });
  const metrics = createMetrics('profiles');
  metrics.watchPool(() => poolState(orm));
  const server = createGrpcServer({
    logger,
    metrics,
    protoFiles: ['profiles/v1/profiles.proto'],
    tls: config.grpcTls,
  });
  server.add('messenger.profiles.v1.ProfilesService', ProfilesServiceService, profilesHandlers({ verifier, profiles }));
  return {
    async start() {
      const port = await server.listen(config.listen);
      const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
      logger.info({ listen: config.listen, port, metricsPort }, 'profiles-service ready');
      return { port, metricsPort };
    },
    async stop() {
      await server.stop();
      await metrics.close();
      verifier.stop();
    },
  };
}
