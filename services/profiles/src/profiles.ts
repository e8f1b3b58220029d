import { invalidArgument } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import type { Logger } from '../../../lib/logger.js';
import type { Caller } from '../../../lib/session-verifier.js';
import type { UserDirectory } from '../../../lib/user-directory.js';
import type { Profile as ProfileMessage } from '../../../proto/gen/profiles/v1/profiles.js';
import { LIMITS, avatarUrl, bio, displayName, isUuid, search as checkSearch } from './validation.js';

interface ProfileRow {
  user_id: string;
  display_name: string | null;
  bio: string;
  avatar_url: string | null;
  updated_at: Date | string;
}

const EDITABLE = new Set(['display_name', 'bio', 'avatar_url']);
const COLUMNS = 'user_id, display_name, bio, avatar_url, updated_at';

export interface ProfileChange {
  fields: string[];
  displayName?: string | undefined;
  bio?: string | undefined;
  avatarUrl?: string | undefined;
}

/** Profiles: stored ones, and the default (display name = username) for everyone else. */
export function createProfiles(deps: {
  orm: MikroORM;
  /** Usernames (auth-service, asked on the caller's behalf). */
  usernames: UserDirectory;
  /** Tells the caller's chats that their profile changed (chat-service NotifyUserUpdated). */
  notify: (caller: Caller) => Promise<void>;
  logger: Logger;
}) {
  const { orm, usernames, notify, logger } = deps;

  const toMessage = (row: ProfileRow, username: string | undefined): ProfileMessage => ({
    userId: row.user_id,
    displayName: row.display_name ?? username ?? '',
    bio: row.bio,
    ...(row.avatar_url !== null ? { avatarUrl: row.avatar_url } : {}),
    updatedAt: row.updated_at instanceof Date ? row.updated_at : new Date(row.updated_at),
  });

  async function load(caller: Caller, ids: string[]): Promise<Map<string, ProfileMessage>> {
    const result = new Map<string, ProfileMessage>();
    if (ids.length === 0) return result;
    const rows = await orm.em
      .fork()
      .execute<ProfileRow[]>(`SELECT ${COLUMNS} FROM profiles WHERE user_id = ANY(?::uuid[])`, [`{${ids.join(',')}}`]);
    // Usernames only for what a stored display name does not cover (and to know who exists).
    const needNames = ids.filter((id) => !rows.some((row) => row.user_id === id && row.display_name !== null));
    const names = needNames.length ? await usernames(caller, needNames) : new Map<string, string>();
    for (const row of rows) result.set(row.user_id, toMessage(row, names.get(row.user_id)));
    for (const id of ids) {
      const username = names.get(id);
      if (!result.has(id) && username !== undefined) {
        result.set(id, { userId: id, displayName: username, bio: '' });
      }
    }
    return result;
  }

  return {
    /** One entry per id, in order; undefined for an id of no user. */
    async get(caller: Caller, userIds: string[]): Promise<(ProfileMessage | undefined)[]> {
      if (userIds.length > LIMITS.getProfilesMax) {
        throw invalidArgument('userIds', `at most ${LIMITS.getProfilesMax} ids per call`);
      }
      const wanted = [...new Set(userIds.filter(isUuid).map((id) => id.toLowerCase()))];
      const profiles = await load(caller, wanted);
      return userIds.map((id) => profiles.get(id.toLowerCase()));
    },

    /** Changes the caller's own profile: each named field to its value, or to the default when unset. */
    async update(caller: Caller, change: ProfileChange): Promise<ProfileMessage> {
      const unknown = change.fields.filter((field) => !EDITABLE.has(field));
      if (unknown.length > 0) throw invalidArgument('fields', `cannot change ${unknown.join(', ')}`);
      const fields = new Set(change.fields);
      const values: Record<string, string | null> = {};
      if (fields.has('display_name')) {
        values.display_name = change.displayName === undefined ? null : displayName(change.displayName);
      }
      if (fields.has('bio')) values.bio = change.bio === undefined ? '' : bio(change.bio);
      if (fields.has('avatar_url'))
        values.avatar_url = change.avatarUrl === undefined ? null : avatarUrl(change.avatarUrl);
      const columns = Object.keys(values);
      if (columns.length > 0) {
        const insertValues = { display_name: null, bio: '', avatar_url: null, ...values };
        await orm.em.fork().execute(
          `INSERT INTO profiles (user_id, display_name, bio, avatar_url, updated_at) VALUES (?, ?, ?, ?, now())
           ON CONFLICT (user_id) DO UPDATE SET ${columns.map((column) => `${column} = EXCLUDED.${column}`).join(', ')},
             updated_at = now()`,
          [caller.userId, insertValues.display_name, insertValues.bio, insertValues.avatar_url],
        );
        // Committed: a failed notification must not fail the change. Open clients see the new
        // profile on their next query instead of at once.
        await notify(caller).catch((error: unknown) =>
          logger.warn({ err: error }, 'could not announce a profile change'),
        );
      }
      const profile = (await load(caller, [caller.userId])).get(caller.userId);
      if (!profile) throw invalidArgument('fields', 'the caller has no account');
      return profile;
    },

    /** Stored profiles whose display name starts with the query, case-insensitive, alphabetical. */
    async search(caller: Caller, rawQuery: string, rawLimit: number): Promise<ProfileMessage[]> {
      const { query, limit } = checkSearch(rawQuery, rawLimit);
      const pattern = `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await orm.em
        .fork()
        .execute<ProfileRow[]>(
          `SELECT ${COLUMNS} FROM profiles WHERE lower(display_name) LIKE ? ORDER BY lower(display_name), user_id LIMIT ?`,
          [pattern, limit],
        );
      return rows.map((row) => toMessage(row, undefined));
    },
  };
}

export type Profiles = ReturnType<typeof createProfiles>;
