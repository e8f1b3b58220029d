import { invalidArgument } from '../../../lib/errors.js';
import { codePointLength } from '../../../lib/text.js';

/** Input limits from the design; each failure names its field. Lengths are in code points. */
export const LIMITS = {
  emailMax: 254,
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 128,
  getUsersMax: 1_000,
} as const;

// A pragmatic shape check (RFC 5322 allows far more than any mail provider hands out): one @,
// no whitespace, a dot in the domain, the local part at most 64 characters.
const EMAIL_SHAPE = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/u;
const USERNAME_SHAPE = /^[a-z0-9_]+$/;

export function normalizeEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email === '') throw invalidArgument('email', 'email is required');
  if (codePointLength(email) > LIMITS.emailMax) {
    throw invalidArgument('email', `email must be at most ${LIMITS.emailMax} characters`);
  }
  // Control and format characters (NUL, zero-width space, …) are in no real address, and NUL
  // cannot even be stored in a PostgreSQL text column.
  if (!EMAIL_SHAPE.test(email) || /[\p{Cc}\p{Cf}]/u.test(email)) {
    throw invalidArgument('email', 'email is not a valid address');
  }
  return email;
}

export function normalizeUsername(input: string): string {
  const username = input.trim().toLowerCase();
  const length = codePointLength(username);
  if (length < LIMITS.usernameMin || length > LIMITS.usernameMax) {
    throw invalidArgument('username', `username must be ${LIMITS.usernameMin}–${LIMITS.usernameMax} characters`);
  }
  if (!USERNAME_SHAPE.test(username)) {
    throw invalidArgument('username', 'username may contain only letters a–z, digits and underscores');
  }
  return username;
}

export function checkNewPassword(password: string): string {
  const length = codePointLength(password);
  if (length < LIMITS.passwordMin || length > LIMITS.passwordMax) {
    throw invalidArgument('password', `password must be ${LIMITS.passwordMin}–${LIMITS.passwordMax} characters`);
  }
  return password;
}

/** At login only the upper bound matters (it keeps huge inputs away from the hash function). */
export function checkLoginPassword(password: string): string {
  if (password === '') throw invalidArgument('password', 'password is required');
  if (codePointLength(password) > LIMITS.passwordMax) {
    throw invalidArgument('password', `password must be at most ${LIMITS.passwordMax} characters`);
  }
  return password;
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_SHAPE.test(value);

/** The user agent is informative only: keep it short and printable. */
export const cleanUserAgent = (userAgent: string) =>
  [...userAgent.replace(/[\p{Cc}]/gu, ' ').trim()].slice(0, 512).join('');

export { checkSearch } from '../../../lib/search.js';
