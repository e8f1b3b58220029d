import { status } from '@grpc/grpc-js';
import DataLoader from 'dataloader';
import { isServiceError } from '../../../lib/errors.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import type { Profile } from '../../../proto/gen/profiles/v1/profiles.js';
import type { Services } from '../caller-services.js';
import type { UserModel } from '../mappers.js';
import type { Subscription } from './subscription.js';

export interface LookupOptions {
  /** How long a user or profile read for one event serves later events. @default 10000 */
  ttlMs?: number;
  /** Users (and profiles) remembered at most. @default 50000 */
  max?: number;
}

interface Entry<T> {
  value: T;
  until: number;
}

/** A bounded map whose entries expire; least recently stored first out. */
class ExpiringMap<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }
  set(key: string, value: T) {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }
  delete(key: string) {
    this.entries.delete(key);
  }
}

/**
 * The users and profiles that events name (`sender`, `user`, `profile`), read once per event at
 * most and then kept for later events for a short while: a chat's next message names the same
 * people, and the same receipts keep coming. A user's or profile's change reaches every gateway
 * that renders events naming them as `UserUpdated` (everyone who shares a chat with the user
 * hears of it), which drops them here before that event is rendered; `ttlMs` bounds what a lost
 * announcement (the bus was down) can leave behind.
 *
 * Users are kept without their email: a rendering for several viewers shows none, and one for a
 * single viewer reads that viewer's own email with their own token (fanout.ts).
 *
 * Reads are made with a recipient's token (marked as a subscription's read): every recipient may
 * see the users and profiles an event of their chat names. A recipient's session may end while
 * the event is in flight: then the next recipient's token serves.
 */
export function createEventLookups(services: Services, { ttlMs = 10_000, max = 50_000 }: LookupOptions = {}) {
  const users = new ExpiringMap<UserModel | null>(ttlMs, max);
  const profiles = new ExpiringMap<Profile | null>(ttlMs, max);

  /** A DataLoader over the cache: what is missing is read in one batch and remembered. */
  function cached<T>(cache: ExpiringMap<T | null>, read: (ids: string[]) => Promise<(T | null)[]>) {
    return new DataLoader<string, T | null>(async (ids) => {
      const missing = ids.filter((id) => cache.get(id) === undefined);
      if (missing.length > 0) {
        const found = await read(missing);
        missing.forEach((id, index) => cache.set(id, found[index] ?? null));
      }
      return ids.map((id) => cache.get(id) ?? null);
    });
  }

  return {
    /** Loaders for one event, shared by every rendering of it. */
    forEvent(recipients: readonly Subscription[]) {
      const tokens = [...new Set(recipients.slice(0, 3).map((subscription) => subscription.viewer.authorization))];
      async function asRecipients<R>(call: (options: { metadata: ReturnType<typeof callMetadata> }) => Promise<R>) {
        for (let i = 0; ; i++) {
          try {
            return await call({ metadata: callMetadata({ authorization: tokens[i], subscription: true }) });
          } catch (error) {
            if (i + 1 >= tokens.length || !isServiceError(error) || error.code !== status.UNAUTHENTICATED) throw error;
          }
        }
      }
      return {
        users: cached(users, async (ids) => {
          const { results } = await asRecipients((call) => services.auth.getUsers({ ids }, call));
          return ids.map((_id, index) => {
            const user = results[index]?.user;
            return user ? { ...user, email: undefined } : null;
          });
        }),
        profiles: cached(profiles, async (ids) => {
          const { results } = await asRecipients((call) => services.profiles.getProfiles({ userIds: ids }, call));
          return ids.map((_id, index) => results[index]?.profile ?? null);
        }),
      };
    },
    /** The user's profile (or account) changed: what was kept of them is dropped. */
    forget(userId: string) {
      users.delete(userId);
      profiles.delete(userId);
    },
  };
}

export type EventLookups = ReturnType<typeof createEventLookups>;
