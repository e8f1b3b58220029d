import { randomBytes, randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorField, isServiceError } from '../../../lib/errors.js';
import { as, newAccount, useAuthService } from '../../../test/support/auth.js';

// Every input limit of the design's "Input limits", checked through the real gRPC service: a bad
// value is INVALID_ARGUMENT with the `field` trailer naming it, and nothing is written.

const svc = useAuthService('auth_limits');

/** An astral character: one code point, two UTF-16 units. */
const EMOJI = '😀';

/** The gRPC status name and `field` trailer a call failed with ('OK' when it did not fail). */
async function outcome(promise: Promise<unknown>): Promise<{ code: string; field?: string | undefined }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return { code: 'OK' };
  if (!isServiceError(error))
    return { code: `not a gRPC error: ${error instanceof Error ? error.message : JSON.stringify(error)}` };
  return { code: status[error.code], field: errorField(error) };
}

interface RowCounts {
  users: number;
  sessions: number;
  refresh_tokens: number;
}

async function rowCounts(): Promise<RowCounts> {
  const [counts] = await svc.app.orm.em.fork().execute<RowCounts[]>(
    `SELECT (SELECT count(*) FROM users)::int AS users,
            (SELECT count(*) FROM sessions)::int AS sessions,
            (SELECT count(*) FROM refresh_tokens)::int AS refresh_tokens`,
  );
  return counts!;
}

/** Expects the call to be INVALID_ARGUMENT naming `field`, with no row added anywhere. */
async function expectInvalid(call: () => Promise<unknown>, field: string) {
  const before = await rowCounts();
  await expect(outcome(call())).resolves.toEqual({ code: 'INVALID_ARGUMENT', field });
  expect(await rowCounts()).toEqual(before);
}

/** A unique, valid lower-case username of exactly `length` characters (3–32). */
const uniqueName = (length: number) => `n${randomBytes(16).toString('hex')}`.slice(0, length).padEnd(length, '_');

/** A unique address of exactly `length` code points, its domain built from `unit`. */
function emailOfLength(length: number, unit = 'd') {
  const local = uniqueName(12);
  const domainLabel = unit.repeat(length - local.length - '@'.length - '.com'.length);
  return `${local}@${domainLabel}.com`;
}

const codePoints = (text: string) => [...text].length;

describe('email', () => {
  it('accepts 254 code points (counted as code points, not UTF-16 units) and refuses 255', async () => {
    const ascii254 = emailOfLength(254);
    expect(codePoints(ascii254)).toBe(254);
    await expect(outcome(svc.auth.register({ ...newAccount(), email: ascii254 }, as()))).resolves.toEqual({
      code: 'OK',
    });

    const astral254 = emailOfLength(254, EMOJI);
    expect(codePoints(astral254)).toBe(254);
    expect(astral254.length).toBeGreaterThan(254);
    await expect(outcome(svc.auth.register({ ...newAccount(), email: astral254 }, as()))).resolves.toEqual({
      code: 'OK',
    });

    await expectInvalid(() => svc.auth.register({ ...newAccount(), email: emailOfLength(255) }, as()), 'email');
    await expectInvalid(() => svc.auth.register({ ...newAccount(), email: emailOfLength(255, EMOJI) }, as()), 'email');
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['missing @', 'nobody.example.com'],
    ['a space in the local part', 'no body@example.com'],
    ['a space in the domain', 'nobody@exam ple.com'],
    ['no dot in the domain', 'nobody@localhost'],
    ['two @', 'no@body@example.com'],
    ['nothing before @', '@example.com'],
    ['an empty domain label', 'nobody@example..com'],
    // PostgreSQL cannot hold U+0000 in text: it must be refused here, not fail in the database.
    ['a NUL character', 'no\u0000body@example.com'],
    ['a control character', 'no\u0007body@example.com'],
  ])('refuses an address with %s, writing nothing', async (_case, email) => {
    const account = newAccount();
    await expectInvalid(() => svc.auth.register({ ...account, email }, as()), 'email');
    // The username was not taken by the refused registration.
    await expect(outcome(svc.auth.register(account, as()))).resolves.toEqual({ code: 'OK' });
  });

  it('stores an address lower-case and compares it case-insensitively', async () => {
    const account = newAccount('MiXeD');
    const mixed = `${account.username.toUpperCase()}@Example.COM`;
    const registered = await svc.auth.register({ ...account, email: mixed }, as());
    expect(registered.user?.email).toBe(mixed.toLowerCase());
    const rows = await svc.app.orm.em
      .fork()
      .execute<{ email: string }[]>('SELECT email FROM users WHERE id = ?', [registered.user?.id]);
    expect(rows).toEqual([{ email: mixed.toLowerCase() }]);

    const login = await svc.auth.login({ email: mixed.toLowerCase(), password: account.password, userAgent: '' }, as());
    expect(login.user?.id).toBe(registered.user?.id);
    await expect(outcome(svc.auth.register({ ...newAccount(), email: mixed.toLowerCase() }, as()))).resolves.toEqual({
      code: 'ALREADY_EXISTS',
      field: 'email',
    });
  });
});

describe('username', () => {
  it('accepts exactly 3 and exactly 32 characters, in any case, and stores them lower-case', async () => {
    const three = await svc.auth.register({ ...newAccount(), username: 'X_9' }, as());
    expect(three.user?.username).toBe('x_9');
    const long = uniqueName(32);
    const thirtyTwo = await svc.auth.register({ ...newAccount(), username: long.toUpperCase() }, as());
    expect(thirtyTwo.user?.username).toBe(long);
    const rows = await svc.app.orm.em
      .fork()
      .execute<{ username: string }[]>('SELECT username FROM users WHERE id IN (?, ?) ORDER BY username', [
        three.user?.id,
        thirtyTwo.user?.id,
      ]);
    expect(rows.map((row) => row.username).sort()).toEqual([long, 'x_9'].sort());
    // Taken whatever the case it is given in.
    await expect(outcome(svc.auth.register({ ...newAccount(), username: 'x_9' }, as()))).resolves.toEqual({
      code: 'ALREADY_EXISTS',
      field: 'username',
    });
  });

  it.each([
    ['2 characters', 'ab'],
    ['33 characters', 'a'.repeat(33)],
    ['empty', ''],
    ['a hyphen', 'ab-cd'],
    ['a space', 'ab cd'],
    ['a dot', 'ab.cd'],
    ['an accented letter', 'café'],
    ['only non-ASCII letters', 'ééé'],
    ['a non-Latin script', 'имя'],
    ['an emoji', `abc${EMOJI}`],
  ])('refuses a username with %s, writing nothing', async (_case, username) => {
    const account = newAccount();
    await expectInvalid(() => svc.auth.register({ ...account, username }, as()), 'username');
    // The email was not taken by the refused registration.
    await expect(outcome(svc.auth.register(account, as()))).resolves.toEqual({ code: 'OK' });
  });
});

describe('password', () => {
  it.each([
    ['8 characters', 'p'.repeat(8)],
    ['128 characters', 'p'.repeat(128)],
    ['8 emoji (16 UTF-16 units)', EMOJI.repeat(8)],
    ['128 emoji (256 UTF-16 units)', EMOJI.repeat(128)],
  ])('accepts %s, and it signs in', async (_case, password) => {
    const account = { ...newAccount(), password };
    const registered = await svc.auth.register(account, as());
    const login = await svc.auth.login({ email: account.email, password, userAgent: '' }, as());
    expect(login.user?.id).toBe(registered.user?.id);
  });

  it.each([
    ['empty', ''],
    ['7 characters', 'p'.repeat(7)],
    ['7 emoji (14 UTF-16 units)', EMOJI.repeat(7)],
    ['129 characters', 'p'.repeat(129)],
    ['129 emoji', EMOJI.repeat(129)],
  ])('refuses %s, writing nothing', async (_case, password) => {
    const account = newAccount();
    await expectInvalid(() => svc.auth.register({ ...account, password }, as()), 'password');
    // Neither the email nor the username was taken by the refused registration.
    await expect(outcome(svc.auth.register(account, as()))).resolves.toEqual({ code: 'OK' });
  });
});

describe('login', () => {
  it('refuses a password over 128 code points as INVALID_ARGUMENT, opening no session', async () => {
    const account = newAccount();
    await svc.auth.register(account, as());
    await expectInvalid(() => svc.auth.login({ ...account, password: 'p'.repeat(129) }, as()), 'password');
    await expectInvalid(() => svc.auth.login({ ...account, password: EMOJI.repeat(129) }, as()), 'password');
    await expectInvalid(() => svc.auth.login({ ...account, password: '' }, as()), 'password');
  });

  it.each([
    ['that is empty', ''],
    ['without @', 'nobody.example.com'],
    ['with a space', 'no body@example.com'],
    ['without a dot in the domain', 'nobody@localhost'],
    ['of 255 code points', emailOfLength(255)],
    ['with a NUL character', 'no\u0000body@example.com'],
  ])('refuses an email %s as INVALID_ARGUMENT', async (_case, email) => {
    await expectInvalid(
      () => svc.auth.login({ email, password: 'correct horse battery', userAgent: '' }, as()),
      'email',
    );
  });
});

describe('SearchUsers', () => {
  const prefix = `q${randomBytes(3).toString('hex')}_`;
  let token: string | undefined;

  beforeAll(async () => {
    token = (await svc.auth.register(newAccount(), as())).tokens?.accessToken;
    // 51 matching users, one more than the largest page, inserted directly: search needs no
    // passwords, and 51 argon2 hashes would only slow the file down.
    const values = Array.from(
      { length: 51 },
      (_, i) =>
        `('${randomUUID()}', '${prefix}${i}@example.com', '${prefix}${String(i).padStart(2, '0')}', 'x', now())`,
    );
    await svc.app.orm.em
      .fork()
      .execute(`INSERT INTO users (id, email, username, password_hash, created_at) VALUES ${values.join(', ')}`);
  });

  const search = (query: string, limit: number) => svc.auth.searchUsers({ query, limit }, as(token));

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['65 characters', 'a'.repeat(65)],
    ['65 emoji', EMOJI.repeat(65)],
  ])('refuses a query that is %s (field query)', async (_case, query) => {
    await expectInvalid(() => search(query, 10), 'query');
  });

  it('accepts a query of 1 and of 64 code points', async () => {
    await expect(search(prefix.slice(0, 1), 1)).resolves.toMatchObject({ users: [{}] });
    await expect(search('a'.repeat(64), 10)).resolves.toEqual({ users: [] });
    await expect(search(EMOJI.repeat(64), 10)).resolves.toEqual({ users: [] });
  });

  it.each([
    ['51', 51],
    ['-1', -1],
    ['very negative', -2_147_483_648],
    ['very large', 2_147_483_647],
  ])('refuses a limit of %s (field first)', async (_case, limit) => {
    await expectInvalid(() => search(prefix, limit), 'first');
  });

  it('accepts limits 0 (the default page of 20) to 50', async () => {
    expect((await search(prefix, 50)).users).toHaveLength(50);
    expect((await search(prefix, 1)).users.map((user) => user.username)).toEqual([`${prefix}00`]);
    expect((await search(prefix, 0)).users).toHaveLength(20);
  });
});

describe('GetUsers', () => {
  it('accepts 1000 ids and refuses 1001 (field ids)', async () => {
    const { tokens, user } = await svc.auth.register(newAccount(), as());
    const ids = Array.from({ length: 999 }, () => randomUUID());
    const { results } = await svc.auth.getUsers({ ids: [...ids, user!.id] }, as(tokens?.accessToken));
    expect(results).toHaveLength(1000);
    expect(results[999]?.user?.id).toBe(user?.id);
    await expectInvalid(
      () => svc.auth.getUsers({ ids: [...ids, user!.id, randomUUID()] }, as(tokens?.accessToken)),
      'ids',
    );
  });
});
