import { randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { alreadyExists, invalidArgument, unauthenticated } from '../../../lib/errors.js';
import type { MikroORM } from '../../../lib/db.js';
import { User } from './entities.js';
import type { IssuedTokens, Sessions } from './sessions.js';
import {
  LIMITS,
  checkLoginPassword,
  checkNewPassword,
  checkSearch,
  cleanUserAgent,
  isUuid,
  normalizeEmail,
  normalizeUsername,
} from './validation.js';

/** What GetUsers tells of an account. */
export type UserRecord = Pick<User, 'id' | 'email' | 'username' | 'createdAt'>;

export interface SignedIn {
  user: UserRecord;
  tokens: IssuedTokens;
}

/** Accounts remembered by GetUsers (the first remembered is the first forgotten). */
const KNOWN_MAX = 100_000;

/** One message for an unknown email and a wrong password: login must not reveal accounts. */
const LOGIN_FAILED = 'email or password is incorrect';

const EMAIL_TAKEN = () => alreadyExists('email', 'email is already registered');
const USERNAME_TAKEN = () => alreadyExists('username', 'username is taken');

/** Accounts: registration, login and user look-ups. Passwords are argon2id (the library default). */
export function createAccounts({ orm, sessions }: { orm: MikroORM; sessions: Sessions }) {
  // Verified against when the email is unknown, so that both failures cost one argon2 verify and
  // answer in the same time.
  const decoyHash = hash(randomBytes(32).toString('base64'));

  const known = new Map<string, UserRecord>();
  return {
    async register(input: { email: string; username: string; password: string; userAgent: string }): Promise<SignedIn> {
      const email = normalizeEmail(input.email);
      const username = normalizeUsername(input.username);
      const password = checkNewPassword(input.password);
      const em = orm.em.fork();
      const taken = await em.find(User, { $or: [{ email }, { username }] }, { fields: ['email', 'username'] });
      if (taken.some((user) => user.email === email)) throw EMAIL_TAKEN();
      if (taken.length > 0) throw USERNAME_TAKEN();
      const passwordHash = await hash(password);
      try {
        const { user, opened } = await em.transactional(async (tx) => {
          const user = tx.create(User, { id: randomUUID(), email, username, passwordHash, createdAt: new Date() });
          const opened = sessions.open(tx, user.id, cleanUserAgent(input.userAgent));
          await tx.flush();
          return { user, opened };
        });
        return { user, tokens: await sessions.issue(opened) };
      } catch (error) {
        // Lost a race with a concurrent registration of the same email or username.
        if (error instanceof UniqueConstraintViolationException) {
          throw error.message.includes('users_email_key') ? EMAIL_TAKEN() : USERNAME_TAKEN();
        }
        throw error;
      }
    },

    async login(input: { email: string; password: string; userAgent: string }): Promise<SignedIn> {
      const email = normalizeEmail(input.email);
      const password = checkLoginPassword(input.password);
      const em = orm.em.fork();
      const user = await em.findOne(User, { email });
      const matches = await verify(user?.passwordHash ?? (await decoyHash), password).catch(() => false);
      if (!user || !matches) throw unauthenticated(LOGIN_FAILED);
      const opened = await em.transactional(async (tx) => {
        const opened = sessions.open(tx, user.id, cleanUserAgent(input.userAgent));
        await tx.flush();
        return opened;
      });
      return { user, tokens: await sessions.issue(opened) };
    },

    /**
     * One entry per id, in order; undefined where there is no such user. Every message rendered
     * names its sender, so the same users are asked for all the time: they are remembered, which
     * is sound because an account never changes once registered (nothing here renames, re-mails
     * or deletes one; a change that ever does must forget it here too).
     */
    async getUsers(ids: string[]): Promise<(UserRecord | undefined)[]> {
      if (ids.length > LIMITS.getUsersMax) {
        throw invalidArgument('ids', `at most ${LIMITS.getUsersMax} ids per call`);
      }
      const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
      const missing = wanted.filter((id) => !known.has(id));
      if (missing.length > 0) {
        const rows = await orm.em
          .fork()
          // (MikroORM's driver hands timestamps over as text.)
          .execute<{ id: string; email: string; username: string; created_at: Date | string }[]>(
            'SELECT id, email, username, created_at FROM users WHERE id = ANY(?::uuid[])',
            [`{${missing.join(',')}}`],
          );
        for (const row of rows) {
          if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
          const createdAt = new Date(row.created_at);
          known.set(row.id, { id: row.id, email: row.email, username: row.username, createdAt });
        }
      }
      return ids.map((id) => known.get(id.toLowerCase()));
    },

    /** Case-insensitive username prefix match, alphabetical. */
    async searchUsers(rawQuery: string, rawLimit: number): Promise<User[]> {
      const { query, limit } = checkSearch(rawQuery, rawLimit);
      // Usernames hold only [a-z0-9_]; `_` is a LIKE wildcard, so it is escaped.
      if (!/^[a-z0-9_]+$/.test(query)) return [];
      return orm.em
        .fork()
        .find(
          User,
          { username: { $like: `${query.replaceAll('_', '\\_')}%` } },
          { orderBy: { username: 'asc' }, limit },
        );
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
