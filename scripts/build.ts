// `npm run build`: every process compiled to JavaScript in dist/, for `NODE_ENV=production npm
// start`, the image and the manifests, which run it with plain `node` (no TypeScript at run time).
//
// dist/ mirrors the repository (dist/services/auth/src/index.js, dist/scripts/start.js, …), so
// that what the code reads relative to itself is found there too:
// - proto/**/*.proto: gRPC server reflection loads them (lib/grpc/server.ts);
// - schema/*.graphql: the gateway's SDL (gateway/src/schema.ts);
// - web/dist: the built web client, the gateway's default WEB_ROOT (gateway/src/config.ts);
// - web/src/graphql/*.json: the web client's trusted documents, the gateway's default
//   TRUSTED_DOCUMENTS_FILE (gateway/src/config.ts).
// Migrations are TypeScript classes listed in migrations/*/index.ts, compiled with the rest;
// GraphiQL's page comes from node_modules (@graphql-yoga/render-graphiql).
//
// `npm run build -- <folder>` builds into another folder (the build test does).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_OUT_DIR = join(ROOT, 'dist');

/** Builds into `outDir` (emptied first); returns what it holds besides JavaScript. */
export async function build(outDir = DEFAULT_OUT_DIR): Promise<{ web: string[] }> {
  await rm(outDir, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.build.json'),
      '--outDir',
      outDir,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit code ${tsc.status})`);
  const copy = (from: string, extension: string) =>
    cp(join(ROOT, from), join(outDir, from), {
      recursive: true,
      // Folders pass (their files are filtered one by one); the generated stubs are compiled already.
      filter: (path) =>
        path !== join(ROOT, 'proto', 'gen') && (statSync(path).isDirectory() || path.endsWith(extension)),
    });
  await copy('proto', '.proto');
  await copy('schema', '.graphql');
  await copy('web/src/graphql', '.json');
  const web = await buildWeb(join(outDir, 'web', 'dist'));
  return { web };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  try {
    const { web } = await build(outDir);
    const shown = relative(process.cwd(), outDir) || '.';
    process.stdout.write(
      `built into ${shown}: ${shown}/scripts/start.js (the launcher), ${shown}/web/dist (${web.join(', ')})\n` +
        `run it with: NODE_ENV=production npm start\n`,
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
