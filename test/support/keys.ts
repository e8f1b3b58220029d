import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signerKeys, type AccessTokenSigner } from '../../lib/jwt.js';
import { newKeyPair } from '../../lib/jwt-keys.js';
import { createLogger } from '../../lib/logger.js';
import { leftover } from './leftovers.js';

export interface TestKeys {
  /** PEM file of the private key (auth-service's JWT_PRIVATE_KEY_FILE). */
  privateKeyFile: string;
  /** PEM file of its public key (a verifier's JWT_PUBLIC_KEY_FILE). */
  publicKeyFile: string;
  privatePem: string;
  publicPem: string;
}

/** A new Ed25519 key pair in files of a temporary folder of its own, removed after the file's tests. */
export function testKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'messenger-keys-'));
  leftover(() => rmSync(dir, { recursive: true, force: true }));
  const { privatePem, publicPem } = newKeyPair();
  const privateKeyFile = join(dir, 'private.pem');
  const publicKeyFile = join(dir, 'public.pem');
  writeFileSync(privateKeyFile, privatePem, { mode: 0o600 });
  writeFileSync(publicKeyFile, publicPem);
  return { privateKeyFile, publicKeyFile, privatePem, publicPem };
}

/** Signs tokens as auth-service would with `keys` (for expired or otherwise crafted tokens). */
export function testSigner(keys: Pick<TestKeys, 'privateKeyFile'>): Promise<AccessTokenSigner> {
  return signerKeys(keys.privateKeyFile, 3_600_000, createLogger('test-signer', 'silent'));
}
