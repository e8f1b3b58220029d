// Builds the web client (web/src) into a folder the gateway serves: index.html plus
// content-hashed assets, so browsers may cache assets forever and always fetch a fresh
// index.html. esbuild bundles TypeScript, JSX and CSS in well under a second, so `npm start`
// builds on every start and nothing built is committed.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_SOURCE = join(ROOT, 'web');
export const DEFAULT_WEB_ROOT = join(ROOT, 'web', 'dist');

/** Builds the client into `outDir` (emptied first); returns the asset file names. */
export async function buildWeb(outDir = DEFAULT_WEB_ROOT, { minify = true } = {}): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(WEB_SOURCE, 'src', 'main.tsx') },
    outdir: outDir,
    entryNames: 'assets/[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16.4'],
    jsx: 'automatic',
    minify,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': minify ? '"production"' : '"development"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(outDir, file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const style = outputs.find((file) => file.endsWith('.css'));
  if (!script || !style) throw new Error(`web build produced no script or stylesheet: ${outputs.join(', ')}`);
  const template = await readFile(join(WEB_SOURCE, 'index.html'), 'utf8');
  const html = template
    .replace('<!-- stylesheet -->', `<link rel="stylesheet" href="/${style}">`)
    .replace('<!-- script -->', `<script type="module" src="/${script}"></script>`);
  await writeFile(join(outDir, 'index.html'), html);
  return outputs.filter((file) => !file.endsWith('.map')).map((file) => basename(file));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? DEFAULT_WEB_ROOT;
  const files = await buildWeb(outDir, { minify: !process.argv.includes('--dev') });
  process.stdout.write(`web client built into ${relative(process.cwd(), outDir) || '.'}: ${files.join(', ')}\n`);
}
