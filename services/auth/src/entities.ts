import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** An account. `email` and `username` are stored lower-case; both are unique. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    email: p.string(),
    username: p.string(),
    passwordHash: p.string(),
    createdAt: p.datetime(),
  },
});
export type User = InferEntity<typeof User>;

/** A signed-in device: one row per login, with a stable id across refreshes. */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.uuid().primary(),
    // Relations (as plain ids) so that the unit of work inserts parents before children.
    userId: () => p.manyToOne(User).mapToPk().fieldName('user_id'),
    userAgent: p.string(),
    createdAt: p.datetime(),
    lastUsedAt: p.datetime(),
    /** The refresh token's expiry; every rotation moves it forward. */
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  },
});
export type Session = InferEntity<typeof Session>;

/**
 * Every refresh token ever issued, by SHA-256 hash only. A spent one stays (with `spentAt`)
 * so that presenting it again is recognised as reuse and revokes its session.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    hash: p.string().primary(),
    sessionId: () => p.manyToOne(Session).mapToPk().fieldName('session_id'),
    createdAt: p.datetime(),
    spentAt: p.datetime().nullable(),
  },
});
export type RefreshToken = InferEntity<typeof RefreshToken>;

export const authEntities = [User, Session, RefreshToken];
