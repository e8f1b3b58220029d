import { randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';

/** Claims every access token carries, fixed by the design's auth model. */
export const TOKEN_ISSUER = 'messenger-auth';
export const TOKEN_AUDIENCE = 'messenger';
const ALGORITHM = 'HS256';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

export interface AccessTokenKeys {
  sign(subject: { userId: string; sessionId: string }, ttlMs: number): Promise<{ token: string; expiresAt: Date }>;
  /**
   * Verifies signature (HS256 only: `none` and every other algorithm are refused), issuer,
   * audience and the required claims. With `allowExpired`, a token past its `exp` passes; every
   * other check still applies. Returns undefined for any token that fails.
   */
  verify(token: string, options?: { allowExpired?: boolean }): Promise<AccessClaims | undefined>;
}

/** Tokens whose signature and claims were verified, kept for their next use. */
const VERIFIED_MAX = 20_000;

export function accessTokenKeys(secret: string): AccessTokenKeys {
  const raw = new TextEncoder().encode(secret);
  // Imported once: given raw bytes, jose imports a WebCrypto key on every call.
  const key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  /**
   * A client sends the same token with every call, and every service call checks it: a token
   * whose signature, issuer, audience and claims were verified once is remembered (by its exact
   * text, so nothing unverified can match) and only its `exp` is checked again. Least recently
   * used first out.
   */
  const verified = new Map<string, AccessClaims>();
  const remember = (token: string, claims: AccessClaims) => {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  };
  return {
    async sign({ userId, sessionId }, ttlMs) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAtSeconds = issuedAt + Math.max(1, Math.round(ttlMs / 1000));
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .setJti(randomUUID())
        .sign(await key);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },
    async verify(token, { allowExpired = false } = {}) {
      const known = verified.get(token);
      if (known) {
        verified.delete(token);
        verified.set(token, known);
        return allowExpired || known.expiresAt.getTime() > Date.now() ? known : undefined;
      }
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: [ALGORITHM],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          requiredClaims: ['sub', 'sid', 'iat', 'exp', 'jti'],
          // jose compares `exp` with this date; the epoch lets an expired token through while
          // signature, issuer, audience and claim presence are still checked.
          ...(allowExpired ? { currentDate: new Date(0) } : {}),
        });
        const { sub, sid, exp } = payload;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return undefined;
        const claims = { userId: sub, sessionId: sid, expiresAt: new Date(exp * 1000) };
        remember(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}
