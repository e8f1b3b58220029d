import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { accessTokenKeys, TOKEN_AUDIENCE, TOKEN_ISSUER, verifierKeys, type AccessTokenKeys } from '../jwt.js';
import { keyFile, newKeyPair, privateKeySet, publicKeySet, publicPemsOf } from '../jwt-keys.js';
import { createLogger } from '../logger.js';
import { testKeys, testSigner } from '../../test/support/keys.js';
import { until } from '../../test/support/wait.js';
import type { ServiceClient } from '../grpc/client.js';
import type { AuthServiceClient } from '../../proto/gen/auth/v1/auth.js';

const logger = createLogger('jwt-test', 'silent');
const subject = (n: number) => ({
  userId: `a0000000-0000-4000-8000-00000000000${n}`,
  sessionId: `b0000000-0000-4000-8000-00000000000${n}`,
});
/** A verifier reading JWT_PUBLIC_KEY_FILE, reloaded every `refreshMs`. */
const fileVerifier = (publicKeyFile: string, refreshMs = 3_600_000): AccessTokenKeys =>
  verifierKeys({ publicKeyFile, refreshMs }, undefined as unknown as ServiceClient<AuthServiceClient>, logger);

/** A token with every claim right, signed as given (the header too). */
function forged(header: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0]) {
  const { userId, sessionId } = subject(9);
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader(header as { alg: string })
    .setSubject(userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .setJti('j')
    .sign(key);
}

describe('access token verification', () => {
  it('remembers a verified token, and still refuses it once it has expired', { timeout: 10_000 }, async () => {
    const signer = await testSigner(testKeys());
    // exp is in whole seconds: 2 s from now is 1 to 2 s of validity.
    const { token, expiresAt } = await signer.sign(subject(1), 2_000);
    expect(await signer.verify(token)).toMatchObject(subject(1));
    expect(await signer.verify(token)).toMatchObject(subject(1));
    await until(() => Date.now() > expiresAt.getTime(), 'the token to expire', 5_000);
    expect(await signer.verify(token)).toBeUndefined();
    expect(await signer.verify(token, { allowExpired: true })).toMatchObject(subject(1));
  });

  it('verifies every other token afresh: a changed signature or payload, another key', async () => {
    const keys = testKeys();
    const signer = await testSigner(keys);
    const { token } = await signer.sign(subject(2), 60_000);
    expect(await signer.verify(token)).toMatchObject(subject(2));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    expect(await signer.verify(`${header}.${payload}.${flipped}`)).toBeUndefined();
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone' }),
    );
    expect(await signer.verify(`${header}.${other.toString('base64url')}.${signature}`)).toBeUndefined();
    // The same token against another key pair: each key set remembers only what it verified itself.
    expect(await (await testSigner(testKeys())).verify(token)).toBeUndefined();
    // A verifier with only the public key accepts it; it cannot sign.
    const verifier = fileVerifier(keys.publicKeyFile);
    expect(await verifier.verify(token)).toMatchObject(subject(2));
    expect('sign' in verifier).toBe(false);
  });

  it('refuses tokens signed by any key but the published ones, whatever their header claims', async () => {
    const keys = testKeys();
    const verifier = fileVerifier(keys.publicKeyFile);
    const { signing } = await privateKeySet(newKeyPair().privatePem);
    const { kid } = (await privateKeySet(readFileSync(keys.privateKeyFile, 'utf8'))).signing!;
    // Another Ed25519 key, under the real key's id and under its own.
    expect(await verifier.verify(await forged({ alg: 'EdDSA', kid }, signing!.privateKey))).toBeUndefined();
    expect(
      await verifier.verify(await forged({ alg: 'EdDSA', kid: signing!.kid }, signing!.privateKey)),
    ).toBeUndefined();
    // HS256 keyed with the public key's own bytes (algorithm confusion), and no signature at all.
    const hmac = new TextEncoder().encode(keys.publicPem);
    expect(await verifier.verify(await forged({ alg: 'HS256', kid }, hmac))).toBeUndefined();
    const payload = (await forged({ alg: 'HS256', kid }, hmac)).split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${payload}.`;
    expect(await verifier.verify(none)).toBeUndefined();
    // No kid: refused, not guessed.
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(await verifier.verify(await forged({ alg: 'EdDSA' }, privateKey))).toBeUndefined();
  });

  it('rotates: a new key signs, the old one verifies until retired, and retiring it is announced', async () => {
    const keys = testKeys();
    const signer = await testSigner(keys);
    const verifier = fileVerifier(keys.publicKeyFile, 100);
    const retired: string[][] = [];
    verifier.onRetired((ids) => retired.push(ids));
    const old = await signer.sign(subject(3), 60_000);
    const oldClaims = await verifier.verify(old.token);
    expect(oldClaims).toMatchObject(subject(3));

    // Rotation: the new key first in the private file (it signs), the old one kept after it.
    const next = newKeyPair();
    writeFileSync(keys.publicKeyFile, next.publicPem + keys.publicPem);
    writeFileSync(keys.privateKeyFile, next.privatePem + keys.privatePem);
    const nextKid = (await privateKeySet(next.privatePem)).signing!.kid;
    const fresh = await testSigner(keys);
    const rotated = await fresh.sign(subject(4), 60_000);
    expect(await verifier.verify(rotated.token)).toMatchObject({ ...subject(4), keyId: nextKid });
    expect(await verifier.verify(old.token)).toMatchObject(subject(3));

    // Retirement: the old key leaves both files; its tokens are refused from the next reload on.
    writeFileSync(keys.publicKeyFile, next.publicPem);
    writeFileSync(keys.privateKeyFile, next.privatePem);
    await until(() => retired.length > 0, 'the retirement to be announced', 5_000);
    expect(retired).toEqual([[oldClaims!.keyId]]);
    expect(await verifier.verify(old.token)).toBeUndefined();
    expect(verifier.accepts(oldClaims!.keyId)).toBe(false);
    expect(await verifier.verify(rotated.token)).toMatchObject(subject(4));
    verifier.stop();
  });

  it('loads the keys again for an unknown kid, at most once a second however many ask', async () => {
    const keys = testKeys();
    let loads = 0;
    const load = keyFile(keys.publicKeyFile, publicKeySet);
    const verifier = accessTokenKeys({ load: () => (loads++, load()), refreshMs: 3_600_000, logger, source: 'test' });
    const next = newKeyPair();
    const nextKeys = { ...testKeys(), privateKeyFile: keys.privateKeyFile };
    writeFileSync(nextKeys.privateKeyFile, next.privatePem);
    const token = (await (await testSigner(nextKeys)).sign(subject(5), 60_000)).token;
    // Not in the file yet: refused, after one load more.
    expect(await verifier.verify(token)).toBeUndefined();
    expect(loads).toBe(2);
    // Fifty tokens of made-up keys at once: one load more, shared.
    const made = await Promise.all(
      Array.from({ length: 50 }, async () =>
        forged({ alg: 'EdDSA', kid: randomUUID() }, (await privateKeySet(newKeyPair().privatePem)).signing!.privateKey),
      ),
    );
    expect(await Promise.all(made.map((t) => verifier.verify(t)))).toEqual(made.map(() => undefined));
    expect(loads).toBe(3);
    // The key is published: the next token of it loads the keys again and is accepted.
    writeFileSync(keys.publicKeyFile, publicPemsOf(next.privatePem));
    expect(await verifier.verify(token)).toMatchObject(subject(5));
    expect(loads).toBe(4);
    verifier.stop();
  });

  it('answers UNAVAILABLE, not "invalid", while no key could ever be loaded', async () => {
    const verifier = accessTokenKeys({
      load: () => Promise.reject(new Error('auth-service is down')),
      refreshMs: 3_600_000,
      logger,
      source: 'test',
    });
    const token = (await (await testSigner(testKeys())).sign(subject(6), 60_000)).token;
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    verifier.stop();
  });

  it('tries a failed first load again soon, once at a time, and stops when stopped', async () => {
    const keys = testKeys();
    const kid = (await privateKeySet(keys.privatePem)).signing!.kid;
    let loads = 0;
    const load = keyFile(keys.publicKeyFile, publicKeySet);
    // auth-service answers from the third ask on, as one that starts after its verifiers.
    const verifier = accessTokenKeys({
      load: () => (++loads < 3 ? Promise.reject(new Error('not listening yet')) : load()),
      refreshMs: 3_600_000,
      logger,
      source: 'test',
    });
    await until(() => verifier.accepts(kid), 'the keys to be loaded without any token asking', 5_000);
    expect(loads).toBe(3);
    verifier.stop();

    let failing = 0;
    const down = accessTokenKeys({
      load: () => (failing++, Promise.reject(new Error('down'))),
      refreshMs: 3_600_000,
      logger,
      source: 'test',
    });
    await until(() => failing >= 2, 'a retry');
    down.stop();
    const after = failing;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(failing).toBe(after);
  });

  it('reads public keys as PEM or as a JWKS document, and refuses other key types', async () => {
    const { privatePem, publicPem } = newKeyPair();
    const fromPem = await publicKeySet(publicPem);
    const fromJwks = await publicKeySet(JSON.stringify({ keys: (await privateKeySet(privatePem)).published }));
    expect([...fromJwks.verifying.keys()]).toEqual([...fromPem.verifying.keys()]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' });
    await expect(publicKeySet(rsa.toString())).rejects.toThrow(/expected Ed25519 keys, found rsa/);
    await expect(privateKeySet(publicPem)).rejects.toThrow(/no PEM "PRIVATE KEY" block/);
  });
});
