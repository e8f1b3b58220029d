// Token keys for operators (docs/security.md, "Token keys"):
//   npm run keys                                       creates a key pair when there is none; lists the keys
//   npm run keys -- rotate [private.pem [public.pem]]  a new key signs; older ones still verify
//   npm run keys -- retire [private.pem [public.pem]]  only the signing key is kept
// Without paths: JWT_PRIVATE_KEY_FILE / JWT_PUBLIC_KEY_FILE, else embedded mode's files in DATA_DIR.
// Running processes pick a change up at their next reload (JWT_KEYS_REFRESH): no restart.
import { configOrExit, loadEnv } from '../lib/env.js';
import { keysEnvSchema } from './config.js';
import { embeddedKeyFiles, ensureKeyPair, keyIds, retireKeys, rotateKeys, type KeyFiles } from './token-keys.js';

const config = configOrExit(() => loadEnv(keysEnvSchema));
const [command = 'init', privateArg, publicArg] = process.argv.slice(2);

function filesOf(): KeyFiles {
  if (privateArg) return { privateKeyFile: privateArg, publicKeyFile: publicArg };
  if (config.JWT_PRIVATE_KEY_FILE) {
    return { privateKeyFile: config.JWT_PRIVATE_KEY_FILE, publicKeyFile: config.JWT_PUBLIC_KEY_FILE };
  }
  return embeddedKeyFiles(config.DATA_DIR);
}

const files = filesOf();
switch (command) {
  case 'init':
    await ensureKeyPair(files);
    break;
  case 'rotate':
    await rotateKeys(files);
    break;
  case 'retire':
    process.stdout.write(`retired ${await retireKeys(files)} key(s)\n`);
    break;
  default:
    process.stderr.write('usage: npm run keys -- [init|rotate|retire] [private.pem [public.pem]]\n');
    process.exit(2);
}
const [signing, ...older] = await keyIds(files);
process.stdout.write(`${files.privateKeyFile}\n  signing: ${signing}\n`);
for (const kid of older) process.stdout.write(`  verifying only: ${kid}\n`);
if (files.publicKeyFile) process.stdout.write(`public keys: ${files.publicKeyFile}\n`);
