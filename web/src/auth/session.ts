// The signed-in session of this browser, shared by all its tabs through localStorage.
//
// Refresh tokens rotate and a spent one presented again revokes the whole session, so two tabs
// refreshing at once would sign the user out. Every refresh therefore runs under one lock for the
// whole browser (the Web Locks API; a localStorage lease where it is missing, e.g. plain http on
// a LAN address, which is not a secure context), and inside the lock a tab first checks whether
// another tab refreshed meanwhile, reading what the other tab committed (shared-session.ts).
import type { AuthFieldsFragment, UserFieldsFragment } from '../graphql/graphql';
import { RefreshTokenMutation } from '../api/operations';
import { graphqlFetch, GraphQLRequestError } from '../api/graphql-fetch';
import { readSharedSession, writeSharedSession } from './shared-session';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, on this browser's clock (epoch ms). */
  accessExpiresAt: number;
  /** When it was obtained, on this browser's clock: the refresh margin is a share of the lifetime. */
  obtainedAt: number;
  /** Refreshes since sign-in: of two copies, the higher one is the newer (clocks may step back). */
  generation: number;
  user: UserFieldsFragment;
}

const STORAGE_KEY = 'messenger.session';
const LOCK_NAME = 'messenger.refresh';
const LEASE_KEY = 'messenger.refresh-lease';
/** Why the last sign-out happened, for the other tabs' notice. */
const REASON_KEY = 'messenger.signed-out';

/** Refresh this long before expiry: a minute, or a quarter of a short lifetime. */
export const refreshMargin = (s: StoredSession) => Math.min(60_000, (s.accessExpiresAt - s.obtainedAt) / 4);
export const expiresSoon = (s: StoredSession, now = Date.now()) => s.accessExpiresAt - now <= refreshMargin(s);

/**
 * The token's own lifetime (exp − iat) counted from now, so a browser clock that is off does not
 * make a fresh token look expired.
 */
function lifetimeMs(token: string, fallbackExpiresAt: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      exp?: number;
      iat?: number;
    };
    if (typeof payload.exp === 'number' && typeof payload.iat === 'number') return (payload.exp - payload.iat) * 1000;
  } catch {
    // not a JWT we can read: use the server's expiry time as is
  }
  return new Date(fallbackExpiresAt).getTime() - Date.now();
}

export function sessionFrom(payload: AuthFieldsFragment, generation = 0): StoredSession {
  const now = Date.now();
  return {
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    accessExpiresAt: now + lifetimeMs(payload.accessToken, payload.accessTokenExpiresAt),
    obtainedAt: now,
    generation,
    user: payload.user,
  };
}

function isStoredSession(value: unknown): value is StoredSession {
  const s = value as Partial<StoredSession> | null;
  return (
    typeof s?.accessToken === 'string' &&
    typeof s.refreshToken === 'string' &&
    typeof s.accessExpiresAt === 'number' &&
    typeof s.obtainedAt === 'number' &&
    typeof s.generation === 'number' &&
    typeof s.user?.id === 'string'
  );
}

export type SignOutReason = 'logout' | 'expired';
type Listener = (session: StoredSession | null, reason: SignOutReason | null) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` while no other tab of this browser runs one under the same name. */
async function withBrowserLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) return navigator.locks.request(LOCK_NAME, task);
  // Fallback lease: claim, wait for competing claims to land, and go only if ours survived.
  const me = Math.random().toString(36).slice(2);
  for (;;) {
    const lease = JSON.parse(localStorage.getItem(LEASE_KEY) ?? 'null') as { id: string; until: number } | null;
    if (!lease || lease.until < Date.now()) {
      localStorage.setItem(LEASE_KEY, JSON.stringify({ id: me, until: Date.now() + 30_000 }));
      await sleep(50);
      const held = JSON.parse(localStorage.getItem(LEASE_KEY) ?? 'null') as { id: string } | null;
      if (held?.id === me) {
        try {
          return await task();
        } finally {
          localStorage.removeItem(LEASE_KEY);
        }
      }
    }
    await sleep(100 + Math.random() * 150);
  }
}

export interface SessionManager {
  current(): StoredSession | null;
  signIn(payload: AuthFieldsFragment): void;
  /** Forgets the session in every tab (the server side is `logout`, done by the caller). */
  signOut(reason: SignOutReason): void;
  /**
   * An access token good for a while yet, refreshed first when it is about to expire or `rejected`
   * (the token the server just refused). Null once signed out. Throws when the server cannot be
   * reached, leaving the session as it was.
   */
  accessToken(rejected?: string): Promise<string | null>;
  onChange(listener: Listener): () => void;
}

export function createSessionManager(endpoint = '/graphql'): SessionManager {
  const listeners = new Set<Listener>();
  let inFlight: Promise<string | null> | null = null;

  const read = (): StoredSession | null => {
    try {
      const value: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
      return isStoredSession(value) ? value : null;
    } catch {
      return null;
    }
  };
  const notify = (session: StoredSession | null, reason: SignOutReason | null) => {
    for (const listener of listeners) listener(session, reason);
  };
  /** Stores the session for every tab; resolves once the shared copy is committed. */
  const write = (session: StoredSession | null, reason: SignOutReason | null = null): Promise<void> => {
    if (session) {
      localStorage.removeItem(REASON_KEY);
      localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    } else {
      localStorage.setItem(REASON_KEY, reason ?? 'logout');
      localStorage.removeItem(STORAGE_KEY);
    }
    notify(session, reason);
    return writeSharedSession(session);
  };

  /** The newest session any tab committed, or null when this tab was signed out. */
  async function readNewest(): Promise<StoredSession | null> {
    const local = read();
    if (!local) return null;
    const shared = await readSharedSession();
    if (isStoredSession(shared) && shared.user.id === local.user.id && shared.generation > local.generation) {
      void write(shared);
      return shared;
    }
    return local;
  }

  // Another tab signed in, refreshed or signed out.
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY && event.key !== null) return;
    const session = read();
    notify(session, session ? null : localStorage.getItem(REASON_KEY) === 'expired' ? 'expired' : 'logout');
  });

  async function refresh(rejected: string | undefined): Promise<string | null> {
    return withBrowserLock(async () => {
      const session = await readNewest();
      if (!session) return null;
      // Another tab (or an earlier call) already refreshed.
      if (session.accessToken !== rejected && !expiresSoon(session)) return session.accessToken;
      try {
        const data = await graphqlFetch(RefreshTokenMutation, { refreshToken: session.refreshToken }, { endpoint });
        // Signed out (here or in another tab) while the refresh was on its way: stay signed out.
        if (!read()) return null;
        const next = sessionFrom(data.refreshToken, session.generation + 1);
        await write(next);
        return next.accessToken;
      } catch (error) {
        if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') {
          // Revoked, expired, or its refresh token was spent elsewhere: the session is over.
          await write(null, 'expired');
          return null;
        }
        throw error;
      }
    });
  }

  return {
    current: read,
    signIn: (payload) => void write(sessionFrom(payload)),
    signOut: (reason) => void write(null, reason),
    async accessToken(rejected) {
      const session = read();
      if (!session) return null;
      if (session.accessToken !== rejected && !expiresSoon(session)) return session.accessToken;
      // One refresh at a time in this tab too; the lock orders them across tabs.
      inFlight ??= refresh(rejected ?? session.accessToken).finally(() => (inFlight = null));
      return inFlight;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
