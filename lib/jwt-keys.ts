import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, type JWK } from 'jose';

/**
 * The keys of access tokens (docs/security.md, "Token keys"). auth-service holds Ed25519 private
 * keys in one PEM file, the first of which signs; every process verifies with the public halves,
 * read from a file or asked of auth-service (GetPublicKeys, a JWKS document). A key's id (`kid`)
 * is its RFC 7638 thumbprint, so no file has to name it and every process derives the same one.
 */
export interface KeySet {
  /** kid → public key: the keys tokens are accepted from. */
  verifying: Map<string, KeyObject>;
  /** The same keys as JWKs, for GetPublicKeys. */
  published: JWK[];
  /** The key that signs (auth-service only). */
  signing?: { kid: string; privateKey: KeyObject };
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g;

async function entryOf(publicKey: KeyObject): Promise<{ kid: string; jwk: JWK }> {
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`expected Ed25519 keys, found ${publicKey.asymmetricKeyType ?? 'a symmetric key'}`);
  }
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, jwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' } };
}

async function setOf(publicKeys: KeyObject[], signing?: KeyObject): Promise<KeySet> {
  const set: KeySet = { verifying: new Map(), published: [] };
  for (const publicKey of publicKeys) {
    const { kid, jwk } = await entryOf(publicKey);
    if (set.verifying.has(kid)) continue;
    set.verifying.set(kid, publicKey);
    set.published.push(jwk);
  }
  if (signing) set.signing = { kid: set.published[0]!.kid!, privateKey: signing };
  return set;
}

/** PKCS#8 Ed25519 private keys in PEM, one or more; the first signs. */
export async function privateKeySet(pem: string): Promise<KeySet> {
  const privateKeys = [...pem.matchAll(PEM_BLOCK)]
    .filter(([, label]) => label === 'PRIVATE KEY')
    .map(([block]) => createPrivateKey(block));
  if (privateKeys.length === 0) throw new Error('holds no PEM "PRIVATE KEY" block');
  return setOf(
    privateKeys.map((key) => createPublicKey(key)),
    privateKeys[0],
  );
}

/** Public keys: a JWKS document (`{"keys": [...]}`), or PEM "PUBLIC KEY" blocks. */
export async function publicKeySet(text: string): Promise<KeySet> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const { keys } = JSON.parse(trimmed) as { keys?: JWK[] };
    if (!Array.isArray(keys) || keys.length === 0) throw new Error('is a JSON document without "keys"');
    return setOf(
      keys.map(({ kty, crv, x }) =>
        createPublicKey({ key: { kty: String(kty), crv: String(crv), x: String(x) }, format: 'jwk' }),
      ),
    );
  }
  const blocks = [...trimmed.matchAll(PEM_BLOCK)].filter(([, label]) => label === 'PUBLIC KEY');
  if (blocks.length === 0) throw new Error('holds neither a JWKS document nor a PEM "PUBLIC KEY" block');
  return setOf(blocks.map(([block]) => createPublicKey(block)));
}

/** Loads a file's keys on every call (so that edits to it are picked up by the next reload). */
export const keyFile = (path: string, parse: (text: string) => Promise<KeySet>) => async () =>
  parse(await readFile(path, 'utf8'));

/** A new Ed25519 key pair in PEM: PKCS#8 private, SPKI public. */
export function newKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** The PEM "PUBLIC KEY" blocks of every private key in `privatePem`, in the same order. */
export function publicPemsOf(privatePem: string): string {
  return [...privatePem.matchAll(PEM_BLOCK)]
    .filter(([, label]) => label === 'PRIVATE KEY')
    .map(([block]) => createPublicKey(createPrivateKey(block)).export({ format: 'pem', type: 'spki' }).toString())
    .join('');
}
