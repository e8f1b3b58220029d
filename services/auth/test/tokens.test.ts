import { randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import { newKeyPair, privateKeySet } from '../../../lib/jwt-keys.js';
import { as, newAccount, useAuthService } from '../../../test/support/auth.js';
import { testSigner } from '../../../test/support/keys.js';
import { statusOf as code, until } from '../../../test/support/wait.js';

// Attacks on the access token. Each forged token is checked against ValidateSession (with and
// without allow_expired, which may relax `exp` and nothing else) and against an ordinary
// authenticated call (ListSessions); every one must be UNAUTHENTICATED. Each forgery has a
// control: the same construction without the flaw is accepted, so a refusal is the flaw's doing.

const svc = useAuthService('auth_tokens');

type CallOptions = ReturnType<typeof as>;

/** How the service answers a token (or raw options): ValidateSession both ways, and ListSessions. */
async function answers(credentials: string | CallOptions) {
  const options = typeof credentials === 'string' ? as(credentials) : credentials;
  return {
    validate: await code(svc.auth.validateSession({ allowExpired: false }, options)),
    validateAllowExpired: await code(svc.auth.validateSession({ allowExpired: true }, options)),
    listSessions: await code(svc.auth.listSessions({}, options)),
  };
}

const ACCEPTED = { validate: 'OK', validateAllowExpired: 'OK', listSessions: 'OK' };
const REFUSED = {
  validate: 'UNAUTHENTICATED',
  validateAllowExpired: 'UNAUTHENTICATED',
  listSessions: 'UNAUTHENTICATED',
};
/** What a correctly signed but expired token of an active session gets. */
const EXPIRED = { validate: 'UNAUTHENTICATED', validateAllowExpired: 'OK', listSessions: 'UNAUTHENTICATED' };

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The service's own signing key. */
const own = async () => (await privateKeySet(readFileSync(svc.keys.privateKeyFile, 'utf8'))).signing!;

/**
 * Signs `claims` as given (no defaults added), with the service's key and its `kid` unless told
 * otherwise.
 */
async function forge(
  claims: JWTPayload,
  { alg = 'EdDSA', key, kid }: { alg?: string; key?: KeyObject | Uint8Array; kid?: string | null } = {},
) {
  const signing = await own();
  const header = { alg, typ: 'JWT', ...(kid === null ? {} : { kid: kid ?? signing.kid }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(key ?? signing.privateKey);
}

/** The claims the service itself put in a token, re-dated to be fresh. */
function claimsOf(accessToken: string | undefined): JWTPayload {
  const claims = decodeJwt(accessToken!);
  return { ...claims, jti: randomUUID(), iat: nowSeconds(), exp: nowSeconds() + 600 };
}

async function signedIn() {
  const res = await svc.auth.register(newAccount('tok'), as());
  return {
    userId: res.user!.id,
    sessionId: res.tokens!.sessionId,
    access: res.tokens!.accessToken,
    refresh: res.tokens!.refreshToken,
  };
}

describe('forged tokens', () => {
  let alice: Awaited<ReturnType<typeof signedIn>>;
  let bob: Awaited<ReturnType<typeof signedIn>>;

  beforeAll(async () => {
    alice = await signedIn();
    bob = await signedIn();
  });

  it('control: the service’s own token, and one forged the same way with the right key and claims, pass', async () => {
    await expect(answers(alice.access)).resolves.toEqual(ACCEPTED);
    expect(decodeJwt(alice.access)).toMatchObject({
      iss: 'messenger-auth',
      aud: 'messenger',
      sub: alice.userId,
      sid: alice.sessionId,
    });
    await expect(answers(await forge(claimsOf(alice.access)))).resolves.toEqual(ACCEPTED);
    const me = await svc.auth.validateSession({ allowExpired: false }, as(await forge(claimsOf(alice.access))));
    expect(me).toMatchObject({ userId: alice.userId, sessionId: alice.sessionId });
  });

  it('refuses alg "none" with an empty signature', async () => {
    const unsigned = (header: object) => `${base64url(header)}.${base64url(claimsOf(alice.access))}.`;
    await expect(answers(unsigned({ alg: 'none', typ: 'JWT' }))).resolves.toEqual(REFUSED);
    await expect(answers(unsigned({ alg: 'none' }))).resolves.toEqual(REFUSED);
    await expect(answers(unsigned({ alg: 'None', typ: 'JWT' }))).resolves.toEqual(REFUSED);
    // The real header with the signature stripped.
    const [header, payload] = alice.access.split('.');
    await expect(answers(`${header}.${payload}.`)).resolves.toEqual(REFUSED);
  });

  it('refuses a token signed with another Ed25519 key, under the service’s kid, its own, or none', async () => {
    const other = (await privateKeySet(newKeyPair().privatePem)).signing!;
    const claims = claimsOf(alice.access);
    await expect(answers(await forge(claims, { key: other.privateKey }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge(claims, { key: other.privateKey, kid: other.kid }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge(claims, { kid: null }))).resolves.toEqual(REFUSED);
  });

  it('refuses HMAC tokens keyed with the service’s public key (algorithm confusion)', async () => {
    const publicKeyBytes = new TextEncoder().encode(svc.keys.publicPem);
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      await expect(answers(await forge(claimsOf(alice.access), { alg, key: publicKeyBytes })), alg).resolves.toEqual(
        REFUSED,
      );
    }
  });

  it('refuses a tampered payload that keeps the original signature', async () => {
    const [header, payload, signature] = alice.access.split('.');
    const claims = decodeJwt(alice.access);
    const asBob = `${header}.${base64url({ ...claims, sub: bob.userId })}.${signature}`;
    await expect(answers(asBob)).resolves.toEqual(REFUSED);
    const otherSession = `${header}.${base64url({ ...claims, sid: bob.sessionId, sub: bob.userId })}.${signature}`;
    await expect(answers(otherSession)).resolves.toEqual(REFUSED);
    const longer = `${header}.${base64url({ ...claims, exp: nowSeconds() + 86_400 * 365 })}.${signature}`;
    await expect(answers(longer)).resolves.toEqual(REFUSED);
    // Control: the untouched parts still pass, so only the edit is refused.
    await expect(answers(`${header}.${payload}.${signature}`)).resolves.toEqual(ACCEPTED);
  });

  it('refuses a wrong issuer or audience', async () => {
    const claims = claimsOf(alice.access);
    await expect(answers(await forge({ ...claims, iss: 'someone-else' }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, aud: 'another-audience' }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, aud: ['another-audience'] }))).resolves.toEqual(REFUSED);
    const { iss: _iss, aud: _aud, ...anonymous } = claims;
    await expect(answers(await forge(anonymous))).resolves.toEqual(REFUSED);
  });

  it('refuses a token missing a required claim (sid, sub, exp, iat, jti)', async () => {
    const claims = claimsOf(alice.access);
    for (const missing of ['sid', 'sub', 'exp', 'iat', 'jti'] as const) {
      const { [missing]: _dropped, ...rest } = claims;
      await expect(answers(await forge(rest)), `without ${missing}`).resolves.toEqual(REFUSED);
    }
  });

  it('refuses well-signed claims that do not match a session of that user', async () => {
    const claims = claimsOf(alice.access);
    // Alice's user id with Bob's session, and the reverse.
    await expect(answers(await forge({ ...claims, sid: bob.sessionId }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, sub: bob.userId }))).resolves.toEqual(REFUSED);
    // A session that does not exist, and a session id that is not a UUID.
    await expect(answers(await forge({ ...claims, sid: randomUUID() }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, sid: 'not-a-uuid' }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, sid: 42 }))).resolves.toEqual(REFUSED);
  });

  it('refuses a malformed Authorization value', async () => {
    const withAuthorization = (authorization: string) => ({ metadata: callMetadata({ authorization }) });
    for (const value of [
      `Basic ${Buffer.from('alice:password').toString('base64')}`,
      `Basic ${alice.access}`,
      'Bearer',
      'Bearer ',
      alice.access,
      `Token ${alice.access}`,
      `Bearer ${alice.access} extra`,
      `Bearer ${alice.access.replaceAll('.', '')}`,
      'Bearer not.a.jwt',
    ]) {
      await expect(answers(withAuthorization(value)), value.slice(0, 40)).resolves.toEqual(REFUSED);
    }
    await expect(answers({ metadata: callMetadata({}) })).resolves.toEqual(REFUSED);
    // Control: the same token in the right form passes.
    await expect(answers(withAuthorization(`Bearer ${alice.access}`))).resolves.toEqual(ACCEPTED);
  });
});

describe('expired tokens', () => {
  it('refuses a token the service signed once its exp has passed, except ValidateSession with allow_expired', async () => {
    const session = await signedIn();
    // 2 s, not 1: `exp` is whole seconds, so the token then lives at least 1 s, time enough for
    // the control below to see it unexpired.
    const { token, expiresAt } = await (
      await testSigner(svc.keys)
    ).sign({ userId: session.userId, sessionId: session.sessionId }, 2_000);
    expect(decodeJwt(token).exp).toBe(expiresAt.getTime() / 1000);
    await expect(answers(token)).resolves.toEqual(ACCEPTED);
    // jose treats a token as expired once the current whole second reaches `exp`.
    await until(() => Date.now() >= expiresAt.getTime(), 'the token to reach its exp', 5_000);
    await expect(answers(token)).resolves.toEqual(EXPIRED);
    const me = await svc.auth.validateSession({ allowExpired: true }, as(token));
    expect(me).toMatchObject({ userId: session.userId, sessionId: session.sessionId });
  });

  it('allow_expired accepts a correctly signed expired token only while its session is active', async () => {
    const session = await signedIn();
    const expired = await forge({ ...claimsOf(session.access), iat: nowSeconds() - 1_000, exp: nowSeconds() - 100 });
    await expect(answers(expired)).resolves.toEqual(EXPIRED);
    await svc.auth.logout({}, as(session.access));
    await expect(answers(expired)).resolves.toEqual(REFUSED);
  });

  it('allow_expired still refuses an expired token with alg none, a wrong key, another algorithm or claim', async () => {
    const session = await signedIn();
    const claims = { ...claimsOf(session.access), iat: nowSeconds() - 1_000, exp: nowSeconds() - 100 };
    await expect(answers(await forge(claims))).resolves.toEqual(EXPIRED); // control
    await expect(answers(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`)).resolves.toEqual(REFUSED);
    const other = (await privateKeySet(newKeyPair().privatePem)).signing!;
    await expect(answers(await forge(claims, { key: other.privateKey }))).resolves.toEqual(REFUSED);
    const publicKeyBytes = new TextEncoder().encode(svc.keys.publicPem);
    await expect(answers(await forge(claims, { alg: 'HS512', key: publicKeyBytes }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, iss: 'someone-else' }))).resolves.toEqual(REFUSED);
    await expect(answers(await forge({ ...claims, aud: 'another-audience' }))).resolves.toEqual(REFUSED);
  });
});

describe('tokens of ended sessions', () => {
  it('refuses the token of a session that logged out', async () => {
    const session = await signedIn();
    await expect(answers(session.access)).resolves.toEqual(ACCEPTED);
    await svc.auth.logout({}, as(session.access));
    await expect(answers(session.access)).resolves.toEqual(REFUSED);
    // A new token for the revoked session, well signed, is refused too.
    await expect(answers(await forge(claimsOf(session.access)))).resolves.toEqual(REFUSED);
  });

  it('refuses the token of a session revoked from another device', async () => {
    const account = newAccount('tok');
    const laptop = await svc.auth.register(account, as());
    const phone = await svc.auth.login(account, as());
    await expect(answers(laptop.tokens!.accessToken)).resolves.toEqual(ACCEPTED);
    await svc.auth.revokeSession({ sessionId: laptop.tokens!.sessionId }, as(phone.tokens?.accessToken));
    await expect(answers(laptop.tokens!.accessToken)).resolves.toEqual(REFUSED);
    await expect(answers(phone.tokens!.accessToken)).resolves.toEqual(ACCEPTED);
  });

  it('refuses every access token of a session revoked by spent refresh-token reuse', async () => {
    const session = await signedIn();
    const rotated = await svc.auth.refresh({ refreshToken: session.refresh, userAgent: '' }, as());
    await expect(answers(rotated.tokens!.accessToken)).resolves.toEqual(ACCEPTED);
    await expect(code(svc.auth.refresh({ refreshToken: session.refresh, userAgent: '' }, as()))).resolves.toBe(
      'UNAUTHENTICATED',
    );
    await expect(answers(session.access)).resolves.toEqual(REFUSED);
    await expect(answers(rotated.tokens!.accessToken)).resolves.toEqual(REFUSED);
  });
});
