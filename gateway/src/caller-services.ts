import type { CallOptions, PromiseClient } from '../../lib/grpc/client.js';
import type { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';
import type { ChatServiceClient } from '../../proto/gen/chat/v1/chat.js';
import type { ProfilesServiceClient } from '../../proto/gen/profiles/v1/profiles.js';

/** The unary clients of the upstream services: one set per process, shared by every operation. */
export interface Services {
  auth: PromiseClient<AuthServiceClient>;
  chat: PromiseClient<ChatServiceClient>;
  profiles: PromiseClient<ProfilesServiceClient>;
}

/**
 * The calls an operation makes (resolvers, loaders, federation); nothing else of the clients
 * reaches it: not the services' own calls to each other (ValidateSession, NotifyUserUpdated).
 */
const CALLS = {
  auth: ['register', 'login', 'refresh', 'logout', 'listSessions', 'revokeSession', 'getUsers', 'searchUsers'],
  chat: [
    'listChats',
    'getChats',
    'getOrCreateDirectChat',
    'createGroupChat',
    'addMembers',
    'removeMember',
    'setMemberRole',
    'leaveChat',
    'listMembers',
    'markRead',
    'setTyping',
    'listMessages',
    'getMessages',
    'sendMessage',
    'editMessage',
    'deleteMessage',
  ],
  profiles: ['getProfiles', 'searchProfiles', 'updateProfile'],
} as const satisfies { [S in keyof Services]: readonly (keyof Services[S])[] };

/** A client's `methods`, each made as one caller: the request is all it takes. */
type AsCaller<C, M extends PropertyKey> = {
  readonly [K in M & keyof C]: C[K] extends (request: infer Req, options: CallOptions) => Promise<infer Res>
    ? (request: Req) => Promise<Res>
    : never;
};

/** The upstream services as an operation's caller sees them (see `servicesAs`). */
export type CallerServices = {
  readonly [S in keyof Services]: AsCaller<Services[S], (typeof CALLS)[S][number]>;
};

function asCaller<S extends keyof Services>(services: Services, service: S, call: CallOptions): CallerServices[S] {
  const client = services[service] as unknown as Record<string, (request: unknown, options: CallOptions) => unknown>;
  return Object.fromEntries(
    CALLS[service].map((method: string) => [method, (request: unknown) => client[method]!(request, call)]),
  ) as unknown as CallerServices[S];
}

/**
 * The services as the caller of `call`: each method sends `call`'s options as they are when it
 * is called (an operation that signs someone in replaces their metadata, context.ts `actAs`).
 * Each service's methods are made on its first use: most operations reach one service, and an
 * event rendered for subscribers (realtime/fanout.ts) usually none.
 */
export function servicesAs(services: Services, call: CallOptions): CallerServices {
  let auth: CallerServices['auth'] | undefined;
  let chat: CallerServices['chat'] | undefined;
  let profiles: CallerServices['profiles'] | undefined;
  return {
    get auth() {
      return (auth ??= asCaller(services, 'auth', call));
    },
    get chat() {
      return (chat ??= asCaller(services, 'chat', call));
    },
    get profiles() {
      return (profiles ??= asCaller(services, 'profiles', call));
    },
  };
}
