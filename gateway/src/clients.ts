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
  /**
   * chat-service again, on connections of its own, for the Deliver calls: the gateway pauses one
   * while it is behind, which must not hold up its unary calls to the same instance.
   */
  chatEvents: ServiceClient<ChatServiceClient>;
  close(): void;
}

export function createUpstreams(config: GatewayConfig): Upstreams {
  const options = { deadlineMs: config.grpcDeadlineMs, tls: config.grpcTls };
  const auth = createServiceClient(AuthServiceClient, config.upstreams.auth, options);
  const chat = createServiceClient(ChatServiceClient, config.upstreams.chat, options);
  const profiles = createServiceClient(ProfilesServiceClient, config.upstreams.profiles, options);
  const chatEvents = createServiceClient(ChatServiceClient, config.upstreams.chat, {
    ...options,
    ownConnections: true,
  });
  return {
    auth,
    chat,
    profiles,
    chatEvents,
    close: () => {
      auth.close();
      chat.close();
      chatEvents.close();
      profiles.close();
    },
  };
}
