import DataLoader from 'dataloader';
import type { WebSocket } from 'ws';
import type { Logger } from '../../lib/logger.js';
import { callMetadata } from '../../lib/grpc/metadata.js';
import type { CallOptions, PromiseClient } from '../../lib/grpc/client.js';
import type { AuthServiceClient, ValidateSessionResponse } from '../../proto/gen/auth/v1/auth.js';
import type { ChatServiceClient } from '../../proto/gen/chat/v1/chat.js';
import type { Profile, ProfilesServiceClient } from '../../proto/gen/profiles/v1/profiles.js';
import type { Upstreams } from './clients.js';
import type { ChatModel, UserModel } from './mappers.js';

/** Per-operation state: who is calling, how to reach the services, and this operation's loaders. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  userAgent: string;
  /** The client's WebSocket, when the operation came over one, and its unsent-bytes bound. */
  socket: { ws: WebSocket; maxBuffered: number; slowAfterMs: number } | undefined;
  auth: PromiseClient<AuthServiceClient>;
  chat: PromiseClient<ChatServiceClient>;
  profiles: PromiseClient<ProfilesServiceClient>;
  upstreams: Upstreams;
  /** Options for a gRPC call made on behalf of this operation's caller. */
  call: CallOptions;
  /** The caller's session, checked once per operation by auth-service. */
  viewer(): Promise<ValidateSessionResponse>;
  /**
   * The rest of the operation acts as the user of `accessToken` (just issued by register, login
   * or refreshToken), so that e.g. `register { user { profile } }` resolves for the new user.
   */
  actAs(accessToken: string): void;
  loaders: {
    users: DataLoader<string, UserModel | null>;
    chats: DataLoader<string, ChatModel | null>;
    profiles: DataLoader<string, Profile | null>;
  };
  /** Forgets what the loaders cached: a subscription calls it before each event. */
  resetLoaders(): void;
}

export function createContext(options: {
  upstreams: Upstreams;
  logger: Logger;
  requestId: string;
  authorization: string | undefined;
  userAgent: string;
  socket?: { ws: WebSocket; maxBuffered: number; slowAfterMs: number } | undefined;
  /** A subscription: its reads are marked so that they outlive the access token. */
  subscription?: boolean | undefined;
}): GatewayContext {
  const call: CallOptions = {
    metadata: callMetadata({
      authorization: options.authorization,
      requestId: options.requestId,
      subscription: options.subscription,
    }),
  };
  const auth = options.upstreams.auth.unary;
  const chat = options.upstreams.chat.unary;
  const profiles = options.upstreams.profiles.unary;
  let viewer: Promise<ValidateSessionResponse> | undefined;
  const loaders = {
    users: new DataLoader<string, UserModel | null>(async (ids) => {
      const { results } = await auth.getUsers({ ids: [...ids] }, call);
      return ids.map((_id, index) => results[index]?.user ?? null);
    }),
    chats: new DataLoader<string, ChatModel | null>(async (ids) => {
      const { results } = await chat.getChats({ ids: [...ids] }, call);
      return ids.map((_id, index) => results[index]?.chat ?? null);
    }),
    profiles: new DataLoader<string, Profile | null>(async (ids) => {
      const { results } = await profiles.getProfiles({ userIds: [...ids] }, call);
      return ids.map((_id, index) => results[index]?.profile ?? null);
    }),
  };
  return {
    requestId: options.requestId,
    logger: options.logger.child({ requestId: options.requestId }),
    userAgent: options.userAgent,
    socket: options.socket,
    auth,
    call,
    viewer: () => (viewer ??= auth.validateSession({ allowExpired: false }, call)),
    actAs(accessToken) {
      call.metadata = callMetadata({
        authorization: `Bearer ${accessToken}`,
        requestId: options.requestId,
        subscription: options.subscription,
      });
      viewer = undefined;
      loaders.users.clearAll();
      loaders.chats.clearAll();
      loaders.profiles.clearAll();
    },
    chat,
    profiles,
    upstreams: options.upstreams,
    loaders,
    resetLoaders: () => {
      loaders.users.clearAll();
      loaders.chats.clearAll();
      loaders.profiles.clearAll();
    },
  };
}
