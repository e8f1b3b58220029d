import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftover } from './support/leftovers.js';

/**
 * The contract check (scripts/contracts.ts), run for real (tsx, the gateway's schema, buf) in
 * copies of the sources: breaking changes to the GraphQL schema and the protos fail it, additions
 * pass, and a break passes once recorded with a reason. The copies start from a snapshot of the
 * code as it is, so what is tested is the mechanism, not the committed snapshot (CI checks that
 * one with `npm run contracts:check`).
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// What the script and the schema it builds read; node_modules is linked, not copied.
const SOURCES = [
  'scripts',
  'gateway',
  'lib',
  'proto',
  'schema',
  'buf.yaml',
  'package.json',
  'tsconfig.json',
  '.prettierrc.json',
];

const scratch = mkdtempSync(join(tmpdir(), 'contracts-'));
leftover(() => rmSync(scratch, { recursive: true, force: true }));
const template = join(scratch, 'template');
let copies = 0;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function contracts(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/contracts.ts', ...args],
      { cwd: dir, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A fresh copy of the template, whose snapshot matches its code. */
function copy(): string {
  const dir = join(scratch, `copy-${++copies}`);
  cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** Replaces `pattern` in a file of `dir`, failing when it is not there (the sources moved on). */
function edit(dir: string, file: string, pattern: RegExp, replacement: string) {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(pattern, replacement);
  expect(after, `${file} has ${String(pattern)}`).not.toBe(before);
  writeFileSync(path, after);
}

/** PageInfo.startCursor (resolved by default, so the schema builds without it), with its description. */
const REMOVE_START_CURSOR = /^(?: {2}"[^\n]*"\n| {2}"""\n[^\n]*\n {2}"""\n)? {2}startCursor: String\n/m;

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

beforeAll(async () => {
  for (const entry of SOURCES) cpSync(join(ROOT, entry), join(template, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(template, 'node_modules'));
  const first = await contracts(template, 'update');
  expect(first, first.stderr).toMatchObject({ status: 0 });
});

// Each run builds the gateway's schema and runs buf: seconds each, more on a loaded machine.
describe('npm run contracts:check', { timeout: 60_000 }, () => {
  it('passes when the contracts match the snapshot', async () => {
    const run = await contracts(copy(), 'check');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('match the snapshot');
  });

  it('fails on a removed GraphQL field, naming it', async () => {
    const dir = copy();
    edit(dir, 'schema/chat.graphql', REMOVE_START_CURSOR, '');
    const run = await contracts(dir, 'check');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("GraphQL: Field 'startCursor' was removed from object type 'PageInfo'");
    expect(run.stderr).toContain('npm run contracts:update -- --reason');
  });

  it('fails on a retyped argument', async () => {
    const dir = copy();
    edit(dir, 'schema/chat.graphql', /(members\([^)]*after: )ID\b/, '$1Int');
    const run = await contracts(dir, 'check');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Type for argument 'after' on field 'Chat.members' changed from 'ID' to 'Int'");
  });

  it('fails on a removed RPC', async () => {
    const dir = copy();
    edit(dir, 'proto/auth/v1/auth.proto', /^ {2}rpc Logout\(.*\n/m, '');
    const run = await contracts(dir, 'check');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /gRPC: proto\/auth\/v1\/auth\.proto:\d+: .*RPC "Logout" on service "AuthService" was deleted/,
    );
  });

  it('fails on a changed field number', async () => {
    const dir = copy();
    edit(dir, 'proto/auth/v1/auth.proto', /(message LoginRequest \{[^}]*string user_agent = )3;/, '$19;');
    const run = await contracts(dir, 'check');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('field "3" with name "user_agent" on message "LoginRequest" was deleted');
  });

  it('passes on added fields and RPCs, asking for a refresh of the snapshot', async () => {
    const dir = copy();
    // A field, a directive and its use (as Federation adds them), an enum value (dangerous: passes, marked).
    writeFileSync(
      join(dir, 'schema/zz-probe.graphql'),
      'directive @probe on OBJECT\nextend type User @probe {\n  contractsProbe: String\n}\nextend enum ChatKind {\n  PROBE\n}\n',
    );
    edit(
      dir,
      'proto/auth/v1/auth.proto',
      /^service AuthService \{\n/m,
      '$&  rpc Probe(ProbeRequest) returns (ProbeResponse);\n',
    );
    writeFileSync(
      join(dir, 'proto/auth/v1/auth.proto'),
      `${read(dir, 'proto/auth/v1/auth.proto')}\nmessage ProbeRequest {}\nmessage ProbeResponse {\n  string id = 1;\n}\n`,
    );
    const run = await contracts(dir, 'check');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("GraphQL: Field 'contractsProbe' was added to object type 'User'");
    expect(run.stdout).toContain("GraphQL: Directive 'probe' was added to object 'User'");
    expect(run.stdout).toMatch(/GraphQL: Enum value 'PROBE' was added to enum 'ChatKind' \(dangerous: .+\)/);
    expect(run.stdout).toContain('gRPC: proto/auth/v1/auth.proto changed');
    expect(run.stdout).toContain('npm run contracts:update');

    // Recording additions takes no reason.
    const update = await contracts(dir, 'update');
    expect(update.status, update.stderr).toBe(0);
    expect(read(dir, 'contracts/schema.graphql')).toContain('contractsProbe: String');
    expect(read(dir, 'contracts/proto/auth/v1/auth.proto')).toContain('rpc Probe(ProbeRequest)');
    expect(read(dir, 'contracts/CHANGES.md')).toMatch(/: not breaking\n[^]*contractsProbe/);
    expect((await contracts(dir, 'check')).stdout).toContain('match the snapshot');
  });
});

describe('npm run contracts:update', { timeout: 60_000 }, () => {
  it('records a breaking change only with a reason, which then passes the check', async () => {
    const dir = copy();
    edit(dir, 'schema/chat.graphql', REMOVE_START_CURSOR, '');
    edit(dir, 'proto/auth/v1/auth.proto', /^ {2}rpc Logout\(.*\n/m, '');
    const snapshot = read(dir, 'contracts/schema.graphql');

    const refused = await contracts(dir, 'update');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('recording them takes a reason');
    expect(refused.stderr).toContain("Field 'startCursor' was removed");
    expect(read(dir, 'contracts/schema.graphql')).toBe(snapshot);

    const reason = 'No client reads startCursor; Logout is RevokeSession on the current session.';
    const recorded = await contracts(dir, 'update', '--reason', reason);
    expect(recorded.status, recorded.stderr).toBe(0);
    const log = read(dir, 'contracts/CHANGES.md');
    const entry = log.slice(log.lastIndexOf('\n## '));
    expect(entry).toContain(': breaking');
    expect(entry).toContain(`Why: ${reason}`);
    expect(entry).toContain("- GraphQL: Field 'startCursor' was removed from object type 'PageInfo'");
    expect(entry).toMatch(/- gRPC: .*RPC "Logout" on service "AuthService" was deleted/);
    expect(entry).toMatch(/Snapshot: `sha256:[0-9a-f]{64}`/);

    const check = await contracts(dir, 'check');
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('match the snapshot');
  });

  it('refuses a snapshot edited by hand, in the check and in the update', async () => {
    const dir = copy();
    // A break hidden by removing the field from the snapshot too, without a recorded reason.
    edit(dir, 'schema/chat.graphql', REMOVE_START_CURSOR, '');
    edit(dir, 'contracts/schema.graphql', REMOVE_START_CURSOR, '');
    const check = await contracts(dir, 'check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('It was edited by hand');
    const update = await contracts(dir, 'update');
    expect(update.status).toBe(1);
    expect(update.stderr).toContain('It was edited by hand');
  });
});
