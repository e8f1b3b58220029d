import { createServiceClient, type ServiceClient } from '../../lib/grpc/client.js';
import { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';
import type { GatewayConfig } from './config.js';

/** The gateway's gRPC clients, one per upstream service, shared by every request. */
export interface Upstreams {
  auth: ServiceClient<AuthServiceClient>;
  close(): void;
}

export function createUpstreams(config: GatewayConfig): Upstreams {
  const options = { deadlineMs: config.grpcDeadlineMs };
  const auth = createServiceClient(AuthServiceClient, config.upstreams.auth, options);
  return {
    auth,
    close: () => auth.close(),
  };
}
