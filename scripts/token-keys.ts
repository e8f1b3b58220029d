import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { newKeyPair, privateKeySet, publicPemsOf } from '../lib/jwt-keys.js';

/**
 * The token key files (docs/security.md, "Token keys"): auth-service's PEM file of Ed25519 private
 * keys, the first of which signs, and the matching file of public keys the other processes read.
 */
export interface KeyFiles {
  privateKeyFile: string;
  /** Rewritten with the private file when given. */
  publicKeyFile?: string | undefined;
}

/** Where embedded mode keeps its key pair: DATA_DIR, beside the database. */
export const embeddedKeyFiles = (dataDir: string): Required<KeyFiles> => ({
  privateKeyFile: join(resolve(dataDir), 'jwt-private-key.pem'),
  publicKeyFile: join(resolve(dataDir), 'jwt-public-key.pem'),
});

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/g;

/** Replaces a file in one step (a reader sees the old or the new content, never half of it). */
async function replace(path: string, content: string, mode: number) {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'wx' });
  await rename(temporary, path);
}

/** Writes both files: the public one first, so verifiers know a new key before it signs anything. */
async function write(files: KeyFiles, privatePem: string) {
  await privateKeySet(privatePem); // refuses to write anything auth-service could not load
  if (files.publicKeyFile) await replace(files.publicKeyFile, publicPemsOf(privatePem), 0o644);
  await replace(files.privateKeyFile, privatePem, 0o600);
}

const blocksOf = async (files: KeyFiles) => (await readFile(files.privateKeyFile, 'utf8')).match(PEM_BLOCK) ?? [];

/** Creates a key pair when there is no private key file yet (and the public file when missing). */
export async function ensureKeyPair(files: KeyFiles): Promise<void> {
  const existing = await readFile(files.privateKeyFile, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    const { privatePem } = newKeyPair();
    // `wx`: two launchers starting at once keep one key, the first written.
    await writeFile(files.privateKeyFile, privatePem, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  }
  if (files.publicKeyFile) {
    const privatePem = await readFile(files.privateKeyFile, 'utf8');
    const publicPem = await readFile(files.publicKeyFile, 'utf8').catch(() => '');
    if (publicPem !== publicPemsOf(privatePem)) await replace(files.publicKeyFile, publicPemsOf(privatePem), 0o644);
  }
}

/** A new key signs from now on; the ones before it still verify until retired. */
export async function rotateKeys(files: KeyFiles): Promise<void> {
  await write(files, newKeyPair().privatePem + (await blocksOf(files)).join(''));
}

/** Only the signing key is kept: tokens of every older key are refused from the next reload on. */
export async function retireKeys(files: KeyFiles): Promise<number> {
  const blocks = await blocksOf(files);
  await write(files, blocks[0] ?? '');
  return blocks.length - 1;
}

/** The key ids in the private file, the signing one first. */
export async function keyIds(files: KeyFiles): Promise<string[]> {
  const set = await privateKeySet(await readFile(files.privateKeyFile, 'utf8'));
  return [...set.verifying.keys()];
}
