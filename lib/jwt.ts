import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWK } from 'jose';
import { unavailable } from './errors.js';
import { keyFile, privateKeySet, publicKeySet, type KeySet } from './jwt-keys.js';
import type { ServiceClient } from './grpc/client.js';
import { callMetadata } from './grpc/metadata.js';
import type { Logger } from './logger.js';
import type { AuthServiceClient } from '../proto/gen/auth/v1/auth.js';

/** Claims every access token carries, fixed by the auth model (docs/architecture.md). */
export const TOKEN_ISSUER = 'messenger-auth';
export const TOKEN_AUDIENCE = 'messenger';
/** Ed25519 signatures (RFC 8037); every other algorithm, `none` and HS256 included, is refused. */
const ALGORITHM = 'EdDSA';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
  /** The `kid` of the key that signed the token: once that key is retired, the token is refused. */
  keyId: string;
}

export interface AccessTokenKeys {
  /**
   * Verifies signature (EdDSA with a current key, chosen by the token's `kid`), issuer, audience
   * and the required claims. With `allowExpired`, a token past its `exp` passes; every other check
   * still applies. Returns undefined for any token that fails.
   */
  verify(token: string, options?: { allowExpired?: boolean }): Promise<AccessClaims | undefined>;
  /** Whether tokens signed by `keyId` are accepted now (false once that key is retired). */
  accepts(keyId: string): boolean;
  /** Calls `listener` with the key ids a refresh found retired; returns its removal. */
  onRetired(listener: (keyIds: string[]) => void): () => void;
  stop(): void;
}

export interface AccessTokenSigner extends AccessTokenKeys {
  /** Signs with the current signing key (the first of auth-service's private keys). */
  sign(subject: { userId: string; sessionId: string }, ttlMs: number): Promise<{ token: string; expiresAt: Date }>;
  /** The public half of every key that still verifies, as a JWKS document (RFC 7517). */
  publicKeys(): { keys: JWK[] };
}

/** Tokens whose signature and claims were verified, kept for their next use. */
const VERIFIED_MAX = 20_000;
/** An unknown `kid` loads the keys again at most this often (tokens of a new key arrive first). */
const UNKNOWN_KID_RELOAD_MS = 1_000;

/**
 * Access tokens verified against the keys `load` returns, reloaded every `refreshMs` (files are
 * read again, auth-service is asked again) and as soon as a token names an unknown `kid`. A key
 * that is gone after a reload is retired: its tokens are refused from then on, and `onRetired`
 * listeners end what rests on them (subscriptions).
 *
 * A load that fails keeps the keys of the last one that worked; until one has worked, `verify`
 * throws UNAVAILABLE.
 */
export function accessTokenKeys(options: {
  load: () => Promise<KeySet>;
  refreshMs: number;
  logger: Logger;
  /** What the keys come from, for log lines. */
  source: string;
}): AccessTokenKeys & { current(): KeySet | undefined } {
  const { load, refreshMs, logger, source } = options;
  let keys: KeySet | undefined;
  let loading: Promise<void> | undefined;
  let lastLoad = 0;
  /** While no key was ever loaded: the one pending retry, and the pause before the next. */
  let retry: NodeJS.Timeout | undefined;
  let firstRetryMs = 250;
  let stopped = false;
  const retiredListeners = new Set<(keyIds: string[]) => void>();

  function reload(): Promise<void> {
    loading ??= (async () => {
      lastLoad = Date.now();
      try {
        const next = await load();
        const retired = keys ? [...keys.verifying.keys()].filter((kid) => !next.verifying.has(kid)) : [];
        const added = [...next.verifying.keys()].filter((kid) => !keys?.verifying.has(kid));
        keys = next;
        if (added.length > 0 || retired.length > 0) logger.info({ source, added, retired }, 'token keys loaded');
        if (retired.length > 0) for (const listener of retiredListeners) listener(retired);
      } catch (error) {
        logger.warn({ err: error, source }, 'cannot load the token keys; keeping the last ones');
        // None yet (auth-service is starting too): try again soon rather than at the next refresh.
        if (!keys && !stopped && !retry) {
          retry = setTimeout(() => {
            retry = undefined;
            void reload();
          }, firstRetryMs).unref();
          firstRetryMs = Math.min(firstRetryMs * 2, refreshMs);
        }
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  }

  const timer = setInterval(() => void reload(), refreshMs);
  timer.unref();
  void reload();

  /**
   * A client sends the same token with every call, and every service call checks it: a token
   * whose signature, issuer, audience and claims were verified once is remembered (by its exact
   * text, so nothing unverified can match) and only its `exp` and key are checked again. Least
   * recently used first out.
   */
  const verified = new Map<string, AccessClaims>();
  const remember = (token: string, claims: AccessClaims) => {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  };

  /** The next reload, no sooner than UNKNOWN_KID_RELOAD_MS after the last: callers share it. */
  let soon: Promise<void> | undefined;
  function reloadSoon(): Promise<void> {
    soon ??= new Promise<void>((resolve) => {
      const wait = Math.max(0, lastLoad + UNKNOWN_KID_RELOAD_MS - Date.now());
      setTimeout(() => {
        soon = undefined;
        void reload().then(resolve);
      }, wait).unref();
    });
    return soon;
  }

  async function keyFor(kid: string): Promise<KeyObject | undefined> {
    if (loading) await loading;
    let key = keys?.verifying.get(kid);
    if (!key) {
      // A new key signs before every verifier has loaded it: load again (at most once a second,
      // so that made-up key ids cannot turn every request into a load).
      await reloadSoon();
      key = keys?.verifying.get(kid);
    }
    // No key was ever loaded (auth-service unreachable since the start): that says nothing about
    // the token, and must not send its client signing in again.
    if (!keys) throw unavailable('cannot verify access tokens yet: the token keys are not loaded; try again');
    return key;
  }

  return {
    current: () => keys,
    accepts: (keyId) => keys?.verifying.has(keyId) ?? false,
    onRetired(listener) {
      retiredListeners.add(listener);
      return () => retiredListeners.delete(listener);
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(retry);
      retiredListeners.clear();
    },
    async verify(token, { allowExpired = false } = {}) {
      const known = verified.get(token);
      if (known) {
        if (!keys?.verifying.has(known.keyId)) {
          verified.delete(token);
          return undefined;
        }
        verified.delete(token);
        verified.set(token, known);
        return allowExpired || known.expiresAt.getTime() > Date.now() ? known : undefined;
      }
      try {
        const { kid } = decodeProtectedHeader(token);
        if (typeof kid !== 'string') return undefined;
        const key = await keyFor(kid);
        if (!key) return undefined;
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
        const claims = { userId: sub, sessionId: sid, expiresAt: new Date(exp * 1000), keyId: kid };
        remember(token, claims);
        return claims;
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
        throw error;
      }
    },
  };
}

/**
 * auth-service's keys: `load` returns its private keys, the first of which signs; every key in the
 * set verifies and is published (`publicKeys`) for the other processes.
 */
export async function accessTokenSigner(options: Parameters<typeof accessTokenKeys>[0]): Promise<AccessTokenSigner> {
  // The first load must work: auth-service cannot start without a key to sign with.
  const first = await options.load();
  if (!first.signing) throw new Error(`${options.source}: holds no private key to sign with`);
  const keys = accessTokenKeys(options);
  const signing = () => keys.current()?.signing ?? first.signing!;
  return {
    ...keys,
    publicKeys: () => ({ keys: [...(keys.current() ?? first).published] }),
    async sign({ userId, sessionId }, ttlMs) {
      const { kid, privateKey } = signing();
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAtSeconds = issuedAt + Math.max(1, Math.round(ttlMs / 1000));
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', kid })
        .setSubject(userId)
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },
  };
}

/** The JWT_* settings of a process that verifies tokens (docs/security.md, "Token keys"). */
export interface VerifierKeySettings {
  /** JWT_PUBLIC_KEY_FILE: a JWKS document or PEM public keys; unset, auth-service is asked. */
  publicKeyFile: string | undefined;
  /** JWT_KEYS_REFRESH: how often the keys are loaded again. */
  refreshMs: number;
}

/**
 * A verifier's keys: from JWT_PUBLIC_KEY_FILE when set (the process then starts and verifies while
 * auth-service is down), else from auth-service's GetPublicKeys, asked at once and again until it
 * answers.
 */
export function verifierKeys(
  settings: VerifierKeySettings,
  auth: ServiceClient<AuthServiceClient>,
  logger: Logger,
): AccessTokenKeys {
  const { publicKeyFile, refreshMs } = settings;
  if (publicKeyFile) {
    return accessTokenKeys({
      load: keyFile(publicKeyFile, publicKeySet),
      source: `JWT_PUBLIC_KEY_FILE (${publicKeyFile})`,
      refreshMs,
      logger,
    });
  }
  return accessTokenKeys({
    load: async () =>
      publicKeySet((await auth.unary.getPublicKeys({}, { metadata: callMetadata({ requestId: randomUUID() }) })).jwks),
    source: 'auth-service GetPublicKeys',
    refreshMs,
    logger,
  });
}

/** auth-service's keys, from JWT_PRIVATE_KEY_FILE (read again every `refreshMs`). */
export function signerKeys(privateKeyFile: string, refreshMs: number, logger: Logger): Promise<AccessTokenSigner> {
  return accessTokenSigner({
    load: keyFile(privateKeyFile, privateKeySet),
    source: `JWT_PRIVATE_KEY_FILE (${privateKeyFile})`,
    refreshMs,
    logger,
  });
}

/**
 * The `kid` of a bearer token's header, read without verifying: only for a token some service has
 * verified already (to know which live things rest on a key that gets retired).
 */
export function keyIdOf(authorization: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(authorization.replace(/^Bearer\s+/i, ''));
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
