import DataLoader from 'dataloader';
import { decodeJwt } from 'jose';
import type { Logger } from '../../lib/logger.js';
import { callMetadata, isMetadataText } from '../../lib/grpc/metadata.js';
import type { CallOptions } from '../../lib/grpc/client.js';
import type { ValidateSessionResponse } from '../../proto/gen/auth/v1/auth.js';
import type { Profile } from '../../proto/gen/profiles/v1/profiles.js';
import { servicesAs, type CallerServices, type Services } from './caller-services.js';
import { unauthenticated } from './errors.js';
import type { ChatModel, UserModel } from './mappers.js';
import type { ResumeCursor } from './realtime/subscription.js';

export interface Loaders {
  users: DataLoader<string, UserModel | null>;
  chats: DataLoader<string, ChatModel | null>;
  profiles: DataLoader<string, Profile | null>;
}

/** How a transport opens `chatEvents` for the operation's caller. */
export type OpenChatEvents = (ctx: GatewayContext, resume: ResumeCursor[]) => Promise<AsyncIterable<unknown>>;

/**
 * Per-operation state: who is calling, the services as that caller (`ctx.chat.sendMessage(request)`
 * carries the caller's token and request id), and this operation's loaders. Nothing in it reaches
 * further than its caller: no process-wide client, and no socket (a transport's part is
 * `chatEvents`).
 */
export interface GatewayContext extends CallerServices {
  requestId: string;
  logger: Logger;
  userAgent: string;
  /** The client's address (limits/client-address.ts); none for work no client asked for. */
  clientAddress: string | undefined;
  /**
   * The options of a gRPC call made as this operation's caller (the services above send them):
   * the rate limits and metrics read the caller's token from its metadata.
   */
  call: CallOptions;
  /** The caller's session, checked once per operation by auth-service. */
  viewer(): Promise<ValidateSessionResponse>;
  /**
   * The caller's user id once known for sure — their session was checked (`viewer`), or the
   * operation signed them in (`actAs`) — for the operation's log line; else undefined.
   */
  userId(): string | undefined;
  /**
   * The rest of the operation acts as the user of `accessToken` (just issued by register, login
   * or refreshToken), so that e.g. `register { user { profile } }` resolves for the new user.
   */
  actAs(accessToken: string): void;
  loaders: Loaders;
  /** Forgets what the loaders cached: a subscription calls it before each event. */
  resetLoaders(): void;
  /** `User.email` as this operation's caller may see it. */
  emailOf(user: UserModel): string | null | Promise<string | null>;
  /** The caller's chat events from the given cursors on (`chatEvents`). */
  chatEvents(resume: ResumeCursor[]): Promise<AsyncIterable<unknown>>;
}

export interface ContextOptions {
  /** The process-wide clients, which the context offers only as its caller (caller-services.ts). */
  services: Services;
  logger: Logger;
  requestId: string;
  authorization: string | undefined;
  userAgent: string;
  clientAddress?: string | undefined;
  /** A subscription: its reads are marked so that they outlive the access token. */
  subscription?: boolean | undefined;
  /** Loaders shared with other operations: the recipients of one event share its lookups. */
  shared?: Partial<Pick<Loaders, 'users' | 'profiles'>>;
  /** Overrides who sees `User.email` (an event rendered for several viewers shows it to none). */
  emailOf?: GatewayContext['emailOf'];
  /** How this operation's transport serves `chatEvents`; none: subscriptions are refused. */
  openChatEvents?: OpenChatEvents;
}

const loaderFactories: { [K in keyof Loaders]: (services: CallerServices) => Loaders[K] } = {
  users: (services) =>
    new DataLoader(async (ids) => {
      const { results } = await services.auth.getUsers({ ids: [...ids] });
      return ids.map((_id, index) => results[index]?.user ?? null);
    }),
  chats: (services) =>
    new DataLoader(async (ids) => {
      const { results } = await services.chat.getChats({ ids: [...ids] });
      return ids.map((_id, index) => results[index]?.chat ?? null);
    }),
  profiles: (services) =>
    new DataLoader(async (ids) => {
      const { results } = await services.profiles.getProfiles({ userIds: [...ids] });
      return ids.map((_id, index) => results[index]?.profile ?? null);
    }),
};

/**
 * The loaders of one operation for its caller (whose metadata is read at batch time: `actAs` may
 * change it), each made on first use: a subscription's context lives as long as it does, and
 * most never need them. The object itself never changes (yoga copies the context's properties),
 * so `reset` forgets the loaders it made, and what they cached, behind it.
 */
function lazyLoaders(services: CallerServices, shared: ContextOptions['shared']) {
  let made: Partial<Loaders> = {};
  const get = <K extends keyof Loaders>(key: K): Loaders[K] =>
    (shared?.[key as 'users' | 'profiles'] as Loaders[K] | undefined) ?? (made[key] ??= loaderFactories[key](services));
  const loaders: Loaders = {
    get users() {
      return get('users');
    },
    get chats() {
      return get('chats');
    },
    get profiles() {
      return get('profiles');
    },
  };
  const reset = () => {
    made = {};
  };
  return { loaders, reset };
}

/** The `sub` of a token auth-service just issued (read, not verified: it comes from auth-service itself). */
function subjectOf(accessToken: string): string | undefined {
  try {
    return decodeJwt(accessToken).sub;
  } catch {
    return undefined;
  }
}

export function createContext(options: ContextOptions): GatewayContext {
  const { services } = options;
  // A header value grpc-js cannot carry (non-ASCII) is a bad token, refused without quoting it.
  if (options.authorization !== undefined && !isMetadataText(options.authorization)) {
    throw unauthenticated('the Authorization header is not a valid bearer token');
  }
  const call: CallOptions = {
    metadata: callMetadata({
      authorization: options.authorization,
      requestId: options.requestId,
      subscription: options.subscription,
    }),
  };
  let viewer: Promise<ValidateSessionResponse> | undefined;
  let knownUserId: string | undefined;
  const asCaller = servicesAs(services, call);
  const loaders = lazyLoaders(asCaller, options.shared);
  let logger: Logger | undefined;
  const ctx: GatewayContext = {
    get auth() {
      return asCaller.auth;
    },
    get chat() {
      return asCaller.chat;
    },
    get profiles() {
      return asCaller.profiles;
    },
    requestId: options.requestId,
    get logger() {
      return (logger ??= options.logger.child({ requestId: options.requestId }));
    },
    userAgent: options.userAgent,
    clientAddress: options.clientAddress,
    call,
    viewer: () =>
      (viewer ??= services.auth.validateSession({ allowExpired: false }, call).then((answer) => {
        knownUserId = answer.userId;
        return answer;
      })),
    userId: () => knownUserId,
    actAs(accessToken) {
      call.metadata = callMetadata({
        authorization: `Bearer ${accessToken}`,
        requestId: options.requestId,
        subscription: options.subscription,
      });
      viewer = undefined;
      // Just issued by auth-service (register, login, refreshToken): its subject is who signed in.
      knownUserId = subjectOf(accessToken);
      ctx.resetLoaders();
    },
    loaders: loaders.loaders,
    resetLoaders: loaders.reset,
    // auth-service answers a user's email to that user only.
    emailOf: options.emailOf ?? ((user) => user.email ?? null),
    chatEvents(resume) {
      if (!options.openChatEvents) throw new Error('chatEvents is not served on this transport');
      return options.openChatEvents(ctx, resume);
    },
  };
  return ctx;
}
