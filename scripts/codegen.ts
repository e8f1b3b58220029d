// `npm run codegen` regenerates the committed generated code: ts-proto stubs (buf generate) and
// the gateway's GraphQL resolver types and the web client's operation types (GraphQL Code
// Generator), and the web client's persisted-documents manifest. With `--check` it generates into
// a scratch copy and fails when anything differs from what is committed.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GENERATED = ['proto/gen', 'gateway/src/generated', 'web/src/graphql'];
const check = process.argv.includes('--check');
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

function generate(cwd: string) {
  for (const dir of GENERATED) rmSync(join(cwd, dir), { recursive: true, force: true });
  execFileSync(bin('buf'), ['lint'], { cwd, stdio: 'inherit' });
  execFileSync(bin('buf'), ['generate'], { cwd, stdio: 'inherit' });
  execFileSync(bin('graphql-codegen'), ['--config', 'codegen.yml', '--silent'], { cwd, stdio: 'inherit' });
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
