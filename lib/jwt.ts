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

export function accessTokenKeys(secret: string): AccessTokenKeys {
  const key = new TextEncoder().encode(secret);
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
        .sign(key);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },
    async verify(token, { allowExpired = false } = {}) {
      try {
        const { payload } = await jwtVerify(token, key, {
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
        return { userId: sub, sessionId: sid, expiresAt: new Date(exp * 1000) };
      } catch (error) {
        if (error instanceof errors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}
