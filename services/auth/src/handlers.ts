import type { Handlers, CallContext } from '../../../lib/grpc/server.js';
import { bearerToken, forSubscription } from '../../../lib/grpc/metadata.js';
import { invalidArgument, unauthenticated, unavailable } from '../../../lib/errors.js';
import type { AccessTokenSigner } from '../../../lib/jwt.js';
import { MAX_CHECK_SESSIONS } from '../../../lib/session-recheck.js';
import { type AuthServiceService, type AuthTokens, type User as UserMessage } from '../../../proto/gen/auth/v1/auth.js';
import type { Accounts, SignedIn, UserRecord } from './accounts.js';
import type { RevocationBus } from './revocations.js';
import type { Sessions, ValidSession } from './sessions.js';

export interface HandlerDeps {
  accounts: Accounts;
  sessions: Sessions;
  bus: RevocationBus;
  keys: Pick<AccessTokenSigner, 'publicKeys'>;
  /** Aborted when the service stops: open streams end as UNAVAILABLE so clients go elsewhere. */
  shutdown: AbortSignal;
}

const toUserMessage = (user: UserRecord, callerId?: string): UserMessage => ({
  id: user.id,
  username: user.username,
  createdAt: user.createdAt,
  // An email is personal: only its owner sees it.
  ...(user.id === callerId ? { email: user.email } : {}),
});

const toTokens = ({ tokens }: SignedIn): AuthTokens => ({
  accessToken: tokens.accessToken,
  refreshToken: tokens.refreshToken,
  accessTokenExpiresAt: tokens.accessTokenExpiresAt,
  refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
  sessionId: tokens.sessionId,
});

export function authHandlers({
  accounts,
  sessions,
  bus,
  keys,
  shutdown,
}: HandlerDeps): Handlers<typeof AuthServiceService> {
  /** The caller, from the verified access token in the call's metadata. */
  async function caller(ctx: CallContext, allowExpired = false): Promise<ValidSession> {
    const token = bearerToken(ctx.metadata);
    if (!token) throw unauthenticated('missing access token');
    return sessions.validate(token, { allowExpired });
  }

  const signedIn = (result: SignedIn) => ({
    tokens: toTokens(result),
    user: toUserMessage(result.user, result.user.id),
  });

  return {
    register: async (request) => signedIn(await accounts.register(request)),
    login: async (request) => signedIn(await accounts.login(request)),

    async refresh(request) {
      const tokens = await sessions.refresh(request.refreshToken);
      const [user] = await accounts.getUsers([tokens.userId]);
      if (!user) throw unauthenticated('account no longer exists');
      return signedIn({ user, tokens });
    },

    async logout(_request, ctx) {
      const me = await caller(ctx);
      await sessions.revoke(me.userId, me.sessionId);
      return {};
    },

    async validateSession(request, ctx) {
      const me = await caller(ctx, request.allowExpired);
      return { userId: me.userId, sessionId: me.sessionId, sessionExpiresAt: me.expiresAt };
    },

    async listSessions(_request, ctx) {
      const me = await caller(ctx);
      const list = await sessions.list(me.userId);
      return {
        sessions: list.map((session) => ({
          id: session.id,
          createdAt: session.createdAt,
          lastUsedAt: session.lastUsedAt,
          expiresAt: session.expiresAt,
          userAgent: session.userAgent,
          current: session.id === me.sessionId,
        })),
      };
    },

    async revokeSession(request, ctx) {
      const me = await caller(ctx);
      await sessions.revoke(me.userId, request.sessionId);
      return {};
    },

    async getUsers(request, ctx) {
      // Read-only: a live subscription's events may need it past the token's exp.
      const me = await caller(ctx, forSubscription(ctx.metadata));
      const users = await accounts.getUsers(request.ids);
      return {
        results: request.ids.map((id, index) => {
          const user = users[index];
          return user ? { id, user: toUserMessage(user, me.userId) } : { id };
        }),
      };
    },

    async searchUsers(request, ctx) {
      const me = await caller(ctx);
      const users = await accounts.searchUsers(request.query, request.limit);
      return { users: users.map((user) => toUserMessage(user, me.userId)) };
    },

    // Open to every service on the internal network without a user token, as WatchRevocations:
    // it tells only whether a session id still works. Bounded, so that a call is one cheap query.
    async checkSessions(request) {
      if (request.sessionIds.length > MAX_CHECK_SESSIONS) {
        throw invalidArgument('sessionIds', `at most ${MAX_CHECK_SESSIONS} session ids per call`);
      }
      return { inactiveSessionIds: await sessions.inactive(request.sessionIds) };
    },

    // Public keys: open to every caller, as a JWKS URL would be.
    getPublicKeys() {
      return Promise.resolve({ jwks: JSON.stringify(keys.publicKeys()) });
    },

    // Open to every service on the internal network without a user token: it reveals only ids
    // of sessions that no longer work.
    async watchRevocations(_request, call, ctx) {
      // "Watching" must not be said before revocations can actually reach this stream.
      await bus.ready().catch(() => {
        throw unavailable('revocation feed not connected yet; reconnect');
      });
      await new Promise<void>((resolve, reject) => {
        const stop = (error?: Error) => {
          unsubscribe();
          ctx.signal.removeEventListener('abort', onCancel);
          shutdown.removeEventListener('abort', onShutdown);
          if (error) reject(error);
          else resolve();
        };
        const onCancel = () => stop();
        const onShutdown = () => stop(unavailable('auth-service is shutting down'));
        const unsubscribe = bus.subscribe({
          revoked: (sessionIds) => call.write({ sessionIds }),
          reset: () => stop(unavailable('revocation feed interrupted; reconnect')),
        });
        ctx.signal.addEventListener('abort', onCancel);
        shutdown.addEventListener('abort', onShutdown);
        call.write({ sessionIds: [] });
        if (shutdown.aborted) onShutdown();
      });
    },
  };
}
