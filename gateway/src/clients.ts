import { createServiceClient, type ServiceClient } from '../../lib/grpc/client.js';
import { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';
import { ChatServiceClient } from '../../proto/gen/chat/v1/chat.js';
import { ProfilesServiceClient } from '../../proto/gen/profiles/v1/profiles.js';
import type { GatewayConfig } from './config.js';

/** The gateway's gRPC clients, one per upstream service, shared by every request. */
export interface Upstreams {
  auth: ServiceClient<AuthServiceClient>;
  chat: ServiceClient<ChatServiceClient>;
  profiles: ServiceClient<ProfilesServiceClient>;
  close(): void;
}

export function createUpstreams(config: GatewayConfig): Upstreams {
  const options = { deadlineMs: config.grpcDeadlineMs };
  const auth = createServiceClient(AuthServiceClient, config.upstreams.auth, options);
  const chat = createServiceClient(ChatServiceClient, config.upstreams.chat, options);
  const profiles = createServiceClient(ProfilesServiceClient, config.upstreams.profiles, options);
  return {
    auth,
    chat,
    profiles,
    close: () => {
      auth.close();
      chat.close();
      profiles.close();
    },
  };
}
