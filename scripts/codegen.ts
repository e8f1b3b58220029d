// `npm run codegen` regenerates the committed generated code: ts-proto stubs (buf generate) and
// the gateway's GraphQL resolver types and the web client's operation types (GraphQL Code
// Generator), and the web client's persisted-documents manifest. With `--check` it generates into
// a scratch copy and fails when anything differs from what is committed.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { printSchema } from 'graphql';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED = ['proto/gen', 'gateway/src/generated', 'web/src/graphql', 'schema.graphql'];
const check = process.argv.includes('--check');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

/**
 * The gateway's whole SDL in one file, for other clients' codegen (Apollo, urql Graphcache's
 * schema awareness, …): schema/*.graphql merged, with descriptions and deprecations.
 */
function writeSchema(cwd: string) {
  const dir = join(cwd, 'schema');
  const typeDefs = readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'));
  const header = '# The GraphQL schema the gateway serves, generated from schema/*.graphql by `npm run codegen`.\n';
  writeFileSync(join(cwd, 'schema.graphql'), header + printSchema(makeExecutableSchema({ typeDefs })));
}

function generate(cwd: string) {
  for (const dir of GENERATED) rmSync(join(cwd, dir), { recursive: true, force: true });
  execFileSync(bin('buf'), ['lint'], { cwd, stdio: 'inherit' });
  execFileSync(bin('buf'), ['generate'], { cwd, stdio: 'inherit' });
  execFileSync(bin('graphql-codegen'), ['--config', 'codegen.yml', '--silent'], { cwd, stdio: 'inherit' });
  writeSchema(cwd);
  execFileSync(bin('prettier'), ['--write', '--log-level', 'warn', ...GENERATED], { cwd, stdio: 'inherit' });
}

if (!check) {
  generate(ROOT);
} else {
  const scratch = mkdtempSync(join(tmpdir(), 'codegen-'));
  try {
    for (const entry of [
      'proto',
      'schema',
      'gateway',
      'web',
      'buf.yaml',
      'buf.gen.yaml',
      'codegen.yml',
      '.prettierrc.json',
    ]) {
      cpSync(join(ROOT, entry), join(scratch, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));
    generate(scratch);
    const stale = GENERATED.filter((dir) => {
      try {
        execFileSync('diff', ['-r', join(ROOT, dir), join(scratch, dir)], { stdio: 'inherit' });
        return false;
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      process.stderr.write(`generated code is out of date in: ${stale.join(', ')}; run npm run codegen\n`);
      process.exit(1);
    }
    process.stdout.write('generated code is up to date\n');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
