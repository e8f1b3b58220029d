import { status } from '@grpc/grpc-js';
import { openDatabase, poolState, type MikroORM } from '../../../lib/db.js';
import { isServiceError, unavailable } from '../../../lib/errors.js';
import { createServiceClient } from '../../../lib/grpc/client.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { createGrpcServer } from '../../../lib/grpc/server.js';
import { verifierKeys } from '../../../lib/jwt.js';
import type { Logger } from '../../../lib/logger.js';
import { createMetrics } from '../../../lib/metrics.js';
import { createSessionVerifier } from '../../../lib/session-verifier.js';
import { profilesMigrations } from '../../../migrations/profiles/index.js';
import { AuthServiceClient } from '../../../proto/gen/auth/v1/auth.js';
import { ChatServiceClient } from '../../../proto/gen/chat/v1/chat.js';
import { ProfilesServiceService } from '../../../proto/gen/profiles/v1/profiles.js';
import type { ProfilesConfig } from './config.js';
import { profilesEntities } from './entities.js';
import { profilesHandlers } from './handlers.js';
import { createProfiles, type UsernameDirectory } from './profiles.js';

export interface ProfilesApp {
  port: number;
  metricsPort: number;
  orm: MikroORM;
  stop(): Promise<void>;
}

/** Builds and starts profiles-service. */
export async function createProfilesApp(config: ProfilesConfig, logger: Logger): Promise<ProfilesApp> {
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: profilesEntities,
    migrations: profilesMigrations,
    logger,
  });
  const options = { deadlineMs: config.grpcDeadlineMs, tls: config.grpcTls };
  const auth = createServiceClient(AuthServiceClient, config.authAddresses, options);
  const chat = createServiceClient(ChatServiceClient, config.chatAddresses, options);
  const verifier = createSessionVerifier({ keys: verifierKeys(config.tokenKeys, auth, logger), auth, logger });
  const usernames: UsernameDirectory = async (caller, ids) => {
    try {
      const { results } = await auth.unary.getUsers(
        { ids },
        // The caller's own call may be a subscription's read: the mark travels on.
        {
          metadata: callMetadata({
            authorization: caller.authorization,
            subscription: caller.forSubscription,
            requestId: caller.requestId,
          }),
        },
      );
      return new Map(
        results.flatMap((result) => (result.user ? [[result.user.id, result.user.username] as const] : [])),
      );
    } catch (error) {
      if (isServiceError(error) && error.code === status.UNAUTHENTICATED) throw error;
      throw unavailable('cannot look users up now; try again');
    }
  };
  const profiles = createProfiles({
    orm,
    usernames,
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
  const port = await server.listen(config.listen);
  const metricsPort = await metrics.listen(config.metrics.port, config.metrics.host);
  logger.info({ listen: config.listen, port, metricsPort }, 'profiles-service ready');
  return {
    port,
    metricsPort,
    orm,
    async stop() {
      await server.stop();
      await metrics.close();
      verifier.stop();
      auth.close();
      chat.close();
      await orm.close();
    },
  };
}
